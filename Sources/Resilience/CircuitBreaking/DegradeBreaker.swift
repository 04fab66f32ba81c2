/// A Sentinel-style circuit breaker applying one ``DegradeRule``, as a pure state machine
/// (Sentinel's `ExceptionCircuitBreaker` and `ResponseTimeCircuitBreaker`).
///
/// - **Closed.** Every call passes. Completed calls are counted in the statistic interval
///   (calls, errors, slow calls). Once it holds at least `minRequestAmount` calls, the
///   rule trips when its value is strictly greater than the threshold: then the breaker
///   opens for `timeWindow`.
/// - **Open.** Calls are rejected until `timeWindow` has elapsed (from then on, `≥`); the
///   next call moves the breaker to half-open and is its single probe.
/// - **Half-open.** Every other call is rejected. The probe decides: a pass closes the
///   breaker and clears the statistics; a failure opens it for another `timeWindow`. For
///   the error strategies a probe fails by throwing an error; for the slow-call strategy,
///   by being slow (whether or not it threw), as in Sentinel.
/// - **Forced open / disabled**: entered and left only by ``transition(to:at:)``.
///
/// Where it differs from Sentinel, deliberately:
/// - **Stuck half-open (Sentinel #1638).** A probe released without being made (blocked
///   elsewhere) moves the breaker back to open with the open wait already over, so the
///   next call probes (Sentinel's workaround). And a probe that never reports back is
///   given up after `probeTimeout` (default: `timeWindow`): the breaker opens again for
///   another `timeWindow`. Sentinel waits forever; `probeTimeout: .zero` does too.
/// - Only the probe decides a half-open round: Sentinel lets *any* call completing while
///   half-open decide, including one admitted long before while closed. Outcomes of calls
///   admitted before the latest transition are ignored here (see ``CircuitPermission``).
/// - Statistic buckets are aligned to the first recorded call, not to the wall clock.
/// - An ignored error (Sentinel's `exceptionsToIgnore`) counts as a completion without
///   error, as in Sentinel (so it still counts in the slow-call ratio); Resilience4j's
///   ``CircuitBreaker`` does not count it at all.
public struct DegradeBreaker<Instant: InstantProtocol>: CircuitBreaking, Sendable where Instant.Duration == Duration {
    /// A state change of this breaker.
    public typealias Transition = CircuitTransition<Instant>
    /// An answer to ``tryAcquirePermission(at:)``.
    public typealias Admission = CircuitAdmission<Instant>

    /// The rule this breaker applies.
    public let rule: DegradeRule
    /// The current state (as of the last instant the breaker was given).
    public private(set) var state: CircuitState = .closed
    /// When the latest transition happened; `nil` before the first.
    public private(set) var lastTransitionAt: Instant?

    private var generation: UInt64 = 0
    private var statistics: TimeWindow<Instant>
    /// While open: when a probe may pass.
    private var retryAt: Instant?
    /// While half-open: when the outstanding probe was admitted (nil: none outstanding).
    private var probeAdmittedAt: Instant?
    private var notPermitted = 0

    /// A closed breaker applying `rule`. Stops on an invalid rule.
    public init(_ rule: DegradeRule) {
        self.rule = rule
        statistics = TimeWindow(bucketCount: rule.sampleCount, bucketLength: rule.statInterval / rule.sampleCount)
    }

    // MARK: Reading

    /// The counts of the statistic interval (as of the last recorded call) and the calls
    /// rejected so far.
    public var metrics: DegradeMetrics {
        DegradeMetrics(counts: statistics.counts, notPermitted: notPermitted)
    }

    /// While open: the first instant at which a probe may pass; `nil` otherwise.
    public var openUntil: Instant? { state == .open ? retryAt : nil }

    /// While half-open with a probe out and a probe timeout: when the breaker gives up on
    /// the probe. This is the only timed transition (Sentinel has no automatic open →
    /// half-open: the probe *is* the next call).
    public var nextTransition: Instant? {
        guard state == .halfOpen, let admitted = probeAdmittedAt, let timeout = rule.effectiveProbeTimeout else { return nil }
        return admitted.advanced(by: timeout)
    }

    // MARK: Calls

    /// Asks to make a call at `now`: closed and disabled admit; open admits one probe
    /// once ``openUntil`` is reached (moving to half-open); half-open admits nothing while
    /// its probe is out; forced open admits nothing. Rejections are counted.
    @discardableResult
    public mutating func tryAcquirePermission(at now: Instant) -> Admission {
        var transition = fireDueTimer(at: now)
        switch state {
        case .closed, .disabled:
            return Admission(permission: CircuitPermission(generation: generation, isProbe: false), transition: transition)
        case .open:
            guard let retryAt, now >= retryAt else { return reject(transition) }
            transition = move(to: .halfOpen, at: now, reason: .waitElapsed)
            return admitProbe(at: now, transition)
        case .halfOpen:
            guard probeAdmittedAt == nil else { return reject(transition) }
            return admitProbe(at: now, transition)
        case .forcedOpen:
            return reject(transition)
        }
    }

