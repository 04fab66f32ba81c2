/// A circuit breaker as a pure state machine: the common shape of ``CircuitBreaker``
/// (Resilience4j semantics) and ``DegradeBreaker`` (Sentinel degrade rules), which
/// ``CircuitBreakerExecutor`` drives.
///
/// Every method takes the current instant explicitly; nothing reads a clock. Every
/// mutating method returns the transition it caused, if any (at most one per call), so
/// a caller can record the breaker's history without a listener. Timed transitions (the
/// automatic open → half-open, the half-open maximum wait, the probe timeout) happen when
/// the breaker is next told the time: call ``advance(to:)`` at ``nextTransition`` to have
/// them happen exactly then.
public protocol CircuitBreaking<Instant>: Sendable {
    /// The breaker's notion of time (`ContinuousClock.Instant`, a virtual clock's instant).
    associatedtype Instant: InstantProtocol where Instant.Duration == Swift.Duration

    /// The current state (as of the last instant the breaker was given).
    var state: CircuitState { get }

    /// The instant at which a timed transition is due, or `nil` if none is pending.
    /// A wrapper or a simulation actor schedules a call to ``advance(to:)`` there.
    var nextTransition: Instant? { get }

    /// While open: the first instant at which a call may pass again (as a probe).
    /// `nil` in every other state.
    var openUntil: Instant? { get }

    /// Asks to make a call at `now`. Counts a rejection as a not-permitted call.
    @discardableResult
    mutating func tryAcquirePermission(at now: Instant) -> CircuitAdmission<Instant>

    /// Records that the call admitted with `permission` succeeded after `duration`.
    @discardableResult
    mutating func onSuccess(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> CircuitTransition<Instant>?

    /// Records that the call admitted with `permission` failed after `duration`.
    @discardableResult
    mutating func onError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> CircuitTransition<Instant>?

    /// Records that the call admitted with `permission` threw an error that should not
    /// count as a failure (the breaker type says whether it counts at all).
    @discardableResult
    mutating func onIgnoredError(_ permission: CircuitPermission, duration: Duration, at now: Instant) -> CircuitTransition<Instant>?

    /// Gives back a permission whose call was never made.
    @discardableResult
    mutating func releasePermission(_ permission: CircuitPermission, at now: Instant) -> CircuitTransition<Instant>?

    /// Tells the breaker the time: performs a due timed transition.
    @discardableResult
    mutating func advance(to now: Instant) -> CircuitTransition<Instant>?

    /// Moves the breaker to `state` by hand (reason ``CircuitTransition/Reason/manual``);
    /// `nil` if it is already there.
    @discardableResult
    mutating func transition(to state: CircuitState, at now: Instant) -> CircuitTransition<Instant>?
}
