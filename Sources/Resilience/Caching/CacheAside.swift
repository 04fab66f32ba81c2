import Synchronization

/// A cache-aside (read-through) cache with single-flight loading and negative caching:
/// the defences against cache *breakdown* (a hot key expires and every request rebuilds
/// it at once) and cache *penetration* (requests for ids that do not exist all reach the
/// database).
///
/// ``get(_:load:)`` returns the cached value, or runs `load` to fetch it from the source of
/// truth and caches the result:
/// - **Single-flight.** However many callers miss the same key at once, one `load` runs;
///   the others wait for its result (``Statistics/coalesced``): one rebuild per hot key,
///   as the source documents do with a `SETNX` lock, but in-process and without polling.
/// - **Negative caching.** A `load` that returns nil ("no such row") caches *absent* for
///   ``Configuration/negativeTTL`` (shorter than ``Configuration/ttl``), so repeated
///   requests for a missing id stop reaching the database.
/// - **Failures are not cached.** A `load` that throws wakes its waiters with the same
///   error and leaves the cache as it was; the next caller loads again.
/// - **TTLs count from the start of the load** that produced the value, with
///   ``Configuration/jitter`` (default up to 10 % shorter): a value is never returned
///   more than its TTL after the load that read it began, even if the load was slow. A
///   caller joins a load in flight only if it began less than the shortest TTL ago
///   (`min(ttl, negativeTTL)`, ignoring a TTL that is zero); otherwise it starts a fresh
///   load, so a waiter never gets a result older than the cache would have served it.
/// - **Invalidation.** ``invalidate(_:)`` (delete after writing the database) removes the
///   entry and detaches a load in flight, whose result then goes to its waiters but is
///   not cached: a load that read the old row before the write cannot reinstate it.
///   ``put(_:_:)`` stores a new value directly and hands it to callers already waiting.
/// - **Optional early refresh** (``Configuration/earlyRefresh``, XFetch): a caller that
///   hits a live entry may, at random and more likely near expiry, reload it while others
///   keep hitting; if that refresh fails it still returns the live cached value.
///
/// Cancellation: a waiter that is cancelled stops waiting at once (throws
/// `CancellationError`) and the load goes on for the others. The load runs in the task of
/// the caller that started it (structured concurrency: no unstructured task is created),
/// so cancelling *that* caller may end the load early; when the load then throws, the
/// flight is handed to the longest-waiting caller, which runs its own `load` afresh
/// (``Statistics/handoffs``), and no waiter sees the cancellation. Go's `singleflight`
/// instead shares the first caller's result and error with everyone, cancellation included.
///
/// Thread-safe: the state (a ``CacheAsideState``, the pure core a simulation may drive
/// directly) sits in a `Mutex`; continuations are resumed after the lock is released.
/// Generic over the clock, so a simulation runs it on virtual time.
///
/// ```swift
/// // Async wrapper:
/// let cache = CacheAside<Int, Product, ContinuousClock>(.init(ttl: .seconds(300)), clock: ContinuousClock())
/// let product = try await cache.get(id) { try await database.product(id) }
/// // Pure core, with explicit instants (see CacheAsideState):
/// var state = CacheAsideState<Int, Product, ContinuousClock.Instant, MyWaiter>(.init(ttl: .seconds(300)))
/// if case .hit(let product) = state.begin(id, at: .now, using: &random) { return product }
/// ```
public final class CacheAside<Key: Hashable & Sendable, Value: Sendable, C: Clock>: Sendable
where C.Duration == Duration {
    /// Sizes and lifetimes of a cache.
    public typealias Configuration = CacheAsideConfiguration
    /// Counters describing the cache's life so far.
    public typealias Statistics = CacheAsideStatistics
    /// What the cache holds for a key, as seen by ``peek(_:)``.
    public typealias Lookup = CacheAsideLookup<Value>

    private enum WaitResult {
        case value(Value?)
        case failure(any Error)
        case lead(flight: CacheAsideFlight, fallback: Value?)
        case cancelled
    }

    private typealias Core = CacheAsideState<Key, Value, C.Instant, UnsafeContinuation<WaitResult, Never>>

    private struct State {
        var core: Core
        var random: any RandomNumberGenerator & Sendable
    }

    /// The cache's configuration.
    public let configuration: Configuration
    /// The clock that stamps loads and expiries.
    public let clock: C
    private let state: Mutex<State>

    /// An empty cache with `configuration`, on `clock`, drawing TTL jitter and early-refresh
    /// decisions from `random` (a seeded stream in a simulation).
    public init(_ configuration: Configuration = .defaults, clock: C, random: some RandomNumberGenerator & Sendable) {
        self.configuration = configuration
        self.clock = clock
        state = Mutex(State(core: Core(configuration), random: random))
    }

    /// An empty cache with `configuration` on `clock`, with system randomness.
    public convenience init(_ configuration: Configuration = .defaults, clock: C) {
        self.init(configuration, clock: clock, random: SystemRandomNumberGenerator())
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.core.statistics } }

    /// What the cache holds for `key` now, without loading, counting or changing recency.
    public func peek(_ key: Key) -> Lookup {
        let now = clock.now
        return state.withLock { $0.core.peek(key, at: now) }
    }

    // MARK: Reading

    /// The value for `key`: from the cache, from a load in flight, or by calling `load`
    /// (which returns nil when the source has no such key; that absence is cached for
    /// ``Configuration/negativeTTL``).
    ///
    /// `load` runs at most once at a time per key across all callers (see the type's
    /// documentation for the handoff on cancellation); errors it throws are rethrown to
    /// every caller waiting for it and are not cached. Throws `CancellationError` when the
    /// calling task is cancelled before it has a result.
    public func get(_ key: Key, load: () async throws -> Value?) async throws -> Value? {
        try await get(key, loadFlight: { _ in try await load() })
    }

    /// ``get(_:load:)`` whose load learns its flight (see ``isCurrent(flight:key:)``).
    func get(_ key: Key, loadFlight load: (CacheAsideFlight) async throws -> Value?) async throws -> Value? {
        let now = clock.now
        let first = state.withLock { state in
            state.core.begin(key, at: now, cancelled: Task.isCancelled, using: &state.random)
        }
        switch first {
        case .hit(let value): return value
        case .lead(let flight, let fallback): return try await lead(flight, fallback: fallback, load: load)
        case .cancelled: throw CancellationError()
        case .mustWait, .joined: break
        }
        let id = state.withLock { $0.core.makeWaiterID() }
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<WaitResult, Never>) in
                let now = clock.now
                let decision = state.withLock { state in
                    state.core.begin(key, at: now, waiter: (id, continuation), cancelled: Task.isCancelled, using: &state.random)
                }
                switch decision {
                case .hit(let value): continuation.resume(returning: .value(value))
                case .lead(let flight, let fallback): continuation.resume(returning: .lead(flight: flight, fallback: fallback))
                case .cancelled: continuation.resume(returning: .cancelled)
                case .joined, .mustWait: break
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.core.abandon(id) }
            waiter?.resume(returning: .cancelled)
        }
        switch outcome {
        case .value(let value): return value
        case .failure(let error): throw error
        case .cancelled: throw CancellationError()
        case .lead(let flight, let fallback): return try await lead(flight, fallback: fallback, load: load)
        }
    }

    /// Runs `load` for a flight this caller leads and publishes the outcome.
    private func lead(_ flight: CacheAsideFlight, fallback: Value?,
                      load: (CacheAsideFlight) async throws -> Value?) async throws -> Value? {
        let started = clock.now
        let value: Value?
        do {
            value = try await load(flight)
        } catch {
            let cancelled = Task.isCancelled
            let now = clock.now
            switch state.withLock({ $0.core.fail(flight, leaderCancelled: cancelled, at: now) }) {
            case .handOff(let next, let flight):
                next.resume(returning: .lead(flight: flight, fallback: nil))
            case .fail(let waiters):
                for waiter in waiters { waiter.resume(returning: .failure(error)) }
            }
            // A failed early refresh: the entry it meant to refresh is still live.
            if let fallback { return fallback }
            throw error
        }
        let now = clock.now
        let waiters = state.withLock { state in
            state.core.complete(flight, value: value, startedAt: started, at: now, using: &state.random)
        }
        for waiter in waiters { waiter.resume(returning: .value(value)) }
        return value
    }

    // MARK: Writing

    /// Removes `key`'s entry (value or absence) and detaches its load in flight, if any,
    /// so that the load's result is not cached. Call it after writing the source of truth
    /// ("update the database, then delete the cache key").
    public func invalidate(_ key: Key) {
        invalidate(key, counting: true)
    }

    /// ``invalidate(_:)``, optionally without counting it (a composite cache's extra pass).
    func invalidate(_ key: Key, counting: Bool) {
        state.withLock { $0.core.invalidate(key, counting: counting) }
    }

    /// Stores `value` for `key` for ``Configuration/ttl`` (jittered) from now, detaches a
    /// load in flight and gives `value` to the callers waiting for it (write-through).
    public func put(_ key: Key, _ value: Value) {
        let now = clock.now
        let waiters = state.withLock { state in state.core.put(key, value, at: now, using: &state.random) }
        for waiter in waiters { waiter.resume(returning: .value(value)) }
    }

    /// Removes every expired entry and returns how many (a periodic sweep).
    @discardableResult
    public func removeExpired() -> Int {
        let now = clock.now
        return state.withLock { $0.core.removeExpired(at: now) }
    }

    /// Whether the load of flight `flight` is still the one whose result will be cached
    /// (not invalidated, overwritten or superseded). For composite caches in this module.
    func isCurrent(flight: CacheAsideFlight, key: Key) -> Bool {
        state.withLock { $0.core.isCurrent(flight, key: key) }
    }
}
