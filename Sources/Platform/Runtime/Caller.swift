import Resilience
import SimKernel
import World

/// The client side of calls from one service instance to one callee: its timeout,
/// retries with backoff and budget, and circuit breaker — the `Resilience` primitives,
/// driven with the world's clock.
///
/// World-confined: only the world's thread touches it.
final class Caller: @unchecked Sendable {
    let caller: String
    let instance: String
    let callee: String
    let policy: CallPolicy
    private unowned(unsafe) let platform: PlatformContext
    private var breaker: AnyBreaker?
    private var budget: RetryBudget<VirtualClock.Instant>?
    private let backoff: Backoff?
    private var random: RandomStream
    private let prefix: String
    /// The callee's side of the story, when it is a service: calls its callers' breakers
    /// shed, and calls they gave up on when their own timeout ran out (`<callee>.rejected.*`).
    private let shedByBreaker: CounterMetric?
    private let abandonedAtDeadline: CounterMetric?

    init(caller: String, instance: String, callee: String, policy: CallPolicy, platform: PlatformContext) {
        self.caller = caller
        self.instance = instance
        self.callee = callee
        self.policy = policy
        self.platform = platform
        random = platform.sim.random("\(instance)->\(callee)")
        prefix = "\(caller).calls.\(callee)"
        breaker = policy.breaker.map(AnyBreaker.init)
        let calleeIsService = platform.services[callee] != nil
        shedByBreaker = calleeIsService && breaker != nil ? platform.metrics.counter("\(callee).rejected.breaker_open") : nil
        abandonedAtDeadline = calleeIsService ? platform.metrics.counter("\(callee).rejected.deadline") : nil
        // Reported even when zero: "no breaker opened" is a finding, not a missing row.
        _ = platform.metrics.counter("\(prefix).attempts")
        _ = platform.metrics.counter("\(prefix).failed.deadline")
        if breaker != nil {
            for state in [CircuitState.open, .halfOpen, .closed] { _ = platform.metrics.counter("\(prefix).breaker.to_\(state.metricName)") }
            _ = platform.metrics.counter("\(prefix).failed.breaker_open")
            _ = platform.metrics.counter("breakers.transitions")
        }
        if let retry = policy.retry {
            let jitter: Backoff.Jitter
            switch retry.jitter {
            case .none: jitter = .none
            case .full: jitter = .full
            case .equal: jitter = .equal
            case .decorrelated: jitter = .decorrelated
            }
            backoff = Backoff.exponential(base: retry.base, cap: retry.cap, jitter: jitter)
            budget = retry.budget.map { RetryBudget(RetryBudget.Configuration(retryRatio: $0)) }
        } else {
            backoff = nil
        }
    }

    /// Performs `call` under the policy: every attempt through the breaker, failed
    /// transient attempts retried with backoff while the budget allows.
    func perform(_ call: Call) async -> Result<Reply, Failure> {
        let attempts = policy.retry?.attempts ?? 1
        let clock = platform.sim.clock
        budget?.recordRequest(at: clock.now)
        var previousDelay: Duration?
        var attempt = 1
        while true {
            let result = await attemptOnce(call)
            if Task.isCancelled { return result }
            guard case .failure(let failure) = result else { return result }
            platform.metrics.count("\(prefix).failed.\(failure.label)")
            guard failure.isTransient, attempt < attempts, let backoff else { return result }
            if var budget {
                let allowed = budget.tryRetry(at: clock.now)
                self.budget = budget
                guard allowed else {
                    platform.metrics.count("\(prefix).retry_budget_exhausted")
                    return result
                }
            }
            let delay = backoff.delay(afterAttempt: attempt, previous: previousDelay, using: &random)
            previousDelay = delay
            platform.metrics.count("\(prefix).retries")
            try? await clock.sleep(for: delay)
            if Task.isCancelled { return result }
            attempt += 1
        }
    }

