/// The lock server's rules as a pure state machine: Redis's `SET key owner NX PX ttl`,
/// the compare-and-delete and compare-and-extend Lua scripts, `GET`, plus a fencing
/// token issued with every grant.
///
/// Every method takes the server's current time `now`; expiry is evaluated against it and
/// nothing else (no clock, no tasks, no locks inside). A lock granted at `t` with `ttl` is
/// live for `t ..< t + ttl`: at exactly `t + ttl` it has expired and may be granted
/// again. (Redis keeps a key through the whole millisecond of its expiry time, `now > when`;
/// here time is exact, and a lease lasts exactly its TTL.)
///
/// Expired entries are dropped lazily, by whichever operation next touches the key (as
/// Redis does), or in bulk by ``removeExpired(now:)`` (Redis's active expiry cycle, which
/// a server may run periodically to bound memory).
///
/// **Fencing tokens** come from one counter for the whole store, not one per key: they
/// strictly increase across all grants of all keys, hence also per key. One counter costs
/// one integer however many keys come and go, whereas per-key counters would have to
/// outlive their keys (a released or expired key is deleted, and a reborn key must not
/// reissue an old token), i.e. grow with every key ever locked. It also gives a resource
/// guarded by several keys a single order. The gaps a key sees in its sequence do not
/// matter: a ``FencedResource`` only compares. A production store issues the token in the
/// same script as the grant (`INCR` of a counter key) and must persist it; a store that
/// restarts must resume above the last token it issued (see ``init(fencingTokensAfter:)``).
///
/// The lock is not reentrant: `set` by the current owner is contended like any other
/// (as with plain `SET NX`; unlike Redisson's hash-based reentrant `RLock`).
public struct LockStore<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Counters describing the store's life so far.
    public struct Statistics: Sendable, Equatable {
        /// `set` calls that granted the lock.
        public var grants = 0
        /// `set` calls refused because another owner held a live lock.
        public var contended = 0
        /// Locks that reached their expiry without being released: their holder lost them
        /// while (as far as the store knows) still holding them. Counted when the store
        /// discards the expired entry (lazily, or in ``removeExpired(now:)``).
        public var expiredWhileHeld = 0
        /// Compare-and-deletes that deleted the caller's live lock.
        public var releases = 0
        /// Compare-and-deletes refused: the key was absent, expired, or held by another
        /// owner (for the script, all three are a token mismatch).
        public var failedReleases = 0
        /// Compare-and-extends that renewed the caller's live lock.
        public var extensions = 0
        /// Compare-and-extends refused (absent, expired, or another owner's).
        public var failedExtensions = 0
    }

    /// A live or expired-but-not-yet-discarded lock.
    @usableFromInline struct Entry: Sendable {
        @usableFromInline var owner: LockOwner
        @usableFromInline var fencingToken: FencingToken
        @usableFromInline var expiresAt: Instant

        @inlinable init(owner: LockOwner, fencingToken: FencingToken, expiresAt: Instant) {
            self.owner = owner
            self.fencingToken = fencingToken
            self.expiresAt = expiresAt
        }
    }

    @usableFromInline var entries: [String: Entry] = [:]
    @usableFromInline var lastIssued: UInt64
    /// The store's counters.
    @inlinable public var statistics: Statistics { _statistics }
    @usableFromInline var _statistics = Statistics()

    /// An empty store. Its first grant gets the token after `fencingTokensAfter`
    /// (`nil`, the default, means a fresh store whose first token is 1); a store restored
    /// after a restart passes the highest token it ever issued, so no token is reused.
    public init(fencingTokensAfter last: FencingToken? = nil) {
        lastIssued = last?.value ?? 0
    }

    /// The highest fencing token issued so far, or `nil` if none.
    @inlinable public var lastFencingToken: FencingToken? { lastIssued == 0 ? nil : FencingToken(lastIssued) }

    /// `SET key owner NX PX ttl`: grants the lock to `owner` for `ttl` from `now` if the key
    /// is absent or its lock has expired, and issues a new fencing token with the grant.
    /// Otherwise (even when `owner` itself holds the key) returns how long the current
    /// lock still lives. `ttl` must be positive.
    @inlinable public mutating func set(_ key: String, owner: LockOwner, ttl: Duration, now: Instant) -> LockAcquisition {
        // Reached through LockClient and Redlock, whose configurations refuse a
        // non-positive ttl: one here is a programming error of a direct caller.
        precondition(ttl > .zero, "a lock's ttl must be positive")
        if let entry = liveEntry(key, now: now) {
            _statistics.contended += 1
            return .held(remaining: now.duration(to: entry.expiresAt))
        }
        lastIssued += 1
        let token = FencingToken(lastIssued)
        entries[key] = Entry(owner: owner, fencingToken: token, expiresAt: now.advanced(by: ttl))
        _statistics.grants += 1
        return .granted(token)
    }

    /// `GET key`: the live lock's owner, fencing token and remaining time, or `nil` when the
    /// key is absent or expired (an expired entry is discarded and counted).
    @inlinable public mutating func get(_ key: String, now: Instant) -> LockHolder? {
        guard let entry = liveEntry(key, now: now) else { return nil }
        return LockHolder(owner: entry.owner, fencingToken: entry.fencingToken,
                          remaining: now.duration(to: entry.expiresAt))
    }

    /// The unlock script: deletes the key only if it holds a live lock of `owner`.
    /// Returns whether it deleted. After expiry it returns `false` even if nobody took the
    /// lock since: the holder must learn that its lease lapsed.
    @inlinable public mutating func compareAndDelete(_ key: String, owner: LockOwner, now: Instant) -> Bool {
        guard let entry = liveEntry(key, now: now), entry.owner == owner else {
            _statistics.failedReleases += 1
            return false
        }
        entries[key] = nil
        _statistics.releases += 1
        return true
    }

    /// The renewal script: if the key holds a live lock of `owner`, sets it to expire
    /// `ttl` after `now` (`PEXPIRE` semantics: from now, not added to what was left; a
    /// shorter `ttl` shortens the lease). Returns whether it extended. A lock that has
    /// expired cannot be extended, even if nobody took it since. `ttl` must be positive.
    @inlinable public mutating func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration, now: Instant) -> Bool {
        // Reached through LockClient and Redlock, whose configurations refuse a
        // non-positive ttl: one here is a programming error of a direct caller.
        precondition(ttl > .zero, "a lock's ttl must be positive")
        guard let entry = liveEntry(key, now: now), entry.owner == owner else {
            _statistics.failedExtensions += 1
            return false
        }
        entries[key]?.expiresAt = now.advanced(by: ttl)
        _statistics.extensions += 1
        return true
    }

    /// Discards every expired entry (counting each in ``Statistics/expiredWhileHeld``)
    /// and returns how many it discarded. Optional: every operation already ignores and
    /// discards expired entries of the key it touches.
    @discardableResult
    @inlinable public mutating func removeExpired(now: Instant) -> Int {
        let before = entries.count
        entries = entries.filter { now < $0.value.expiresAt }
        let removed = before - entries.count
        _statistics.expiredWhileHeld += removed
        return removed
    }

    /// Number of entries stored, including expired ones not yet discarded.
    @inlinable public var storedCount: Int { entries.count }

    /// The live entry of `key`, discarding (and counting) an expired one.
    @inlinable mutating func liveEntry(_ key: String, now: Instant) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if now < entry.expiresAt { return entry }
        entries[key] = nil
        _statistics.expiredWhileHeld += 1
        return nil
    }
}
