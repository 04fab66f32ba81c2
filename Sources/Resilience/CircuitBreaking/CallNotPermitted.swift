/// The error ``CircuitBreakerExecutor`` throws when its breaker rejects a call
/// (Resilience4j's `CallNotPermittedException`, Sentinel's `DegradeException`).
public struct CallNotPermitted: Error, Sendable, Hashable, CustomStringConvertible {
    /// The breaker's state when it rejected the call: open, half-open (every probe place
    /// taken) or forced open.
    public let state: CircuitState
    /// For an open breaker, how long until a call may pass again as a probe; `nil` in the
    /// other states, where it is not known.
    public let retryAfter: Duration?

    /// A rejection by a breaker in `state`, which may let a call through after `retryAfter`.
    public init(state: CircuitState, retryAfter: Duration?) {
        self.state = state
        self.retryAfter = retryAfter
    }

    /// `call not permitted (open, retry after 12 seconds)`.
    public var description: String {
        if let retryAfter { return "call not permitted (\(state), retry after \(retryAfter))" }
        return "call not permitted (\(state))"
    }
}

/// Why ``CircuitBreakerExecutor/execute(_:fallback:)`` served its fallback (the degrade
/// hook: a cached value, a default value such as an empty recommendation list, or work
/// deferred to a queue).
public enum FallbackCause: Sendable {
    /// The breaker rejected the call; the operation did not run.
    case notPermitted(CallNotPermitted)
    /// The operation ran and threw an error that counts as a failure.
    case failure(any Error)
}
