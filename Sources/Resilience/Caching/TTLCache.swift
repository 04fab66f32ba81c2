/// A bounded key–value store whose entries expire: the state machine of a local cache
/// (or of the simulated cache server), with the current time passed in explicitly.
///
/// - **Per-entry TTL with jitter.** ``set(_:_:ttl:now:using:)`` stores an entry until
///   `now + jitter(ttl)` (``defaultTTL`` when no TTL is given; see ``TTLJitter``). An
///   entry is expired from its expiry instant on (`now >= expiresAt`), and an expired
///   entry is never returned: it is removed when a lookup finds it, when it is the one
///   evicted, or by ``removeExpired(now:)`` (Redis's lazy and active expiry, in one).
/// - **Capacity with LRU eviction.** At most ``capacity`` entries are held, expired ones
///   included until they are removed; a new key at full capacity evicts the least
///   recently used entry (an ``LRUCache``).
/// - **Counters.** ``statistics`` counts hits, misses, expirations (expired entries
///   removed, whatever found them) and evictions (live entries pushed out by capacity).
///
/// `Instant` is the clock's instant type (`ContinuousClock.Instant` in a server, the
/// virtual clock's in a simulation). No clock, lock or task inside: a simulation actor
/// can hold one and call it directly.
public struct TTLCache<Key: Hashable, Value, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// A stored value and the instant it expires.
    public struct Entry {
        /// The stored value.
        public var value: Value
        /// The first instant at which the entry is expired.
        public var expiresAt: Instant

        @inlinable init(value: Value, expiresAt: Instant) {
            self.value = value
            self.expiresAt = expiresAt
        }
    }

    /// Counters describing the store's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Lookups that found a live entry.
        public var hits = 0
        /// Lookups that found nothing live (absent or expired).
        public var misses = 0
        /// Expired entries removed (on lookup, at eviction, or by a sweep).
        public var expirations = 0
        /// Live entries evicted to make room for a new key.
        public var evictions = 0
        /// Entries stored (new keys and replacements).
        public var insertions = 0

        /// A zeroed set of counters.
        public init() {}
    }

    @usableFromInline var entries: LRUCache<Key, Entry>

    /// Most entries held at once (≥ 0; 0 stores nothing).
    @inlinable public var capacity: Int { entries.capacity }
    /// TTL of entries stored without an explicit one (default 5 minutes, the source
    /// documents' cache-aside TTL).
    public var defaultTTL: Duration
    /// Random spread applied to every TTL passed to ``set(_:_:ttl:now:using:)``.
    public var jitter: TTLJitter
    /// The counters so far.
    @inlinable public var statistics: Statistics { _statistics }
    @usableFromInline var _statistics = Statistics()

    /// An empty store of at most `capacity` entries, with `defaultTTL` (default 5 min)
    /// and `jitter` (default none) for ``set(_:_:ttl:now:using:)``.
    ///
    /// - Throws: ``ConfigurationError`` for a negative capacity.
    public init(capacity: Int, defaultTTL: Duration = .seconds(300), jitter: TTLJitter = .none) throws(ConfigurationError) {
        try ConfigurationCheck("TTLCache").require(capacity >= 0, "capacity", ">= 0", capacity)
        self.init(validCapacity: capacity, defaultTTL: defaultTTL, jitter: jitter)
    }

    /// An empty store of a capacity already checked (≥ 0) by a caller's configuration.
    init(validCapacity capacity: Int, defaultTTL: Duration, jitter: TTLJitter) {
        entries = LRUCache(validCapacity: capacity)
        self.defaultTTL = defaultTTL
        self.jitter = jitter
    }

    /// Number of entries held, including expired entries not yet removed.
    @inlinable public var count: Int { entries.count }

    // MARK: Reading

    /// The live value for `key` at `now`, making it the most recently used; nil (a miss)
    /// when absent or expired, in which case an expired entry is removed.
    @inlinable public mutating func get(_ key: Key, now: Instant) -> Value? {
        entry(key, now: now)?.value
    }

    /// Like ``get(_:now:)``, but returns the entry with its expiry.
    @inlinable public mutating func entry(_ key: Key, now: Instant) -> Entry? {
        guard let entry = entries.get(key) else {
            _statistics.misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            entries.removeValue(forKey: key)
            _statistics.expirations += 1
            _statistics.misses += 1
            return nil
        }
        _statistics.hits += 1
        return entry
    }

    /// The live value for `key` at `now` without changing recency or counters.
    @inlinable public func peek(_ key: Key, now: Instant) -> Value? {
        guard let entry = entries.peek(key), now < entry.expiresAt else { return nil }
        return entry.value
    }

    /// The live entry for `key` at `now` without changing recency or counters.
    @inlinable public func peekEntry(_ key: Key, now: Instant) -> Entry? {
        guard let entry = entries.peek(key), now < entry.expiresAt else { return nil }
        return entry
    }

    // MARK: Writing

    /// Stores `value` for `key` until `now + jitter(ttl)` (`ttl` defaults to
    /// ``defaultTTL``; the jitter is drawn from `random`) and returns that expiry, or nil
    /// when nothing was stored: a (jittered) TTL of zero or less, which also removes any
    /// previous entry, or a capacity of 0.
    @discardableResult
    @inlinable public mutating func set(
        _ key: Key, _ value: Value, ttl: Duration? = nil, now: Instant,
        using random: inout some RandomNumberGenerator
    ) -> Instant? {
        let ttl = ttl ?? defaultTTL
        let expiresAt = now.advanced(by: jitter.apply(to: ttl, using: &random))
        return set(key, value, expiresAt: expiresAt, now: now) ? expiresAt : nil
    }

    /// Stores `value` for `key` until exactly `expiresAt` (no jitter), for callers that
    /// computed the expiry themselves (for instance from when a load began). When
    /// `expiresAt` is not after `now`, stores nothing, removes any previous entry and
    /// returns false.
    @discardableResult
    @inlinable public mutating func set(_ key: Key, _ value: Value, expiresAt: Instant, now: Instant) -> Bool {
        guard now < expiresAt else {
            entries.removeValue(forKey: key)
            return false
        }
        guard capacity > 0 else { return false }
        if !entries.contains(key), entries.count >= capacity, let victim = entries.removeLeastRecentlyUsed() {
            if now < victim.value.expiresAt {
                _statistics.evictions += 1
            } else {
                _statistics.expirations += 1
            }
        }
        entries.set(key, Entry(value: value, expiresAt: expiresAt))
        _statistics.insertions += 1
        return true
    }

    /// Removes the entry for `key` (live or expired) and returns its value, if any.
    @discardableResult
    @inlinable public mutating func removeValue(forKey key: Key) -> Value? {
        entries.removeValue(forKey: key)?.value
    }

    /// Removes every entry expired at `now` and returns how many. O(count): for a
    /// periodic sweep, not for every request.
    @discardableResult
    @inlinable public mutating func removeExpired(now: Instant) -> Int {
        let removed = entries.removeAll { _, entry in !(now < entry.expiresAt) }
        _statistics.expirations += removed
        return removed
    }

    /// Removes every entry (a flush); counters are kept.
    @inlinable public mutating func removeAll() {
        entries.removeAll()
    }

    /// The keys held, live or not, from the most to the least recently used.
    @inlinable public var keysByRecency: [Key] { entries.keysByRecency }
}

extension TTLCache.Entry: Sendable where Value: Sendable, Instant: Sendable {}
extension TTLCache.Entry: Equatable where Value: Equatable {}
extension TTLCache: Sendable where Key: Sendable, Value: Sendable, Instant: Sendable {}
