import Synchronization

/// Runs operations through a circuit breaker (``CircuitBreaker`` or ``DegradeBreaker``):
/// asks for permission, times the call on `clock`, classifies its outcome and reports it,
/// and serves a fallback when asked to.
///
/// - ``execute(_:)`` throws ``CallNotPermitted`` when the breaker rejects the call;
///   ``execute(_:fallback:)`` serves the fallback instead, and also when the operation
///   fails.
/// - Errors are classified as in Resilience4j: `isIgnored` first (default: only
///   `CancellationError`, since a cancelled caller says nothing about the backend), then
///   `countsAsFailure` (default: every error); an error that is neither counts as a
///   success (a "not found" is an answer). A ``CallNotPermitted`` thrown by the operation
///   — an inner breaker rejected it, so the call was never made — releases the permission
///   instead (the situation of Sentinel #1638).
/// - The listener receives every transition and rejection, outside the lock, on the
///   calling task, in the order the calls happened there.
/// - Timed transitions (automatic open → half-open, the half-open maximum wait, the probe
///   timeout) happen at the latest on the next call or ``state`` read; run
///   ``runTimers()`` in a child task to have them happen exactly on time.
///
/// The breaker lives in a `Mutex`; no lock is held while the operation, the fallback or
/// the listener runs.
public final class CircuitBreakerExecutor<Breaker: CircuitBreaking, C: Clock>: Sendable
where Breaker.Instant == C.Instant, C.Duration == Duration {
    /// What the listener receives.
    public typealias Event = CircuitEvent<C.Instant>

    private struct Guarded {
        var breaker: Breaker
        var timerGeneration: UInt64 = 0
        var timerWaiters: [UnsafeContinuation<Void, Never>] = []

        /// A transition may change ``CircuitBreaking/nextTransition``: wake the timer runners.
        mutating func note(_ transition: CircuitTransition<C.Instant>?) -> [UnsafeContinuation<Void, Never>] {
            guard transition != nil else { return [] }
            return wakeTimers()
        }

        mutating func wakeTimers() -> [UnsafeContinuation<Void, Never>] {
            timerGeneration &+= 1
            guard !timerWaiters.isEmpty else { return [] }
            defer { timerWaiters.removeAll() }
            return timerWaiters
        }
    }

    private enum Outcome {
        case success, failure, ignored, notMade
    }

    /// The clock calls are timed on.
    public let clock: C
    private let guarded: Mutex<Guarded>
    private let countsAsFailure: @Sendable (any Error) -> Bool
    private let isIgnored: @Sendable (any Error) -> Bool
    private let listener: (@Sendable (Event) -> Void)?

    /// An executor driving `breaker` on `clock`.
    ///
    /// - Parameters:
    ///   - countsAsFailure: whether an error thrown by an operation counts as a failure
    ///     (Resilience4j's `recordExceptions`); otherwise, unless ignored, as a success.
    ///     Default: every error.
    ///   - isIgnored: whether an error is ignored (Resilience4j's `ignoreExceptions`,
    ///     checked first): not counted by ``CircuitBreaker``, counted as an error-free
    ///     completion by ``DegradeBreaker``. Default: `CancellationError` only.
    ///   - listener: called with every transition and rejection; it must be quick.
    public init(
        _ breaker: Breaker,
        clock: C,
        countsAsFailure: @escaping @Sendable (any Error) -> Bool = { _ in true },
        isIgnored: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError },
        listener: (@Sendable (Event) -> Void)? = nil
    ) {
        self.clock = clock
        guarded = Mutex(Guarded(breaker: breaker))
        self.countsAsFailure = countsAsFailure
        self.isIgnored = isIgnored
        self.listener = listener
    }

    // MARK: Running calls

    /// Runs `operation` if the breaker permits it and records its outcome and duration.
    /// Throws ``CallNotPermitted`` (without running it) when the breaker rejects it, and
    /// rethrows the operation's own errors.
    public func execute<T>(_ operation: () async throws -> T) async throws -> T {
        let permission = try acquire()
        let start = clock.now
        let value: T
        do {
            value = try await operation()
        } catch {
            finish(permission, startedAt: start, classify(error))
            throw error
        }
        finish(permission, startedAt: start, .success)
        return value
    }

    /// Runs `operation` if the breaker permits it; serves `fallback` instead when the
    /// breaker rejects the call or when the operation throws an error that counts as a
    /// failure. Ignored errors, errors that count as successes, and errors thrown by the
    /// fallback itself propagate.
    public func execute<T>(
        _ operation: () async throws -> T,
        fallback: (FallbackCause) async throws -> T
    ) async throws -> T {
        let permission: CircuitPermission
        do {
            permission = try acquire()
        } catch {
            return try await fallback(.notPermitted(error))
        }
        let start = clock.now
        let value: T
        do {
            value = try await operation()
        } catch {
            let outcome = classify(error)
            finish(permission, startedAt: start, outcome)
            guard outcome == .failure else { throw error }
            return try await fallback(.failure(error))
        }
        finish(permission, startedAt: start, .success)
        return value
    }

    // MARK: Reading and steering

    /// The breaker's state now, after performing any timed transition that is due.
    public var state: CircuitState {
        let (state, transition, waiters) = guarded.withLock { guarded in
            let transition = guarded.breaker.advance(to: clock.now)
            return (guarded.breaker.state, transition, guarded.note(transition))
        }
        report(transition, waking: waiters)
        return state
    }

    /// Runs `body` with the breaker (under the lock: keep it short), for its metrics.
    public func inspect<R: Sendable>(_ body: (Breaker) -> R) -> R {
        guarded.withLock { body($0.breaker) }
    }

    /// Moves the breaker to `state` by hand (forced open, disabled, back to closed…).
    @discardableResult
    public func transition(to state: CircuitState) -> CircuitTransition<C.Instant>? {
        let (transition, waiters) = guarded.withLock { guarded in
            let transition = guarded.breaker.transition(to: state, at: clock.now)
            return (transition, guarded.note(transition))
        }
        report(transition, waking: waiters)
        return transition
    }

    /// Performs the breaker's timed transitions at their instants (``CircuitBreaking/nextTransition``),
    /// reporting them to the listener, until the calling task is cancelled.
    ///
    /// Run it as a child task for the executor's lifetime (the automatic transition of
    /// Resilience4j's scheduler, without a thread of its own):
    /// ```swift
    /// try await withThrowingTaskGroup(of: Void.self) { group in
    ///     group.addTask { await executor.runTimers() }
    ///     …
    ///     group.cancelAll()
    /// }
    /// ```
    public func runTimers() async {
        while !Task.isCancelled {
            let (due, generation, now) = guarded.withLock { ($0.breaker.nextTransition, $0.timerGeneration, clock.now) }
            if let due, due > now {
                await clock.race(deadline: due, { await self.waitForTimerChange(after: generation) },
                                 onTimeout: { self.wakeTimers() })
            } else if due == nil {
                await waitForTimerChange(after: generation)
            }
            if Task.isCancelled { return }
            _ = state
        }
    }

    // MARK: Machinery

    private func acquire() throws(CallNotPermitted) -> CircuitPermission {
        let (outcome, transition, now, waiters) = guarded.withLock { guarded in
            let now = clock.now
            let admission = guarded.breaker.tryAcquirePermission(at: now)
            let outcome: Result<CircuitPermission, CallNotPermitted> = if let permission = admission.permission {
                .success(permission)
            } else {
                .failure(CallNotPermitted(state: guarded.breaker.state,
                                          retryAfter: guarded.breaker.openUntil.map { now.duration(to: $0) }))
            }
            return (outcome, admission.transition, now, guarded.note(admission.transition))
        }
        report(transition, waking: waiters)
        if case .failure(let rejection) = outcome {
            listener?(.callNotPermitted(state: rejection.state, instant: now))
        }
        return try outcome.get()
    }

    private func classify(_ error: any Error) -> Outcome {
        if error is CallNotPermitted { return .notMade }
        if isIgnored(error) { return .ignored }
        return countsAsFailure(error) ? .failure : .success
    }

    private func finish(_ permission: CircuitPermission, startedAt start: C.Instant, _ outcome: Outcome) {
        let (transition, waiters) = guarded.withLock { guarded in
            let now = clock.now
            let duration = start.duration(to: now)
            let transition: CircuitTransition<C.Instant>? = switch outcome {
            case .success: guarded.breaker.onSuccess(permission, duration: duration, at: now)
            case .failure: guarded.breaker.onError(permission, duration: duration, at: now)
            case .ignored: guarded.breaker.onIgnoredError(permission, duration: duration, at: now)
            case .notMade: guarded.breaker.releasePermission(permission, at: now)
            }
            return (transition, guarded.note(transition))
        }
        report(transition, waking: waiters)
    }

    private func report(_ transition: CircuitTransition<C.Instant>?, waking waiters: [UnsafeContinuation<Void, Never>]) {
        for waiter in waiters { waiter.resume() }
        if let transition { listener?(.transition(transition)) }
    }

    private func wakeTimers() {
        let waiters = guarded.withLock { $0.wakeTimers() }
        for waiter in waiters { waiter.resume() }
    }

    /// Parks until a transition (or a timer, or cancellation) bumps the timer generation
    /// past `generation`; returns at once if that already happened.
    private func waitForTimerChange(after generation: UInt64) async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let parked = guarded.withLock { guarded in
                    guard guarded.timerGeneration == generation else { return false }
                    guarded.timerWaiters.append(continuation)
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            self.wakeTimers()
        }
    }
}
