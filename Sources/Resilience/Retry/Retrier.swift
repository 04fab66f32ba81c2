public import Synchronization

/// Something that happened in a retry loop, reported synchronously to the caller's
/// observer (for metrics and traces).
public enum RetryEvent: Sendable {
    /// Attempt `attempt` failed with `error`; the loop waits `delay` and tries again.
    case retrying(attempt: Int, delay: Duration, error: any Error)
    /// Attempt `attempt` succeeded (`attempt > 1` means after retries).
    case succeeded(attempt: Int)
    /// Attempt `attempt` failed with `error` and the loop gave up for `reason`.
    case gaveUp(attempt: Int, reason: RetryStopReason, error: any Error)
}

/// Counters of a ``Retrier`` (Resilience4j's `Retry.Metrics`, plus why calls gave up).
public struct RetryStatistics: Sendable, Hashable {
    /// Calls that succeeded at the first attempt.
    public var succeededWithoutRetry = 0
    /// Calls that succeeded after at least one retry.
    public var succeededWithRetry = 0
    /// Calls that failed without any retry (not retryable, budget, deadline…).
    public var failedWithoutRetry = 0
    /// Calls that failed after at least one retry.
    public var failedWithRetry = 0
    /// Retries made (waits started).
    public var retries = 0
    /// Retries the ``RetryBudget`` refused.
    public var budgetDenials = 0
    /// Calls abandoned because the next attempt would start after the deadline.
    public var deadlineStops = 0
    /// Calls abandoned because the caller was cancelled.
    public var cancellations = 0

    /// All zero.
    @inlinable public init() {}
}

/// Runs operations with retries: a ``RetryPolicy``, an optional shared ``RetryBudget``,
/// the task's ``TaskDeadline`` and a clock.
///
/// Make one retrier per dependency (like a Resilience4j `Retry` instance) and share it
/// between callers: its budget then counts all their requests and retries. Each call to
/// ``run(_:onEvent:)``:
/// 1. records one request in the budget and runs the operation in the caller's task
///    and isolation (no task is created);
/// 2. on failure, asks the policy (retryable? attempts left? would the next attempt
///    start before the deadline?), then the budget;
/// 3. reports the decision to `onEvent` and sleeps the delay on the clock
///    (`sleep(until:tolerance:)`), or gives up by rethrowing the last error unchanged
///    (Resilience4j and gRPC do the same; the reason is in the ``RetryEvent``).
///
/// Cancellation is honoured at once: a cancelled sleep ends the call with
/// `CancellationError`, and a failure seen after the task was cancelled is not retried.
/// Randomness (jitter) comes from the injected generator, shared under a lock, so the
/// simulation's runs are reproducible.
public final class Retrier<C: Clock, Random: RandomNumberGenerator & Sendable>: Sendable where C.Duration == Duration {
    /// What to retry and how long to wait.
    public let policy: RetryPolicy
    /// The clock delays are slept on and deadlines are read from.
    public let clock: C

    @usableFromInline struct State: Sendable {
        @usableFromInline var random: Random
        @usableFromInline var budget: RetryBudget<C.Instant>?
        @usableFromInline var statistics = RetryStatistics()

        @inlinable init(random: Random, budget: RetryBudget<C.Instant>?) {
            self.random = random
            self.budget = budget
        }
    }

    @usableFromInline let state: Mutex<State>

    /// A retrier following `policy` on `clock`, drawing jitter from `random`, and, when
    /// `budget` is given, throttling retries with a ``RetryBudget`` of that configuration
    /// shared by every call.
    public init(policy: RetryPolicy, budget: RetryBudget<C.Instant>.Configuration? = nil, clock: C, random: Random) {
        self.policy = policy
        self.clock = clock
        state = Mutex(State(random: random, budget: budget.map { RetryBudget($0) }))
    }

    /// A snapshot of the counters.
    public var statistics: RetryStatistics { state.withLock { $0.statistics } }

    /// A snapshot of the shared budget, if there is one.
    public var budget: RetryBudget<C.Instant>? { state.withLock { $0.budget } }

    /// Runs `operation` until it succeeds or the loop gives up (see the type's
    /// documentation), reporting every retry and the outcome to `onEvent`.
    ///
    /// - Parameters:
    ///   - operation: the work; it runs in the caller's task, once per attempt.
    ///   - onEvent: called synchronously, in the caller's isolation, for every
    ///     ``RetryEvent``.
    /// - Returns: the first successful result.
    /// - Throws: the last attempt's error when the loop gives up, or
    ///   `CancellationError` when the task is cancelled.
    @inlinable public func run<T>(
        _ operation: () async throws -> T,
        onEvent: (RetryEvent) -> Void = { _ in }
    ) async throws -> T {
        try await run(operation, jitterOrShared: { _ -> Random? in nil }, onEvent: onEvent)
    }

