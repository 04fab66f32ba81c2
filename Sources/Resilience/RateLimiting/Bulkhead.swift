import Synchronization

/// A semaphore bulkhead (Resilience4j's `SemaphoreBulkhead`): at most
/// `maxConcurrentCalls` calls run at once; a caller that finds them all busy waits in
/// FIFO order for up to `maxWaitDuration` (default 0: refuse at once), then is refused.
///
/// A thin async wrapper over ``ConcurrencyLimiter``: the state machine sits behind a
/// lock, waiters park on continuations resumed after the lock is released, and
/// timeouts race a sleep on the injected clock. A waiter that times out or is
/// cancelled leaves the line at once and never holds a permit; one that is handed a
/// permit in the same instant keeps it (the call succeeded) and must release it.
///
/// ```swift
/// let bulkhead = Bulkhead(.init(maxConcurrentCalls: 25), clock: ContinuousClock())
/// let menu = try await bulkhead.withPermit { try await menuService.fetch() }
/// ```
public final class Bulkhead<C: Clock>: Sendable where C.Duration == Duration {
    /// Limits of a bulkhead.
    public struct Configuration: Sendable, Equatable {
        /// Calls that may run at once (Resilience4j's default 25).
        public private(set) var maxConcurrentCalls: Int
        /// How long a caller waits for a permit by default (Resilience4j's default 0).
        public private(set) var maxWaitDuration: Duration

        /// `maxConcurrentCalls` (≥ 0, default 25) at once, waiting up to
        /// `maxWaitDuration` (≥ 0, default 0) for a permit.
        ///
        /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
        public init(maxConcurrentCalls: Int = 25, maxWaitDuration: Duration = .zero) throws(ConfigurationError) {
            let check = ConfigurationCheck("Bulkhead.Configuration")
            try check.require(maxConcurrentCalls >= 0, "maxConcurrentCalls", ">= 0", maxConcurrentCalls)
            try check.require(maxWaitDuration >= .zero, "maxWaitDuration", ">= 0", maxWaitDuration)
            self.maxConcurrentCalls = maxConcurrentCalls
            self.maxWaitDuration = maxWaitDuration
        }

        /// Resilience4j's defaults: 25 calls at once, no waiting.
        // `try!`: constant, valid arguments; the initialiser cannot throw for them.
        public static var resilience4j: Configuration { try! Configuration() }
    }

    /// Why a permit was not granted.
    public enum Rejection: Error, Sendable, Equatable {
        /// Every permit was busy and stayed busy for the allowed wait (Resilience4j's
        /// `BulkheadFullException`).
        case full
        /// The task was cancelled before or while waiting.
        case cancelled
    }

    private struct Waiter: Sendable {
        var id: UInt64
        var continuation: UnsafeContinuation<Result<Void, Rejection>, Never>
    }

    private struct State: Sendable {
        var limiter: ConcurrencyLimiter<Waiter>
        var nextID: UInt64 = 0
    }

    /// The bulkhead's configuration (``Configuration/maxConcurrentCalls`` as created).
    public let configuration: Configuration
    /// The clock that times waits.
    public let clock: C
    private let state: Mutex<State>

    /// A bulkhead with `configuration` (default: 25 calls, no waiting), timing waits on `clock`.
    public init(_ configuration: Configuration = .resilience4j, clock: C) {
        self.configuration = configuration
        self.clock = clock
        state = Mutex(State(limiter: ConcurrencyLimiter(validMaxConcurrent: configuration.maxConcurrentCalls)))
    }

    /// Permits free now.
    public var availablePermits: Int { state.withLock { $0.limiter.available } }
    /// Permits held now.
    public var permitsInUse: Int { state.withLock { $0.limiter.inUse } }
    /// Callers waiting for a permit now.
    public var waitingCallers: Int { state.withLock { $0.limiter.waiting } }
    /// The current number of permits.
    public var maxConcurrentCalls: Int { state.withLock { $0.limiter.maxConcurrent } }

    /// Takes a permit if one is free and nobody waits; never waits.
    public func tryAcquire() -> Bool {
        state.withLock { $0.limiter.tryAcquire() }
    }

    /// Takes a permit, waiting up to the configured ``Configuration/maxWaitDuration``.
    public func acquire() async throws(Rejection) {
        try await acquire(maxWait: configuration.maxWaitDuration)
    }

    /// Takes a permit, waiting in FIFO order up to `maxWait` (nil: no time limit, only
    /// cancellation; ≤ 0: no waiting), and never past the task's ``TaskDeadline``. Throws ``Rejection/full`` when the time runs out
    /// and ``Rejection/cancelled`` when the task is cancelled; in both cases no permit is
    /// held and the caller has left the line.
    public func acquire(maxWait: Duration?) async throws(Rejection) {
        if Task.isCancelled { throw .cancelled }
        let id: UInt64? = state.withLock { state in
            if state.limiter.tryAcquire() { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        let result: Result<Void, Rejection>
        if let maxWait = TaskDeadline.limit(maxWait, on: clock) {
            guard maxWait > .zero else { throw .full }
            let deadline = clock.now.advanced(by: maxWait)
            result = await clock.race(deadline: deadline) {
                await self.park(id, deadline: deadline)
            } onTimeout: {
                self.abandon(id, with: .full)
            }
        } else {
            result = await park(id, deadline: nil)
        }
        try result.get()
    }

    /// Returns a permit; the longest waiter, if any, gets it.
    public func release() {
        let next = state.withLock { $0.limiter.release() }
        next?.continuation.resume(returning: .success(()))
    }

    /// Runs `body` holding a permit taken with ``acquire()`` (the configured wait), and
    /// releases it however `body` ends. Throws a ``Rejection`` if no permit was granted.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await withPermit(maxWait: configuration.maxWaitDuration, body)
    }

    /// Runs `body` holding a permit taken with ``acquire(maxWait:)``, and releases it
    /// however `body` ends. Throws a ``Rejection`` if no permit was granted.
    public func withPermit<T>(maxWait: Duration?, _ body: () async throws -> T) async throws -> T {
        try await acquire(maxWait: maxWait)
        defer { release() }
        return try await body()
    }

    /// Changes the number of permits; waiters that now fit are admitted at once, and a
    /// shrink takes effect as holders release.
    ///
    /// - Throws: ``ConfigurationError`` when `newValue` is negative (nothing changes).
    public func setMaxConcurrentCalls(_ newValue: Int) throws(ConfigurationError) {
        let admitted = try state.withLock { state throws(ConfigurationError) in try state.limiter.setMaxConcurrent(newValue) }
        for waiter in admitted { waiter.continuation.resume(returning: .success(())) }
    }

    private func park(_ id: UInt64, deadline: C.Instant?) async -> Result<Void, Rejection> {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Void, Rejection>, Never>) in
                let immediate: Result<Void, Rejection>? = state.withLock { state in
                    if Task.isCancelled { return .failure(.cancelled) }
                    // The timer may have fired before we got in line (it cannot find us then).
                    if let deadline, clock.now >= deadline { return .failure(.full) }
                    let waiter = Waiter(id: id, continuation: continuation)
                    return state.limiter.acquire(orEnqueue: waiter) ? .success(()) : nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.abandon(id, with: .cancelled)
        }
    }

    private func abandon(_ id: UInt64, with rejection: Rejection) {
        let removed = state.withLock { $0.limiter.removeWaiter { $0.id == id } }
        removed?.continuation.resume(returning: .failure(rejection))
    }
}
