/// A circuit breaker with Resilience4j's semantics, as a pure state machine.
///
/// - **Closed.** Every call passes. Outcomes go into a sliding window (the last N calls,
///   or the calls of the last N seconds). Once the window holds at least the minimum
///   number of calls, a failure rate **≥** `failureRateThreshold` or a slow-call rate
///   **≥** `slowCallRateThreshold` opens the breaker. A call is slow when it takes
///   strictly longer than `slowCallDurationThreshold`.
/// - **Open.** Calls are rejected (counted as not permitted) until
///   `waitDurationInOpenState` has elapsed; then the next call moves the breaker to
///   half-open and becomes its first probe. With
///   `automaticTransitionFromOpenToHalfOpenEnabled`, ``nextTransition`` says when a timer
///   should call ``advance(to:)`` to do it without waiting for a call.
/// - **Half-open.** Exactly `permittedNumberOfCallsInHalfOpenState` probes pass (a
///   released or ignored probe frees its place); every other call is rejected. Once all
///   of them are recorded: over a threshold → open again, else closed with a fresh
///   window.
/// - **Forced open / disabled**, entered and left only by ``transition(to:at:)``: reject
///   everything / admit everything and measure nothing.
///
/// Where it differs from Resilience4j, deliberately:
/// - Outcomes are reported with the ``CircuitPermission`` the call was admitted with,
///   and outcomes of calls admitted before the latest transition are ignored (a slow call
///   admitted while closed cannot count as a half-open probe).
/// - `maxWaitDurationInHalfOpenState` (as in Resilience4j ≥ 1.7, `.zero` = forever)
///   moves a half-open breaker whose probes hang back to open; a late probe outcome is
///   then ignored rather than deciding the next half-open round.
/// - Timers are not threads: a due timed transition happens on the next call that gives
///   the breaker the time, stamped with that instant. The open wait ends *at*
///   `openedAt + waitDurationInOpenState` (Resilience4j: strictly after), so a timer
///   firing at ``nextTransition`` finds it due.
/// - The time-based window's one-second buckets are aligned to the first recorded
///   outcome rather than to the wall clock's seconds.
///
/// Reads (``state``, ``metrics``) are O(1); a record is O(1) (amortised O(1) for the time
/// window). The struct allocates only its window, once.
public struct CircuitBreaker<Instant: InstantProtocol>: CircuitBreaking, Sendable where Instant.Duration == Duration {
    /// The breaker's state (``CircuitState``).
    public typealias State = CircuitState
    /// A state change of this breaker.
    public typealias Transition = CircuitTransition<Instant>
    /// An answer to ``tryAcquirePermission(at:)``.
    public typealias Admission = CircuitAdmission<Instant>

    /// The settings this breaker was created with.
    public let configuration: CircuitBreakerConfiguration
    /// The current state (as of the last instant the breaker was given).
    public private(set) var state: CircuitState = .closed
    /// When the latest transition happened; `nil` before the first.
    public private(set) var lastTransitionAt: Instant?

    private var generation: UInt64 = 0
    private var countWindow: CountWindow
    private var timeWindow: TimeWindow<Instant>
    /// Half-open places not yet handed out.
    private var probesLeft = 0
    /// Outcomes of the current (or, while open, the last) half-open round.
    private var probeCounts = OutcomeCounts()
    /// Whether ``metrics`` shows the probes rather than the window.
    private var metricsShowProbes = false
    private var notPermitted = 0

    /// A closed breaker with `configuration` (Resilience4j's defaults if omitted).
    /// Stops on an invalid configuration (thresholds outside (0, 100], sizes < 1, a
    /// non-positive open wait).
    public init(_ configuration: CircuitBreakerConfiguration = .resilience4j) {
        self.configuration = configuration
        let timeBased = configuration.slidingWindowType == .timeBased
        countWindow = CountWindow(size: timeBased ? 0 : configuration.slidingWindowSize)
        timeWindow = TimeWindow(bucketCount: timeBased ? configuration.slidingWindowSize : 1, bucketLength: .seconds(1))
    }

    // MARK: Reading