    private func attemptOnce(_ call: Call) async -> Result<Reply, Failure> {
        let clock = platform.sim.clock
        let started = clock.now
        var permission: CircuitPermission?
        if breaker != nil {
            let admission = breaker!.tryAcquirePermission(at: started)
            record(admission.transition)
            guard let granted = admission.permission else {
                shedByBreaker?.add()
                return .failure(.breakerOpen)
            }
            permission = granted
        }
        platform.metrics.count("\(prefix).attempts")
        let result = await platform.send(from: caller, to: callee, call, timeout: policy.timeout)
        let elapsed = started.duration(to: clock.now)
        platform.metrics.record("\(prefix).latency", elapsed.nanoseconds)
        // Only when this caller's own timer ran out: a `.deadline` the callee passed on
        // from its own calls, or a caller cancelled by a crash, is not an abandonment.
        if case .failure(.deadline) = result, !Task.isCancelled, let timeout = policy.timeout, elapsed >= timeout {
            abandonedAtDeadline?.add()
        }
        if let permission, breaker != nil {
            let transition: CircuitTransition<VirtualClock.Instant>?
            switch result {
            case .success:
                transition = breaker!.onSuccess(permission, duration: elapsed, at: clock.now)
            case .failure(let failure) where failure.countsAgainstBreaker:
                transition = breaker!.onError(permission, duration: elapsed, at: clock.now)
            case .failure:
                transition = breaker!.onIgnoredError(permission, duration: elapsed, at: clock.now)
            }
            record(transition)
        }
        return result
    }

    private func record(_ transition: CircuitTransition<VirtualClock.Instant>?) {
        guard let transition else { return }
        let to = transition.to.metricName
        platform.metrics.count("\(prefix).breaker.to_\(to)")
        platform.metrics.count("breakers.transitions")
        platform.sim.trace.record(platform.sim.trace.name("breaker.\(to)"), platform.sim.trace.name("\(instance)->\(callee)"))
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

/// Either breaker behind one interface.
enum AnyBreaker {
    case resilience4j(CircuitBreaker<VirtualClock.Instant>)
    case sentinel(DegradeBreaker<VirtualClock.Instant>)

    init(_ spec: BreakerSpec) {
        switch spec {
        case .resilience4j(let s):
            self = .resilience4j(CircuitBreaker(CircuitBreakerConfiguration(
                failureRateThreshold: s.failureRate * 100, slowCallRateThreshold: s.slowRate * 100,
                slowCallDurationThreshold: s.slowCall, minimumNumberOfCalls: s.minimumCalls,
                slidingWindowType: s.window == .count ? .countBased : .timeBased, slidingWindowSize: s.size,
                waitDurationInOpenState: s.waitOpen, permittedNumberOfCallsInHalfOpenState: s.halfOpenCalls,
                maxWaitDurationInHalfOpenState: s.maxWaitHalfOpen)))
        case .sentinel(let s):
            let strategy: DegradeRule.Strategy
            switch s.strategy {
            case .errorRatio(let ratio): strategy = .errorRatio(ratio)
            case .errorCount(let count): strategy = .errorCount(count)
            case .slowRatio(let ratio, let maxResponse): strategy = .slowCallRatio(maxResponseTime: maxResponse, threshold: ratio)
            }
            self = .sentinel(DegradeBreaker(DegradeRule(
                strategy: strategy, timeWindow: s.window, minRequestAmount: s.minimumRequests, statInterval: s.statInterval)))
        }
    }

    mutating func tryAcquirePermission(at now: VirtualClock.Instant) -> CircuitAdmission<VirtualClock.Instant> {
        switch self {
        case .resilience4j(var b): defer { self = .resilience4j(b) }; return b.tryAcquirePermission(at: now)
        case .sentinel(var b): defer { self = .sentinel(b) }; return b.tryAcquirePermission(at: now)
        }
    }

    mutating func onSuccess(_ p: CircuitPermission, duration: Duration, at now: VirtualClock.Instant) -> CircuitTransition<VirtualClock.Instant>? {
        switch self {
        case .resilience4j(var b): defer { self = .resilience4j(b) }; return b.onSuccess(p, duration: duration, at: now)
        case .sentinel(var b): defer { self = .sentinel(b) }; return b.onSuccess(p, duration: duration, at: now)
        }
    }

    mutating func onError(_ p: CircuitPermission, duration: Duration, at now: VirtualClock.Instant) -> CircuitTransition<VirtualClock.Instant>? {
        switch self {
        case .resilience4j(var b): defer { self = .resilience4j(b) }; return b.onError(p, duration: duration, at: now)
        case .sentinel(var b): defer { self = .sentinel(b) }; return b.onError(p, duration: duration, at: now)
        }
    }

    mutating func onIgnoredError(_ p: CircuitPermission, duration: Duration, at now: VirtualClock.Instant) -> CircuitTransition<VirtualClock.Instant>? {
        switch self {
        case .resilience4j(var b): defer { self = .resilience4j(b) }; return b.onIgnoredError(p, duration: duration, at: now)
        case .sentinel(var b): defer { self = .sentinel(b) }; return b.onIgnoredError(p, duration: duration, at: now)
        }
    }
}
