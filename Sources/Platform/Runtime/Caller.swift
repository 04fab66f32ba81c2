import Resilience
import SimKernel
import World

/// The client side of calls from one service instance to one callee, built from the
/// `Resilience` library and driven with the world's clock:
/// - a ``Retrier`` (``RetryPolicy``, ``Backoff``, ``RetryBudget``) runs the attempts,
///   retrying transient failures while the budget and the call's deadline allow;
/// - each attempt passes through the breaker's ``CircuitBreakerExecutor`` (either kind,
///   as `any CircuitBreakerRunning`), which times it and records its outcome — business
///   refusals and 429s are ignored, not failures;
/// - a rejected call (and, if the policy says so, a call that finally failed) is served
///   by the policy's ``CallFallback``;
/// - every attempt waits at most the policy's timeout, and never past the deadline of
///   the call being handled (``TaskDeadline``), which the request carries on.
///
/// World-confined: only the world's thread touches it.
final class Caller: @unchecked Sendable {
    let caller: String
    let instance: String
    let callee: String
    let policy: CallPolicy
    private let environment: CallerEnvironment
    private let retrier: Retrier<VirtualClock, RandomStream>
    private let breaker: (any CircuitBreakerRunning<VirtualClock.Instant>)?
    private let fallback: CallFallback?
    private let metrics: CallerMetrics
    /// The purpose under which calls through this caller are counted within their work
    /// (their keys for retry jitter); nil when no retry ever draws jitter.
    private let jitterPurpose: UInt64?
    /// "order#0->inventory" in the trace, and the world's trace names.
    private let traceLink: TraceName
    private let traceNames: TraceVocabulary

    /// - Throws: ``ConfigurationError`` when the policy (from the world) is one the
    ///   library refuses: a bug in the world reader, which validates it.
    init(caller: String, instance: String, callee: String, policy: CallPolicy, environment: CallerEnvironment) throws(ConfigurationError) {
        self.caller = caller
        self.instance = instance
        self.callee = callee
        self.policy = policy
        self.environment = environment
        let sim = environment.sim
        let metrics = CallerMetrics(
            caller: caller, callee: callee, hasBreaker: policy.breaker != nil, calleeIsService: environment.router.isService(callee), metrics: sim.metrics)
        self.metrics = metrics
        // Without retries the backoff is never consulted: a zero constant stands in.
        let backoff = if let retry = policy.retry { try Backoff(retry) } else { try Backoff.constant(.zero) }
        let budget = try policy.retry?.budget.map { ratio throws(ConfigurationError) in try RetryBudget<VirtualClock.Instant>.Configuration(retryRatio: ratio) }
        retrier = Retrier(
            policy: try RetryPolicy(maxAttempts: policy.retry?.attempts ?? 1,
                                    backoff: backoff,
                                    isRetryable: Caller.isRetryable),
            budget: budget,
            clock: sim.clock, random: sim.random("\(instance)->\(callee)"))
        if let retry = policy.retry, retry.attempts > 1, retry.jitter != .none {
            jitterPurpose = StableHash.combine(StableHash.of("retry"), StableHash.of(callee))
        } else {
            jitterPurpose = nil
        }
        let trace = sim.trace
        let link = trace.name("\(instance)->\(callee)")
        traceLink = link
        traceNames = sim.traceNames
        let made = try policy.breaker.map { spec throws(ConfigurationError) in try spec.breaker() }
        breaker = made.map { made in
            let names = BreakerTraceNames(trace)
            return CircuitBreakerExecutors.make(
                made, clock: sim.clock, isIgnored: Caller.isIgnoredByBreaker,
                listener: { event in
                    guard case .transition(let transition) = event else { return }
                    metrics.transition(to: transition.to).add()
                    metrics.breakerMoved(from: transition.from, to: transition.to)
                    metrics.allBreakerTransitions?.add()
                    trace.record(names[transition.to], link)
                })
        }
        fallback = policy.fallback.map { CallFallback(spec: $0, broker: environment.broker) }
    }

    /// Transient failures are retried; a breaker's rejection, refusals and limits are not.
    @Sendable static func isRetryable(_ error: any Error) -> Bool {
        (error as? Failure)?.isTransient ?? false
    }

    /// Business refusals and 429s are answers, not failures of the callee: the breaker
    /// ignores them (as it does a cancelled caller).
    @Sendable static func isIgnoredByBreaker(_ error: any Error) -> Bool {
        if let failure = error as? Failure { return !failure.countsAgainstBreaker }
        return error is CancellationError
    }

    /// Performs `call` under the policy: attempts through the breaker, retried with
    /// backoff while the budget and the deadline allow, degraded by the fallback.
    func perform(_ call: Call) async -> Result<Reply, Failure> {
        var last: Result<Reply, Failure>?
        // Common random numbers: within keyed work, the jitter after attempt n is drawn
        // from a stream keyed by this call and n (one more retry elsewhere moves nothing);
        // outside it (a background chore), from this caller's own stream.
        let key = jitterPurpose.flatMap { environment.draws.callKey(to: $0) }
        // The closures go straight to the retrier, whose parameters do not escape, so
        // they and `last` live in this call's frame. Kept in local constants first, they
        // were escaping values: a heap block each per call, and a box for `last`.
        do {
            let reply: Reply
            if let key {
                let draws = environment.draws
                reply = try await retrier.run({ try await self.attempt(call, remembering: &last) },
                                              jitter: { draws.retryJitter(call: key, attempt: $0) },
                                              onEvent: { self.record($0, key: key) })
            } else {
                reply = try await retrier.run({ try await self.attempt(call, remembering: &last) },
                                              onEvent: { self.record($0, key: nil) })
            }
            fallback?.remember(call, reply)
            return .success(reply)
        } catch let failure as Failure {
            if let fallback, fallback.spec.onFailure, failure.countsAgainstBreaker, failure != .breakerOpen, !Task.isCancelled {
                if let reply = await degrade(call, fallback) { return .success(reply) }
            }
            return .failure(failure)
        } catch {
            // Cancelled (the handler's instance crashed): the last answer, if any.
            return last ?? .failure(.deadline)
        }
    }

