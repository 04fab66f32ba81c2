/// The pure core of a cache-aside cache (``CacheAsideState``) and the types it shares
/// with its async wrapper ``CacheAside``.

/// Sizes and lifetimes of a cache.
public struct CacheAsideConfiguration: Sendable, Equatable {
    /// Most entries (values and cached absences) held at once; LRU eviction beyond.
    public private(set) var capacity: Int
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
    ///
    /// - Throws: ``ConfigurationError`` for a negative capacity.
    public init(
        capacity: Int = 10_000, ttl: Duration = .seconds(300), negativeTTL: Duration = .seconds(60),
        jitter: TTLJitter = .below(0.1), earlyRefresh: EarlyRefresh? = nil
    ) throws(ConfigurationError) {
        try ConfigurationCheck("CacheAsideConfiguration").require(capacity >= 0, "capacity", ">= 0", capacity)
        self.init(validCapacity: capacity, ttl: ttl, negativeTTL: negativeTTL, jitter: jitter, earlyRefresh: earlyRefresh)
    }

    /// A configuration whose capacity is already checked (≥ 0), as a
    /// ``TwoLevelCache/Configuration``'s local capacity is.
    init(validCapacity capacity: Int, ttl: Duration, negativeTTL: Duration, jitter: TTLJitter, earlyRefresh: EarlyRefresh?) {
        self.capacity = capacity
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.jitter = jitter
        self.earlyRefresh = earlyRefresh
    }

    /// 10,000 entries, values for 5 min, absences for 60 s, up to 10 % shorter.
    // `try!`: constant, valid arguments; the initialiser cannot throw for them.
    public static let defaults = try! CacheAsideConfiguration()
}

/// Counters describing the cache's life so far.
public struct CacheAsideStatistics: Sendable, Equatable {
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
    /// Calls to ``CacheAside/invalidate(_:)`` (or ``CacheAsideState/invalidate(_:)``).
    public var invalidations = 0
    /// Calls to ``CacheAside/put(_:_:)`` (or ``CacheAsideState/put(_:_:at:using:)``).
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

/// What the cache holds for a key, as seen by ``CacheAside/peek(_:)`` and ``CacheAsideState/peek(_:at:)``.
public enum CacheAsideLookup<Value> {
    /// A live value.
    case value(Value)
    /// A live cached absence.
    case absent
    /// Nothing live.
    case miss
}

/// A load in flight in a ``CacheAsideState`` (unique over the cache's life).
public struct CacheAsideFlight: Hashable, Sendable {
    /// The flight's number.
    public let rawValue: UInt64
}

/// A caller waiting for a load in a ``CacheAsideState``, as numbered by
/// ``CacheAsideState/makeWaiterID()``.
public struct CacheAsideWaiterID: Hashable, Sendable {
    /// The waiter's number.
    public let rawValue: UInt64
}

/// The pure state machine of a ``CacheAside``: the store, the loads in flight and who waits
/// for them, with no clock, lock or task. The caller passes the current instant and a
/// random generator to every method and carries out what the answer says (run the load,
/// wake the returned waiters) itself; ``CacheAside`` is the async wrapper, and a simulation
/// actor may hold this struct directly.
///
/// `Waiter` is whatever the owner needs to wake a waiting caller later (a continuation, a
/// request id); the machine keeps waiters in arrival order per load.
///
/// ```swift
/// // Pure core, driven with explicit instants:
/// var cache = CacheAsideState<Int, String, ContinuousClock.Instant, UnsafeContinuation<String?, Never>>(.init(ttl: .seconds(60)))
/// switch cache.begin(42, at: .now, using: &random) {
/// case .hit(let value): return value
/// case .lead(let flight, _):
///     let started = ContinuousClock.now
///     let value = try await database.product(42)
///     for waiter in cache.complete(flight, value: value, startedAt: started, at: .now, using: &random) {
///         waiter.resume(returning: value)
///     }
/// case .mustWait: ... // create a continuation, then begin(42, at:, waiter:) again
/// }
/// // Async wrapper (lock, continuations and cancellation inside):
/// let cache = CacheAside<Int, String, ContinuousClock>(.init(ttl: .seconds(60)), clock: ContinuousClock())
/// let name = try await cache.get(42) { try await database.product(42) }
/// ```
///
/// See ``CacheAside`` for the semantics (single-flight, negative caching, TTLs counted from
/// the start of the load, the join window, invalidation, early refresh, handoff).
public struct CacheAsideState<Key: Hashable, Value, Instant: InstantProtocol, Waiter> where Instant.Duration == Duration {
    /// Sizes and lifetimes.
    public typealias Configuration = CacheAsideConfiguration
    /// Counters.
    public typealias Statistics = CacheAsideStatistics
    /// What the store holds for a key.
    public typealias Lookup = CacheAsideLookup<Value>

