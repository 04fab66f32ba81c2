/// A ``CircuitBreakerExecutor`` seen without its breaker's type, so that configuration
/// can choose the breaker kind — Resilience4j's ``CircuitBreaker`` or Sentinel's
/// ``DegradeBreaker`` — at run time, and the code that makes calls holds one
/// `any CircuitBreakerRunning<Instant>` whatever was chosen.
///
/// ```swift
/// // Pure state: drive a breaker chosen at run time by hand, telling it `now`.
/// var breaker: any CircuitBreaking<ContinuousClock.Instant> =
///     useSentinel ? DegradeBreaker(rule) : CircuitBreaker(configuration)
/// let admission = breaker.tryAcquirePermission(at: .now)
///
/// // The async wrapper: an executor for it, timing calls on the clock.
/// let executor = CircuitBreakerExecutors.make(breaker, clock: ContinuousClock())
/// let reply = try await executor.execute { try await client.fetch() }
/// ```
public protocol CircuitBreakerRunning<Instant>: Sendable {
    /// The breaker's (and the clock's) instant.
    associatedtype Instant: InstantProtocol where Instant.Duration == Duration

    /// Runs `operation` if the breaker permits it (see ``CircuitBreakerExecutor/execute(_:)``).
    func execute<T>(_ operation: () async throws -> T) async throws -> T

    /// Runs `operation` if the breaker permits it, serving `fallback` when it does not or
    /// when the operation fails (see ``CircuitBreakerExecutor/execute(_:fallback:)``).
    func execute<T>(_ operation: () async throws -> T, fallback: (FallbackCause) async throws -> T) async throws -> T

    /// The breaker's state now, after any timed transition that is due.
    var state: CircuitState { get }

    /// Moves the breaker to `state` by hand.
    @discardableResult
    func transition(to state: CircuitState) -> CircuitTransition<Instant>?
}

extension CircuitBreakerExecutor: CircuitBreakerRunning {
    public typealias Instant = C.Instant
}

/// Makes executors for breakers whose type is known only at run time.
public enum CircuitBreakerExecutors {
    /// An executor driving `breaker` (of whichever kind) on `clock`; the other parameters
    /// are ``CircuitBreakerExecutor``'s.
    public static func make<C: Clock>(
        _ breaker: any CircuitBreaking<C.Instant>,
        clock: C,
        countsAsFailure: @escaping @Sendable (any Error) -> Bool = { _ in true },
        isIgnored: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError },
        listener: (@Sendable (CircuitEvent<C.Instant>) -> Void)? = nil
    ) -> any CircuitBreakerRunning<C.Instant> where C.Duration == Duration {
        // Opens the existential: the executor is generic over the breaker's concrete type.
        func executor<B: CircuitBreaking>(_ breaker: B) -> any CircuitBreakerRunning<C.Instant> where B.Instant == C.Instant {
            CircuitBreakerExecutor(breaker, clock: clock, countsAsFailure: countsAsFailure, isIgnored: isIgnored, listener: listener)
        }
        return executor(breaker)
    }
}