    /// One attempt, its answer kept in `last` (what a cancelled retry loop returns).
    private func attempt(_ call: Call, remembering last: inout Result<Reply, Failure>?) async throws -> Reply {
        let result = await attempt(call)
        last = result
        return try result.get()
    }

    /// Counts and traces what the retry loop did for the call keyed `key` (nil outside
    /// keyed work).
    private func record(_ event: RetryEvent, key: UInt64?) {
        let trace = environment.sim.trace
        switch event {
        case .retrying(let attempt, let delay, let error):
            metrics.retries.add()
            trace.record(traceNames.retry, traceLink, Int64(attempt), delay.nanoseconds,
                         detail: (error as? Failure).map(traceNames.outcome) ?? .none)
            if let key, let recorder = environment.draws.recorder {
                recorder.retryDelays["\(caller)->\(callee)#\(key)#\(attempt)"] = delay.nanoseconds
            }
        case .gaveUp(let attempt, .budgetExhausted, _):
            metrics.retryBudgetExhausted.add()
            trace.record(traceNames.retryGaveUp, traceLink, Int64(attempt), detail: traceNames.budgetExhausted)
        case .gaveUp(let attempt, .deadlineWouldPass, _):
            metrics.retryDeadlinePassed.add()
            trace.record(traceNames.retryGaveUp, traceLink, Int64(attempt), detail: traceNames.deadlineWouldPass)
        case .gaveUp(let attempt, .attemptsExhausted, _) where attempt > 1:
            trace.record(traceNames.retryGaveUp, traceLink, Int64(attempt), detail: traceNames.attemptsExhausted)
        case .gaveUp, .succeeded: break
        }
    }

    /// One attempt: through the breaker (its fallback serving a rejection), within the
    /// timeout and the deadline.
    private func attempt(_ call: Call) async -> Result<Reply, Failure> {
        let clock = environment.sim.clock
        // Never wait past the deadline of the call being handled: its caller gives up then.
        let timeout = TaskDeadline.limit(policy.timeout, on: clock)
        if let timeout, timeout <= .zero {
            metrics.failed(.deadline).add()
            return .failure(.deadline)
        }
        guard let breaker else { return await send(call, timeout: timeout) }
        do {
            // The executor's fallback hook sees the rejections; a failure is passed on to
            // the retry loop (the policy's on-failure fallback comes after the retries).
            return .success(try await breaker.execute({ try await send(call, timeout: timeout).get() }, fallback: { cause in
                switch cause {
                case .failure(let error):
                    throw error
                case .notPermitted:
                    metrics.shedByBreaker?.add()
                    self.environment.sim.trace.record(self.traceNames.breakerRejected, self.traceLink)
                    metrics.failed(.breakerOpen).add()
                    if let fallback = self.fallback, let reply = await self.degrade(call, fallback) { return reply }
                    throw Failure.breakerOpen
                }
            }))
        } catch {
            // Only `Failure`s are thrown above: the operation's, or the rejection's.
            return .failure(error as? Failure ?? .error)
        }
    }

    /// Sends one attempt and measures it.
    private func send(_ call: Call, timeout: Duration?) async -> Result<Reply, Failure> {
        let clock = environment.sim.clock
        let started = clock.now
        metrics.attempts.add()
        let result = await environment.router.send(from: caller, to: callee, call, timeout: timeout)
        let elapsed = started.duration(to: clock.now)
        metrics.latency.record(elapsed.nanoseconds)
        if case .failure(let failure) = result {
            metrics.failed(failure).add()
            // Only when this caller's own deadline ran out: a `.deadline` the callee passed
            // on from its own calls, or a caller cancelled by a crash, is not an abandonment.
            if failure == .deadline, !Task.isCancelled, let timeout, elapsed >= timeout { metrics.abandonedAtDeadline?.add() }
        }
        return result
    }

    /// The fallback's answer to `call`, counted by mode (or as missed).
    private func degrade(_ call: Call, _ fallback: CallFallback) async -> Reply? {
        let reply = await fallback.answer(call)
        metrics.fallback(reply == nil ? nil : fallback.spec.mode).add()
        return reply
    }
}

/// Trace names of breaker transitions, made once per breaker.
private struct BreakerTraceNames: Sendable {
    private let names: [TraceName]

    init(_ trace: Trace) {
        names = [CircuitState.closed, .open, .halfOpen, .forcedOpen, .disabled].map { trace.name("breaker.\($0.metricName)") }
    }

    subscript(_ state: CircuitState) -> TraceName {
        switch state {
        case .closed: names[0]
        case .open: names[1]
        case .halfOpen: names[2]
        case .forcedOpen: names[3]
        case .disabled: names[4]
        }
    }
}

extension CircuitState {
    /// snake_case, as metric names are.
    var metricName: String {
        switch self {
        case .closed: return "closed"
        case .open: return "open"
        case .halfOpen: return "half_open"
        case .forcedOpen: return "forced_open"
        case .disabled: return "disabled"
        }
    }
}

extension Failure {
    /// Business refusals are answers, not failures of the callee.
    var countsAgainstBreaker: Bool {
        switch self {
        case .refused, .limited: return false
        default: return true
        }
    }
}