    /// A load in flight.
    public typealias FlightID = CacheAsideFlight
    /// A caller waiting for a load.
    public typealias WaiterID = CacheAsideWaiterID

    /// What a caller of ``begin(_:at:waiter:cancelled:using:)`` does next.
    public enum Decision {
        /// Return this (nil: a cached absence); nothing to load.
        case hit(Value?)
        /// Run the load for this flight and report it with ``complete(_:value:startedAt:at:using:)``
        /// or ``fail(_:leaderCancelled:at:)``. `fallback` is the live value an early refresh
        /// replaces: return it if the refresh fails.
        case lead(FlightID, fallback: Value?)
        /// A load is in flight and no waiter was given: call again with one.
        case mustWait
        /// The waiter was queued on the load in flight; it comes back from `complete`,
        /// `fail`, `put` or ``abandon(_:)``.
        case joined
        /// The caller was cancelled: it gets nothing.
        case cancelled
    }

    /// What follows a failed load.
    public enum FailureOutcome {
        /// The leader was cancelled: this waiter now leads the same flight (it runs its own load).
        case handOff(Waiter, FlightID)
        /// These waiters get the load's error.
        case fail([Waiter])
    }

    /// A stored result: a value, or nil for a cached absence.
    struct Cached {
        var value: Value?
        /// How long the load that produced it took (δ for early refresh).
        var loadTime: Duration
    }

    fileprivate struct Parked {
        var id: WaiterID
        var waiter: Waiter
    }

    fileprivate struct Flight {
        var key: Key
        var startedAt: Instant
        var waiters = Deque<Parked>()
    }

    /// The configuration.
    public let configuration: Configuration
    private var store: TTLCache<Key, Cached, Instant>
    /// Loads in flight by id, including detached ones.
    private var flights: [UInt64: Flight] = [:]
    /// The flight whose result will be cached, per key.
    private var current: [Key: UInt64] = [:]
    /// The flight each waiting caller waits on.
    private var waiterFlight: [UInt64: UInt64] = [:]
    private var stats = Statistics()
    private var nextFlight: UInt64 = 0
    private var nextWaiter: UInt64 = 0
    private let joinWindow: Duration?

    /// An empty cache with `configuration`.
    public init(_ configuration: Configuration = .defaults) {
        self.configuration = configuration
        store = TTLCache(validCapacity: configuration.capacity, defaultTTL: configuration.ttl, jitter: configuration.jitter)
        let lifetimes = [configuration.ttl, configuration.negativeTTL].filter { $0 > .zero }
        joinWindow = lifetimes.min()
    }

    /// A fresh waiter number.
    public mutating func makeWaiterID() -> WaiterID {
        nextWaiter += 1
        return WaiterID(rawValue: nextWaiter)
    }