    /// The current measurements (see ``CircuitBreakerMetrics`` for which calls they cover).
    /// A time-based window is as of the last instant the breaker was given: call
    /// ``advance(to:)`` first to let old buckets expire.
    public var metrics: CircuitBreakerMetrics {
        if metricsShowProbes {
            return CircuitBreakerMetrics(counts: probeCounts,
                                         minimumNumberOfCalls: configuration.permittedNumberOfCallsInHalfOpenState,
                                         notPermitted: notPermitted)
        }
        return CircuitBreakerMetrics(counts: windowCounts,
                                     minimumNumberOfCalls: configuration.effectiveMinimumNumberOfCalls,
                                     notPermitted: notPermitted)
    }

    /// While open: the first instant at which a call may pass (as a probe); `nil` otherwise.
    public var openUntil: Instant? {
        guard state == .open, let since = lastTransitionAt else { return nil }
        return since.advanced(by: configuration.waitDurationInOpenState)
    }

    /// While half-open with a maximum wait: the instant at which the breaker gives up on
    /// its probes and opens again; `nil` otherwise.
    public var halfOpenDeadline: Instant? {
        guard state == .halfOpen, configuration.maxWaitDurationInHalfOpenState > .zero,
              let since = lastTransitionAt else { return nil }
        return since.advanced(by: configuration.maxWaitDurationInHalfOpenState)
    }

    /// The instant of the next timed transition: the end of the open wait when automatic
    /// transition is enabled, or the half-open deadline; `nil` when none is pending.
    public var nextTransition: Instant? {
        switch state {
        case .open: configuration.automaticTransitionFromOpenToHalfOpenEnabled ? openUntil : nil
        case .halfOpen: halfOpenDeadline
        case .closed, .forcedOpen, .disabled: nil
        }
    }

    // MARK: Calls

    /// Asks to make a call at `now`.
    ///
    /// Closed and disabled: permitted. Open: rejected until ``openUntil``; from then on the
    /// call moves the breaker to half-open and is its first probe. Half-open: permitted
    /// while probe places are left. Forced open: rejected. A rejection is counted in
    /// ``CircuitBreakerMetrics/numberOfNotPermittedCalls``.
    @discardableResult
    public mutating func tryAcquirePermission(at now: Instant) -> Admission {
        var transition = fireDueTimer(at: now)
        switch state {
        case .closed, .disabled:
            return Admission(permission: CircuitPermission(generation: generation, isProbe: false), transition: transition)
        case .open:
            guard let until = openUntil, now >= until else { return reject(transition) }
            transition = move(to: .halfOpen, at: now, reason: .waitElapsed)
            return admitProbe(transition)
        case .halfOpen:
            return admitProbe(transition)
        case .forcedOpen:
            return reject(transition)
        }
    }

    /// Records a successful call that took `duration` (slow if longer than
    /// `slowCallDurationThreshold`), finished at `now`. May open or close the breaker.
    @discardableResult
    public mutating func onSuccess(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        record(permission, CallOutcome(failed: false, slow: duration > configuration.slowCallDurationThreshold), at: now)
    }