    /// Runs `operation` like ``run(_:onEvent:)``, drawing the delay after attempt `n`
    /// from `jitter(n)` instead of the retrier's shared generator.
    ///
    /// With a shared generator, one more retry anywhere shifts every later call's
    /// delays. A simulation comparing two configurations on the same luck (common random
    /// numbers) keys the generator by the call and the attempt instead, so a call's
    /// delays are the same whatever other calls do:
    ///
    /// ```swift
    /// let reply = try await retrier.run({ try await fetch(order) },
    ///                                   jitter: { attempt in SeededGenerator(seed: callKey ^ UInt64(attempt)) })
    /// ```
    ///
    /// `jitter` is called once per failed attempt, synchronously, before the decision.
    @inlinable public func run<T, G: RandomNumberGenerator>(
        _ operation: () async throws -> T,
        jitter: (_ attempt: Int) -> G,
        onEvent: (RetryEvent) -> Void = { _ in }
    ) async throws -> T {
        try await run(operation, jitterOrShared: { Optional(jitter($0)) }, onEvent: onEvent)
    }

    /// The loop: `jitterOrShared(n)` is the generator after attempt n (nil: the shared one).
    @inlinable func run<T, G: RandomNumberGenerator>(
        _ operation: () async throws -> T,
        jitterOrShared: (Int) -> G?,
        onEvent: (RetryEvent) -> Void
    ) async throws -> T {
        try Task.checkCancellation()
        let start = clock.now
        state.withLock { $0.budget?.recordRequest(at: start) }
        var attempt = 0
        var previousDelay: Duration?
        while true {
            attempt += 1
            let failure: any Error
            do {
                let value = try await operation()
                state.withLock { state in
                    if attempt == 1 {
                        state.statistics.succeededWithoutRetry += 1
                    } else {
                        state.statistics.succeededWithRetry += 1
                    }
                }
                onEvent(.succeeded(attempt: attempt))
                return value
            } catch {
                failure = error
            }
            let now = clock.now
            let deadline = TaskDeadline.instant(on: clock)
            let cancelled = Task.isCancelled
            var generator = cancelled ? nil : jitterOrShared(attempt)
            let decision = state.withLock { state in
                var decision: RetryDecision
                if cancelled {
                    decision = .stop(.cancelled)
                } else {
                    if generator != nil {
                        decision = policy.decide(
                            afterAttempt: attempt, failure: failure, previousDelay: previousDelay,
                            now: now, deadline: deadline, using: &generator!)
                    } else {
                        decision = policy.decide(
                            afterAttempt: attempt, failure: failure, previousDelay: previousDelay,
                            now: now, deadline: deadline, using: &state.random)
                    }
                    // The budget is the retrier's, whichever generator drew the delay.
                    if case .retry = decision, state.budget?.tryRetry(at: now) == false {
                        decision = .stop(.budgetExhausted)
                    }
                }
                Self.count(decision, attempt: attempt, in: &state.statistics)
                return decision
            }
            switch decision {
            case .retry(let delay):
                onEvent(.retrying(attempt: attempt, delay: delay, error: failure))
                previousDelay = delay
                do {
                    try await clock.sleep(until: now.advanced(by: delay), tolerance: nil)
                } catch {
                    state.withLock { Self.count(.stop(.cancelled), attempt: attempt, in: &$0.statistics) }
                    onEvent(.gaveUp(attempt: attempt, reason: .cancelled, error: failure))
                    throw CancellationError()
                }
            case .stop(let reason):
                onEvent(.gaveUp(attempt: attempt, reason: reason, error: failure))
                if reason == .cancelled { throw CancellationError() }
                throw failure
            }
        }
    }

    @inlinable static func count(_ decision: RetryDecision, attempt: Int, in statistics: inout RetryStatistics) {
        switch decision {
        case .retry:
            statistics.retries += 1
        case .stop(let reason):
            if attempt == 1 {
                statistics.failedWithoutRetry += 1
            } else {
                statistics.failedWithRetry += 1
            }
            switch reason {
            case .budgetExhausted: statistics.budgetDenials += 1
            case .deadlineWouldPass: statistics.deadlineStops += 1
            case .cancelled: statistics.cancellations += 1
            case .notRetryable, .attemptsExhausted: break
            }
        }
    }
}

extension Retrier where Random == SystemRandomNumberGenerator {
    /// A retrier drawing jitter from the system's generator (production; the simulation
    /// injects a seeded one).
    public convenience init(policy: RetryPolicy, budget: RetryBudget<C.Instant>.Configuration? = nil, clock: C) {
        self.init(policy: policy, budget: budget, clock: clock, random: SystemRandomNumberGenerator())
    }
}