    /// A caller wants `key` at `now`: a live entry is a hit (which may start an early
    /// refresh), a recent load in flight is joined (only with a `waiter`; without one the
    /// answer is ``Decision/mustWait`` and nothing is counted), otherwise the caller leads
    /// a new load. A `cancelled` caller is counted and gets ``Decision/cancelled`` instead
    /// of waiting or loading.
    public mutating func begin(
        _ key: Key, at now: Instant, waiter: (id: WaiterID, waiter: Waiter)? = nil, cancelled: Bool = false,
        using random: inout some RandomNumberGenerator
    ) -> Decision {
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
                return .lead(startFlight(key, now: now), fallback: value)
            }
            return .hit(value)
        }
        if let id = current[key], let flight = flights[id],
           joinWindow.map({ now < flight.startedAt.advanced(by: $0) }) ?? true {
            guard let waiter else { return .mustWait }
            stats.misses += 1
            if cancelled { return .cancelled }
            flights[id]?.waiters.append(Parked(id: waiter.id, waiter: waiter.waiter))
            waiterFlight[waiter.id.rawValue] = id
            stats.coalesced += 1
            return .joined
        }
        stats.misses += 1
        if cancelled { return .cancelled }
        return .lead(startFlight(key, now: now), fallback: nil)
    }

    /// Starts a flight for `key`, superseding (detaching) any older one.
    private mutating func startFlight(_ key: Key, now: Instant) -> FlightID {
        nextFlight += 1
        flights[nextFlight] = Flight(key: key, startedAt: now)
        current[key] = nextFlight
        stats.loads += 1
        return FlightID(rawValue: nextFlight)
    }

    /// The load of `flight`, begun at `startedAt`, returned `value` (nil: no such key) at
    /// `now`. Caches it (jittered TTL from `startedAt`) unless the flight was detached, and
    /// returns the waiters to give `value` to.
    public mutating func complete(
        _ flight: FlightID, value: Value?, startedAt: Instant, at now: Instant,
        using random: inout some RandomNumberGenerator
    ) -> [Waiter] {
        guard let done = flights.removeValue(forKey: flight.rawValue) else { return [] }
        for parked in done.waiters { waiterFlight[parked.id.rawValue] = nil }
        let waiters = done.waiters.map(\.waiter)
        guard current[done.key] == flight.rawValue else { return waiters }
        current[done.key] = nil
        let ttl = value == nil ? configuration.negativeTTL : configuration.ttl
        if ttl > .zero {
            let lifetime = configuration.jitter.apply(to: ttl, using: &random)
            let cached = Cached(value: value, loadTime: startedAt.duration(to: now))
            store.set(done.key, cached, expiresAt: startedAt.advanced(by: lifetime), now: now)
        } else {
            // Nothing to cache, but a value that was there is now known to be stale.
            store.removeValue(forKey: done.key)
        }
        return waiters
    }

    /// The load of `flight` threw at `now`. When its leader was cancelled, the longest
    /// waiter takes the flight over (it runs its own load); otherwise every waiter gets the
    /// error and nothing is cached.
    public mutating func fail(_ flight: FlightID, leaderCancelled: Bool, at now: Instant) -> FailureOutcome {
        guard var failed = flights[flight.rawValue] else { return .fail([]) }
        if leaderCancelled {
            if let next = failed.waiters.popFirst() {
                waiterFlight[next.id.rawValue] = nil
                failed.startedAt = now
                flights[flight.rawValue] = failed
                stats.handoffs += 1
                stats.loads += 1
                return .handOff(next.waiter, flight)
            }
        } else {
            stats.loadFailures += 1
        }
        flights[flight.rawValue] = nil
        if current[failed.key] == flight.rawValue { current[failed.key] = nil }
        for parked in failed.waiters { waiterFlight[parked.id.rawValue] = nil }
        return .fail(failed.waiters.removeAll().map(\.waiter))
    }

    /// Takes a waiting caller out of its load's line (it was cancelled); nil if it is not
    /// waiting (already woken).
    public mutating func abandon(_ waiter: WaiterID) -> Waiter? {
        guard let id = waiterFlight.removeValue(forKey: waiter.rawValue),
              let parked = flights[id]?.waiters.remove(where: { $0.id == waiter }) else { return nil }
        stats.cancelledWaits += 1
        return parked.waiter
    }

    /// Removes `key`'s entry and detaches its load in flight (its result will not be cached).
    public mutating func invalidate(_ key: Key) {
        invalidate(key, counting: true)
    }

    /// ``invalidate(_:)``, optionally without counting it (a composite cache's extra pass).
    mutating func invalidate(_ key: Key, counting: Bool) {
        store.removeValue(forKey: key)
        current[key] = nil
        if counting { stats.invalidations += 1 }
    }

    /// Stores `value` for `key` (jittered TTL from `now`), detaches a load in flight and
    /// returns its waiters, to be given `value`.
    public mutating func put(_ key: Key, _ value: Value, at now: Instant, using random: inout some RandomNumberGenerator) -> [Waiter] {
        let loadTime = store.peekEntry(key, now: now)?.value.loadTime ?? .zero
        stats.puts += 1
        if configuration.ttl > .zero {
            store.set(key, Cached(value: value, loadTime: loadTime), now: now, using: &random)
        } else {
            store.removeValue(forKey: key)
        }
        guard let id = current.removeValue(forKey: key) else { return [] }
        let waiters = flights[id]?.waiters.removeAll() ?? []
        for parked in waiters { waiterFlight[parked.id.rawValue] = nil }
        return waiters.map(\.waiter)
    }

    /// What the store holds for `key` at `now`, without counting or changing recency.
    public func peek(_ key: Key, at now: Instant) -> Lookup {
        guard let cached = store.peek(key, now: now) else { return .miss }
        return cached.value.map(Lookup.value) ?? .absent
    }

    /// Whether the load of `flight` is still the one whose result will be cached for `key`
    /// (not invalidated, overwritten or superseded).
    public func isCurrent(_ flight: FlightID, key: Key) -> Bool {
        current[key] == flight.rawValue
    }

    /// Removes every entry expired at `now`; returns how many.
    @discardableResult
    public mutating func removeExpired(at now: Instant) -> Int {
        store.removeExpired(now: now)
    }

    /// The counters so far.
    public var statistics: Statistics {
        var result = stats
        result.expirations = store.statistics.expirations
        result.evictions = store.statistics.evictions
        result.entries = store.count
        result.loadsInFlight = flights.count
        result.waiting = waiterFlight.count
        return result
    }
}

extension CacheAsideState: Sendable where Key: Sendable, Value: Sendable, Waiter: Sendable {}
extension CacheAsideState.Cached: Sendable where Value: Sendable {}
extension CacheAsideLookup: Sendable where Value: Sendable {}
extension CacheAsideLookup: Equatable where Value: Equatable {}
extension CacheAsideState.Parked: Sendable where Waiter: Sendable {}
extension CacheAsideState.Flight: Sendable where Key: Sendable, Waiter: Sendable {}