    /// Records a call that completed without error after `duration` (its response time).
    @discardableResult
    public mutating func onSuccess(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        record(permission, failed: false, duration: duration, at: now)
    }

    /// Records a call that threw an error after `duration`.
    @discardableResult
    public mutating func onError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        record(permission, failed: true, duration: duration, at: now)
    }

    /// Records a call whose error is ignored: as in Sentinel, a completion without error.
    @discardableResult
    public mutating func onIgnoredError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        record(permission, failed: false, duration: duration, at: now)
    }

    /// Gives back a permission whose call was never made. Not counted. A released probe
    /// moves the breaker back to open with its wait already over (Sentinel's fix for
    /// #1638), so the next call probes.
    @discardableResult
    public mutating func releasePermission(_ permission: CircuitPermission, at now: Instant) -> Transition? {
        if let transition = fireDueTimer(at: now) { return transition }
        guard permission.generation == generation, permission.isProbe, state == .halfOpen else { return nil }
        let transition = move(to: .open, at: now, reason: .probeReleased)
        retryAt = now
        return transition
    }

    /// Tells the breaker the time: gives up on a probe out longer than the probe timeout.
    @discardableResult
    public mutating func advance(to now: Instant) -> Transition? {
        fireDueTimer(at: now)
    }

    /// Moves the breaker to `target` by hand: closed clears the statistics, open starts a
    /// new `timeWindow`, half-open lets the next call probe. `nil` if already there.
    @discardableResult
    public mutating func transition(to target: CircuitState, at now: Instant) -> Transition? {
        guard target != state else { return nil }
        return move(to: target, at: now, reason: .manual)
    }

    // MARK: Machinery

    private mutating func reject(_ transition: Transition?) -> Admission {
        notPermitted += 1
        return Admission(permission: nil, transition: transition)
    }

    private mutating func admitProbe(at now: Instant, _ transition: Transition?) -> Admission {
        probeAdmittedAt = now
        return Admission(permission: CircuitPermission(generation: generation, isProbe: true), transition: transition)
    }

    private mutating func fireDueTimer(at now: Instant) -> Transition? {
        guard let due = nextTransition, now >= due else { return nil }
        return move(to: .open, at: now, reason: .halfOpenTimedOut)
    }

    private mutating func record(_ permission: CircuitPermission, failed: Bool, duration: Duration, at now: Instant) -> Transition? {
        if let transition = fireDueTimer(at: now) { return transition }
        guard permission.generation == generation else { return nil }
        let slow = rule.maxResponseTime.map { duration > $0 } ?? false
        switch state {
        case .closed:
            statistics.record(CallOutcome(failed: failed, slow: slow), at: now)
            guard let reason = exceededThreshold(statistics.counts) else { return nil }
            return move(to: .open, at: now, reason: reason)
        case .halfOpen:
            guard permission.isProbe else { return nil }
            let probeFailed: Bool
            switch rule.strategy {
            case .slowCallRatio: probeFailed = slow
            case .errorRatio, .errorCount: probeFailed = failed
            }
            return move(to: probeFailed ? .open : .closed, at: now, reason: probeFailed ? .probeFailed : .probesPassed)
        case .open, .forcedOpen, .disabled:
            return nil
        }
    }

    private func exceededThreshold(_ counts: OutcomeCounts) -> Transition.Reason? {
        guard counts.calls >= rule.minRequestAmount else { return nil }
        switch rule.strategy {
        case .slowCallRatio(_, let threshold):
            let ratio = Double(counts.slowCalls) / Double(counts.calls)
            // Sentinel's special case: a threshold of 1 trips when every call was slow.
            if ratio > threshold || (ratio == threshold && threshold == 1) { return .slowCallRateExceeded(ratio * 100) }
        case .errorRatio(let threshold):
            let ratio = Double(counts.failures) / Double(counts.calls)
            if ratio > threshold { return .failureRateExceeded(ratio * 100) }
        case .errorCount(let threshold):
            if counts.failures > threshold { return .errorCountExceeded(counts.failures) }
        }
        return nil
    }

    private mutating func move(to next: CircuitState, at now: Instant, reason: Transition.Reason) -> Transition {
        let transition = Transition(from: state, to: next, instant: now, reason: reason)
        state = next
        lastTransitionAt = now
        generation &+= 1
        probeAdmittedAt = nil
        switch next {
        case .closed: statistics.reset()
        case .open: retryAt = now.advanced(by: rule.timeWindow)
        case .halfOpen, .forcedOpen, .disabled: break
        }
        return transition
    }
}