    /// Records a failed call that took `duration`, finished at `now`. May open the breaker.
    @discardableResult
    public mutating func onError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        record(permission, CallOutcome(failed: true, slow: duration > configuration.slowCallDurationThreshold), at: now)
    }

    /// An error that is neither a failure nor a success (Resilience4j's
    /// `ignoreExceptions`): not recorded, and the permission is released.
    @discardableResult
    public mutating func onIgnoredError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> Transition? {
        releasePermission(permission, at: now)
    }

    /// Gives back a permission whose call was never made. A half-open probe's place
    /// becomes free for another call; otherwise nothing changes.
    @discardableResult
    public mutating func releasePermission(_ permission: CircuitPermission, at now: Instant) -> Transition? {
        if let transition = fireDueTimer(at: now) { return transition }
        if permission.generation == generation, permission.isProbe, state == .halfOpen {
            probesLeft += 1
        }
        return nil
    }

    /// Tells the breaker the time: performs a due timed transition (automatic open →
    /// half-open, half-open deadline → open) and lets a time window's old buckets expire.
    @discardableResult
    public mutating func advance(to now: Instant) -> Transition? {
        let transition = fireDueTimer(at: now)
        if configuration.slidingWindowType == .timeBased { timeWindow.slide(to: now) }
        return transition
    }

    // MARK: By hand

    /// Moves the breaker to `target` by hand, as Resilience4j's `transitionTo…State()`:
    /// closed starts a fresh window, open starts a new open wait, half-open a new round of
    /// probes. Returns `nil` if the breaker is already in `target`.
    @discardableResult
    public mutating func transition(to target: CircuitState, at now: Instant) -> Transition? {
        guard target != state else { return nil }
        return move(to: target, at: now, reason: .manual)
    }

    /// Back to closed with an empty window and a zero not-permitted count (Resilience4j's
    /// `reset()`). Outcomes of calls admitted before the reset are ignored. Returns the
    /// transition if the breaker was not closed.
    @discardableResult
    public mutating func reset(at now: Instant) -> Transition? {
        notPermitted = 0
        if state == .closed {
            generation &+= 1
            resetWindow()
            metricsShowProbes = false
            return nil
        }
        return move(to: .closed, at: now, reason: .manual)
    }

    // MARK: Machinery

    private var windowCounts: OutcomeCounts {
        configuration.slidingWindowType == .timeBased ? timeWindow.counts : countWindow.counts
    }

    private mutating func resetWindow() {
        if configuration.slidingWindowType == .timeBased { timeWindow.reset() } else { countWindow.reset() }
    }

    private mutating func reject(_ transition: Transition?) -> Admission {
        notPermitted += 1
        return Admission(permission: nil, transition: transition)
    }

    private mutating func admitProbe(_ transition: Transition?) -> Admission {
        guard probesLeft > 0 else { return reject(transition) }
        probesLeft -= 1
        return Admission(permission: CircuitPermission(generation: generation, isProbe: true), transition: transition)
    }

    /// At most one timed transition can be due: each one starts its successor's clock at
    /// `now`, and both waits are longer than zero.
    private mutating func fireDueTimer(at now: Instant) -> Transition? {
        guard let due = nextTransition, now >= due else { return nil }
        return state == .open
            ? move(to: .halfOpen, at: now, reason: .waitElapsed)
            : move(to: .open, at: now, reason: .halfOpenTimedOut)
    }

    private mutating func record(_ permission: CircuitPermission, _ outcome: CallOutcome, at now: Instant) -> Transition? {
        // A timed transition makes the permission stale, so it is the only possible one.
        if let transition = fireDueTimer(at: now) { return transition }
        guard permission.generation == generation else { return nil }
        switch state {
        case .closed:
            let counts: OutcomeCounts
            if configuration.slidingWindowType == .timeBased {
                timeWindow.record(outcome, at: now)
                counts = timeWindow.counts
            } else {
                countWindow.record(outcome)
                counts = countWindow.counts
            }
            guard let reason = exceededThreshold(counts, minimum: configuration.effectiveMinimumNumberOfCalls) else { return nil }
            return move(to: .open, at: now, reason: reason)
        case .halfOpen:
            probeCounts.add(outcome)
            let permitted = configuration.permittedNumberOfCallsInHalfOpenState
            guard probeCounts.calls >= permitted else { return nil }
            if let reason = exceededThreshold(probeCounts, minimum: permitted) {
                return move(to: .open, at: now, reason: reason)
            }
            return move(to: .closed, at: now, reason: .probesPassed)
        case .open, .forcedOpen, .disabled:
            return nil
        }
    }

    private func exceededThreshold(_ counts: OutcomeCounts, minimum: Int) -> Transition.Reason? {
        guard counts.calls > 0, counts.calls >= minimum else { return nil }
        let failureRate = counts.failureRate
        if failureRate >= configuration.failureRateThreshold { return .failureRateExceeded(failureRate) }
        let slowCallRate = counts.slowCallRate
        if slowCallRate >= configuration.slowCallRateThreshold { return .slowCallRateExceeded(slowCallRate) }
        return nil
    }

    private mutating func move(to next: CircuitState, at now: Instant, reason: Transition.Reason) -> Transition {
        let transition = Transition(from: state, to: next, instant: now, reason: reason)
        state = next
        lastTransitionAt = now
        generation &+= 1
        switch next {
        case .closed:
            resetWindow()
            metricsShowProbes = false
        case .halfOpen:
            probesLeft = configuration.permittedNumberOfCallsInHalfOpenState
            probeCounts = OutcomeCounts()
            metricsShowProbes = true
        case .open, .forcedOpen, .disabled:
            // Keep showing whatever opened the breaker (Resilience4j keeps the metrics).
            break
        }
        return transition
    }
}
