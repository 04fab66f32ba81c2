/// Something a ``CircuitBreakerExecutor`` reports to its listener, in the order it
/// happened on the calling task.
public enum CircuitEvent<Instant: InstantProtocol>: Sendable, Hashable {
    /// The breaker changed state.
    case transition(CircuitTransition<Instant>)
    /// The breaker rejected a call at `instant`, being in `state`.
    case callNotPermitted(state: CircuitState, instant: Instant)
}
