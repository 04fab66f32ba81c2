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
/// Thread-safe: the state sits in a `Mutex`; continuations are resumed after the lock is
/// released. Generic over the clock, so a simulation runs it on virtual time.
public final class CacheAside<Key: Hashable & Sendable, Value: Sendable, C: Clock>: Sendable
where C.Duration == Duration {
    /// Sizes and lifetimes of a cache.
    public struct Configuration: Sendable, Equatable {
        /// Most entries (values and cached absences) held at once; LRU eviction beyond.
        public var capacity: Int
        /// Lifetime of a loaded value, from the start of its load (before jitter).
        public var ttl: Duration
        /// Lifetime of a cached absence (a load that returned nil); zero or less turns
        /// negative caching off.
        public var negativeTTL: Duration
        /// Random spread of both TTLs, against avalanches.
        public var jitter: TTLJitter
        /// Probabilistic early refresh of live entries; nil turns it off.
        public var earlyRefresh: EarlyRefresh?

        /// A cache of `capacity` entries (default 10,000) keeping values for `ttl`
        /// (default 5 min, as in the source documents), absences for `negativeTTL`
        /// (default 60 s, go-zero's `notFoundExpiry`), both up to `jitter` shorter
        /// (default 10 %), with no early refresh unless `earlyRefresh` is given.
        public init(
            capacity: Int = 10_000, ttl: Duration = .seconds(300), negativeTTL: Duration = .seconds(60),
            jitter: TTLJitter = .below(0.1), earlyRefresh: EarlyRefresh? = nil
        ) {
            precondition(capacity >= 0, "capacity must be >= 0")
            self.capacity = capacity
            self.ttl = ttl
            self.negativeTTL = negativeTTL
            self.jitter = jitter
            self.earlyRefresh = earlyRefresh
        }
    }

    /// Counters describing the cache's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Calls that found a live cached value (including those that then refreshed
        /// it early, see ``earlyRefreshes``).
        public var hits = 0
        /// Calls answered with a cached absence (nil) without loading.
        public var negativeHits = 0
        /// Calls that found nothing live and so loaded or waited for a load.
        public var misses = 0
        /// Loads started (by a miss, a handoff or an early refresh).
        public var loads = 0
        /// Misses that waited for another caller's load instead of loading.
        public var coalesced = 0
        /// Loads that threw (their waiters got the error; nothing was cached).
        public var loadFailures = 0
        /// Loads whose caller was cancelled while the load threw, handed to a waiter.
        public var handoffs = 0
        /// Waiting callers that were cancelled before the load finished.
        public var cancelledWaits = 0
        /// Hits that triggered a probabilistic early refresh.
        public var earlyRefreshes = 0
        /// Calls to ``CacheAside/invalidate(_:)``.
        public var invalidations = 0
        /// Calls to ``CacheAside/put(_:_:)``.
        public var puts = 0
        /// Expired entries removed.
        public var expirations = 0
        /// Live entries evicted by the capacity bound.
        public var evictions = 0
        /// Entries held now (including expired ones not yet removed).
        public var entries = 0
        /// Loads running now.
        public var loadsInFlight = 0
        /// Callers waiting for a load now.
        public var waiting = 0

        /// A zeroed set of counters.
        public init() {}
    }

    /// What the cache holds for a key, as seen by ``CacheAside/peek(_:)``.
    public enum Lookup: Sendable {
        /// A live value.
        case value(Value)
        /// A live cached absence.
        case absent
        /// Nothing live.
        case miss
    }

    /// A stored result: a value, or nil for a cached absence.
    struct Cached {
        var value: Value?
        /// How long the load that produced it took (δ for early refresh).
        var loadTime: Duration
    }

    private enum WaitResult {
        case value(Value?)
        case failure(any Error)
        case lead(flight: UInt64, fallback: Value?)
        case cancelled
    }

    private struct Waiter {
        var id: UInt64
        var continuation: UnsafeContinuation<WaitResult, Never>
    }

    private struct Flight {
        var key: Key
        var startedAt: C.Instant
        var waiters = Deque<Waiter>()
    }

    private enum Decision {
        case hit(Value?)
        case lead(flight: UInt64, fallback: Value?)
        case mustPark
        case parked
        case cancelled
    }

    private enum FailureAction {
        case handOff(Waiter)
        case fail([Waiter])
    }

    private struct State {
        var store: TTLCache<Key, Cached, C.Instant>
        /// Loads in flight by id, including detached ones.
        var flights: [UInt64: Flight] = [:]
        /// The flight whose result will be cached, per key.
        var current: [Key: UInt64] = [:]
        /// The flight each waiting caller waits on.
        var waiterFlight: [UInt64: UInt64] = [:]
        var stats = Statistics()
        var random: any RandomNumberGenerator & Sendable
        var nextFlight: UInt64 = 0
        let configuration: Configuration
        let joinWindow: Duration?

        init(_ configuration: Configuration, random: any RandomNumberGenerator & Sendable) {
            self.configuration = configuration
            self.random = random
            store = TTLCache(capacity: configuration.capacity, defaultTTL: configuration.ttl, jitter: configuration.jitter)
            let lifetimes = [configuration.ttl, configuration.negativeTTL].filter { $0 > .zero }
            joinWindow = lifetimes.min()
        }

        mutating func begin(_ key: Key, now: C.Instant, cancelled: Bool, waiter: Waiter?) -> Decision {
            if let entry = store.entry(key, now: now) {
                guard let value = entry.value.value else {
                    stats.negativeHits += 1
                    return .hit(nil)
                }
                stats.hits += 1
                if !cancelled, current[key] == nil, let early = configuration.earlyRefresh,
                   early.shouldRefresh(now: now, expiresAt: entry.expiresAt,
                                       recomputeTime: entry.value.loadTime, using: &random) {
                    stats.earlyRefreshes += 1
                    return .lead(flight: startFlight(key, now: now), fallback: value)
                }
                return .hit(value)
            }
            if let id = current[key], let flight = flights[id],
               joinWindow.map({ now < flight.startedAt.advanced(by: $0) }) ?? true {
                guard let waiter else { return .mustPark }
                stats.misses += 1
                if cancelled { return .cancelled }
                flights[id]?.waiters.append(waiter)
                waiterFlight[waiter.id] = id
                stats.coalesced += 1
                return .parked
            }
            stats.misses += 1
            if cancelled { return .cancelled }
            return .lead(flight: startFlight(key, now: now), fallback: nil)
        }

        /// Starts a flight for `key`, superseding (detaching) any older one.
        private mutating func startFlight(_ key: Key, now: C.Instant) -> UInt64 {
            nextFlight += 1
            flights[nextFlight] = Flight(key: key, startedAt: now)
            current[key] = nextFlight
            stats.loads += 1
            return nextFlight
        }

        mutating func complete(_ id: UInt64, value: Value?, startedAt: C.Instant, now: C.Instant) -> Deque<Waiter> {
            guard let flight = flights.removeValue(forKey: id) else { return Deque() }
            for waiter in flight.waiters { waiterFlight[waiter.id] = nil }
            guard current[flight.key] == id else { return flight.waiters }
            current[flight.key] = nil
            let ttl = value == nil ? configuration.negativeTTL : configuration.ttl
            if ttl > .zero {
                let lifetime = configuration.jitter.apply(to: ttl, using: &random)
                let cached = Cached(value: value, loadTime: startedAt.duration(to: now))
                store.set(flight.key, cached, expiresAt: startedAt.advanced(by: lifetime), now: now)
            } else {
                // Nothing to cache, but a value that was there is now known to be stale.
                store.removeValue(forKey: flight.key)
            }
            return flight.waiters
        }

        mutating func fail(_ id: UInt64, leaderCancelled: Bool, now: C.Instant) -> FailureAction {
            guard var flight = flights[id] else { return .fail([]) }
            if leaderCancelled {
                if let next = flight.waiters.popFirst() {
                    waiterFlight[next.id] = nil
                    flight.startedAt = now
                    flights[id] = flight
                    stats.handoffs += 1
                    stats.loads += 1
                    return .handOff(next)
                }
            } else {
                stats.loadFailures += 1
            }
            flights[id] = nil
            if current[flight.key] == id { current[flight.key] = nil }
            for waiter in flight.waiters { waiterFlight[waiter.id] = nil }
            return .fail(flight.waiters.removeAll())
        }

        mutating func abandon(_ waiterID: UInt64) -> Waiter? {
            guard let id = waiterFlight.removeValue(forKey: waiterID),
                  let waiter = flights[id]?.waiters.remove(where: { $0.id == waiterID }) else { return nil }
            stats.cancelledWaits += 1
            return waiter
        }

        mutating func invalidate(_ key: Key, counting: Bool) {
            store.removeValue(forKey: key)
            current[key] = nil
            if counting { stats.invalidations += 1 }
        }

        mutating func put(_ key: Key, _ value: Value, now: C.Instant) -> [Waiter] {
            let loadTime = store.peekEntry(key, now: now)?.value.loadTime ?? .zero
            stats.puts += 1
            if configuration.ttl > .zero {
                store.set(key, Cached(value: value, loadTime: loadTime), now: now, using: &random)
            } else {
                store.removeValue(forKey: key)
            }
            guard let id = current.removeValue(forKey: key) else { return [] }
            let waiters = flights[id]?.waiters.removeAll() ?? []
            for waiter in waiters { waiterFlight[waiter.id] = nil }
            return waiters
        }

        var statistics: Statistics {
            var result = stats
            result.expirations = store.statistics.expirations
            result.evictions = store.statistics.evictions
            result.entries = store.count
            result.loadsInFlight = flights.count
            result.waiting = waiterFlight.count
            return result
        }
    }

    /// The cache's configuration.
    public let configuration: Configuration
    /// The clock that stamps loads and expiries.
    public let clock: C
    private let state: Mutex<State>
    private let nextWaiter = Atomic<UInt64>(0)

    /// An empty cache with `configuration`, on `clock`, drawing TTL jitter and early-refresh
    /// decisions from `random` (a seeded stream in a simulation).
    public init(_ configuration: Configuration = Configuration(), clock: C, random: some RandomNumberGenerator & Sendable) {
        self.configuration = configuration
        self.clock = clock
        state = Mutex(State(configuration, random: random))
    }

    /// An empty cache with `configuration` on `clock`, with system randomness.
    public convenience init(_ configuration: Configuration = Configuration(), clock: C) {
        self.init(configuration, clock: clock, random: SystemRandomNumberGenerator())
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// What the cache holds for `key` now, without loading, counting or changing recency.
    public func peek(_ key: Key) -> Lookup {
        let now = clock.now
        return state.withLock { state in
            guard let cached = state.store.peek(key, now: now) else { return .miss }
            return cached.value.map(Lookup.value) ?? .absent
        }
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

    /// ``get(_:load:)`` whose load learns the id of its flight (see ``isCurrent(flight:key:)``).
    func get(_ key: Key, loadFlight load: (UInt64) async throws -> Value?) async throws -> Value? {
        let now = clock.now
        let first = state.withLock { $0.begin(key, now: now, cancelled: Task.isCancelled, waiter: nil) }
        switch first {
        case .hit(let value): return value
        case .lead(let flight, let fallback): return try await lead(flight, fallback: fallback, load: load)
        case .cancelled: throw CancellationError()
        case .mustPark, .parked: break
        }
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<WaitResult, Never>) in
                let now = clock.now
                let decision = state.withLock {
                    $0.begin(key, now: now, cancelled: Task.isCancelled, waiter: Waiter(id: id, continuation: continuation))
                }
                switch decision {
                case .hit(let value): continuation.resume(returning: .value(value))
                case .lead(let flight, let fallback): continuation.resume(returning: .lead(flight: flight, fallback: fallback))
                case .cancelled: continuation.resume(returning: .cancelled)
                case .parked, .mustPark: break
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.abandon(id) }
            waiter?.continuation.resume(returning: .cancelled)
        }
        switch outcome {
        case .value(let value): return value
        case .failure(let error): throw error
        case .cancelled: throw CancellationError()
        case .lead(let flight, let fallback): return try await lead(flight, fallback: fallback, load: load)
        }
    }

    /// Runs `load` for a flight this caller leads and publishes the outcome.
    private func lead(_ flight: UInt64, fallback: Value?, load: (UInt64) async throws -> Value?) async throws -> Value? {
        let started = clock.now
        let value: Value?
        do {
            value = try await load(flight)
        } catch {
            let cancelled = Task.isCancelled
            let now = clock.now
            switch state.withLock({ $0.fail(flight, leaderCancelled: cancelled, now: now) }) {
            case .handOff(let next):
                next.continuation.resume(returning: .lead(flight: flight, fallback: nil))
            case .fail(let waiters):
                for waiter in waiters { waiter.continuation.resume(returning: .failure(error)) }
            }
            // A failed early refresh: the entry it meant to refresh is still live.
            if let fallback { return fallback }
            throw error
        }
        let now = clock.now
        let waiters = state.withLock { $0.complete(flight, value: value, startedAt: started, now: now) }
        for waiter in waiters { waiter.continuation.resume(returning: .value(value)) }
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
        state.withLock { $0.invalidate(key, counting: counting) }
    }

    /// Stores `value` for `key` for ``Configuration/ttl`` (jittered) from now, detaches a
    /// load in flight and gives `value` to the callers waiting for it (write-through).
    public func put(_ key: Key, _ value: Value) {
        let now = clock.now
        let waiters = state.withLock { $0.put(key, value, now: now) }
        for waiter in waiters { waiter.continuation.resume(returning: .value(value)) }
    }

    /// Removes every expired entry and returns how many (a periodic sweep).
    @discardableResult
    public func removeExpired() -> Int {
        let now = clock.now
        return state.withLock { $0.store.removeExpired(now: now) }
    }

    /// Whether the load of flight `flight` is still the one whose result will be cached
    /// (not invalidated, overwritten or superseded). For composite caches in this module.
    func isCurrent(flight: UInt64, key: Key) -> Bool {
        state.withLock { $0.current[key] == flight }
    }
}

extension CacheAside.Lookup: Equatable where Value: Equatable {}
