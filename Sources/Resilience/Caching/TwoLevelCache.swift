import Synchronization

/// A local in-process cache with a short TTL in front of a shared ``RemoteCache`` (Redis),
/// in front of the source of truth: the "local cache in front of Redis" of the source
/// documents' incident fix.
///
/// ``get(_:load:)`` looks in the local level (a ``CacheAside``: LRU, short TTL, single-flight,
/// negative caching), then in the remote level, and only then calls `load`:
/// - **Promotion.** A remote hit is stored locally for ``Configuration/localTTL``.
/// - **Fill.** A value from `load` is written to the remote for
///   ``Configuration/remoteTTL`` (jittered) and stored locally. An absence is cached only
///   locally, for ``Configuration/localNegativeTTL``; keep unknown ids away from the remote
///   and the database with a ``BloomFilter`` in front.
/// - **One fetch per key per process.** Local misses of the same key share one remote
///   read (and one `load`), thanks to the local level's single-flight.
/// - **Bounded staleness.** A value served from the local level was read from the remote
///   or the source less than ``Configuration/localTTL`` before the call that returns it
///   (the jittered TTL's upper bound, which is the TTL itself with the default
///   ``TTLJitter/Spread/below`` spread), whatever another process wrote since:
///   invalidations by other processes are seen within that time even without a pub/sub
///   message.
/// - **Write-through and invalidation of both levels.** ``set(_:_:)`` writes the remote,
///   then the local level; ``invalidate(_:)`` deletes the remote key and the local entry.
///   Both clear the local level *before and after* the remote call (a local double delete),
///   and a fill whose key was invalidated or overwritten locally while it loaded is not
///   written to the remote, so a load that read the old row cannot put it back from this
///   process. (Across processes that race remains, as with any cache-aside over Redis;
///   the remote TTL bounds it.)
/// - **Remote failures.** By default (``RemoteFailurePolicy/fallThrough``) an unreachable
///   remote is skipped: reads go to `load`, failed fills are counted and ignored.
///
/// ``statistics`` counts each level separately.
public final class TwoLevelCache<Remote: RemoteCache, C: Clock>: Sendable where C.Duration == Duration {
    /// The key type, the remote's.
    public typealias Key = Remote.Key
    /// The value type, the remote's.
    public typealias Value = Remote.Value

    /// What a read does when the remote fails.
    public enum RemoteFailurePolicy: Sendable, Equatable {
        /// Skip the remote: load from the source (and still try to fill the remote).
        case fallThrough
        /// Throw the remote's error to the caller (and its waiters).
        case fail
    }

    /// Sizes and lifetimes of both levels.
    public struct Configuration: Sendable, Equatable {
        /// Most entries in the local level.
        public private(set) var localCapacity: Int
        /// Lifetime of a value in the local level: the staleness bound.
        public var localTTL: Duration
        /// Lifetime of a cached absence in the local level (zero turns it off).
        public var localNegativeTTL: Duration
        /// Random spread of the local TTLs.
        public var localJitter: TTLJitter
        /// Lifetime of a value written to the remote level.
        public var remoteTTL: Duration
        /// Random spread of the remote TTL, against avalanches.
        public var remoteJitter: TTLJitter
        /// What a read does when the remote fails.
        public var remoteFailure: RemoteFailurePolicy
        /// Probabilistic early refresh (XFetch) of live local entries; nil turns it off.
        public var localEarlyRefresh: EarlyRefresh?

        /// Local level of `localCapacity` entries (default 1,000) for `localTTL` (default
        /// 10 s) and absences for `localNegativeTTL` (default 2 s), up to `localJitter`
        /// shorter (default 10 %); remote entries for `remoteTTL` (default 5 min, as in
        /// the source documents) up to `remoteJitter` shorter (default 10 %); remote
        /// failures skipped by default; no early refresh unless `localEarlyRefresh` is given.
        ///
        /// - Throws: ``ConfigurationError`` for a negative local capacity.
        public init(
            localCapacity: Int = 1_000, localTTL: Duration = .seconds(10), localNegativeTTL: Duration = .seconds(2),
            localJitter: TTLJitter = .below(0.1), remoteTTL: Duration = .seconds(300),
            remoteJitter: TTLJitter = .below(0.1), remoteFailure: RemoteFailurePolicy = .fallThrough,
            localEarlyRefresh: EarlyRefresh? = nil
        ) throws(ConfigurationError) {
            try ConfigurationCheck("TwoLevelCache.Configuration").require(localCapacity >= 0, "localCapacity", ">= 0", localCapacity)
            self.localCapacity = localCapacity
            self.localTTL = localTTL
            self.localNegativeTTL = localNegativeTTL
            self.localJitter = localJitter
            self.remoteTTL = remoteTTL
            self.remoteJitter = remoteJitter
            self.remoteFailure = remoteFailure
            self.localEarlyRefresh = localEarlyRefresh
        }

        /// 1,000 local entries for 10 s (absences 2 s), remote entries for 5 min, both
        /// up to 10 % shorter; remote failures skipped.
        // `try!`: constant, valid arguments; the initialiser cannot throw for them.
        public static var defaults: Configuration { try! Configuration() }
    }

    /// Counters of the remote level and of the source.
    public struct RemoteStatistics: Sendable, Equatable {
        /// Remote reads attempted.
        public var gets = 0
        /// Remote reads that found a value (promoted to the local level).
        public var hits = 0
        /// Remote reads that found nothing.
        public var misses = 0
        /// Remote writes that succeeded (fills and write-throughs).
        public var sets = 0
        /// Remote deletes that succeeded.
        public var deletes = 0
        /// Remote calls that threw.
        public var errors = 0
        /// Fills not written because the key was invalidated or overwritten locally
        /// while it loaded.
        public var skippedFills = 0
        /// Calls to the caller's `load` (the source of truth, the database).
        public var sourceLoads = 0
        /// Source loads that found nothing.
        public var sourceAbsent = 0

        /// A zeroed set of counters.
        public init() {}
    }

    /// Counters of both levels.
    public struct Statistics: Sendable, Equatable {
        /// The local level's counters (hits here never reached the remote).
        public var local: CacheAside<Key, Value, C>.Statistics
        /// The remote level's and the source's counters.
        public var remote: RemoteStatistics
    }

    /// The configuration.
    public let configuration: Configuration
    /// The remote level.
    public let remote: Remote
    /// The local level.
    private let local: CacheAside<Key, Value, C>
    private let remoteState: Mutex<(stats: RemoteStatistics, random: CacheSplitMix)>

    /// A two-level cache over `remote`, timing on `clock` and drawing jitter from `random`.
    public init(
        _ configuration: Configuration = .defaults, remote: Remote, clock: C,
        random: some RandomNumberGenerator
    ) {
        var random = random
        self.configuration = configuration
        self.remote = remote
        local = CacheAside(
            CacheAside<Key, Value, C>.Configuration(
                validCapacity: configuration.localCapacity, ttl: configuration.localTTL,
                negativeTTL: configuration.localNegativeTTL, jitter: configuration.localJitter,
                earlyRefresh: configuration.localEarlyRefresh),
            clock: clock, random: CacheSplitMix(seed: random.next()))
        remoteState = Mutex((RemoteStatistics(), CacheSplitMix(seed: random.next())))
    }

    /// A two-level cache over `remote`, timing on `clock`, with system randomness.
    public convenience init(_ configuration: Configuration = .defaults, remote: Remote, clock: C) {
        self.init(configuration, remote: remote, clock: clock, random: SystemRandomNumberGenerator())
    }

    /// A snapshot of both levels' counters.
    public var statistics: Statistics {
        Statistics(local: local.statistics, remote: remoteState.withLock { $0.stats })
    }

    /// What the local level holds for `key` now (no remote call, no counting).
    public func peekLocal(_ key: Key) -> CacheAside<Key, Value, C>.Lookup {
        local.peek(key)
    }

    // MARK: Reading

    /// The value for `key` from the local level, else the remote (promoted locally), else
    /// `load` (nil when the source has no such key; filled into both levels, an absence
    /// only locally). Local misses of one key share one fetch. Throws `load`'s error, the
    /// remote's under ``RemoteFailurePolicy/fail``, or `CancellationError`.
    public func get(_ key: Key, load: () async throws -> Value?) async throws -> Value? {
        try await local.get(key, loadFlight: { flight in
            try await self.fetch(key, flight: flight, load: load)
        })
    }

    private func fetch(_ key: Key, flight: CacheAsideFlight, load: () async throws -> Value?) async throws -> Value? {
        do {
            let cached = try await remote.get(key)
            count { stats in
                stats.gets += 1
                if cached == nil { stats.misses += 1 } else { stats.hits += 1 }
            }
            if let cached { return cached }
        } catch {
            count { $0.gets += 1; $0.errors += 1 }
            if configuration.remoteFailure == .fail || Task.isCancelled { throw error }
        }
        let loaded = try await load()
        count { stats in
            stats.sourceLoads += 1
            if loaded == nil { stats.sourceAbsent += 1 }
        }
        guard let value = loaded else { return nil }
        guard local.isCurrent(flight: flight, key: key) else {
            count { $0.skippedFills += 1 }
            return value
        }
        await writeRemote(key, value)
        return value
    }

    // MARK: Writing

    /// Writes `value` to the remote level, then stores it locally (write-through; waiters
    /// of a local load in flight get it). When the remote write fails the local entry is
    /// removed and the error rethrown.
    public func set(_ key: Key, _ value: Value) async throws {
        local.invalidate(key, counting: false)
        do {
            try await remote.set(key, value, ttl: remoteLifetime())
            count { $0.sets += 1 }
        } catch {
            count { $0.errors += 1 }
            local.invalidate(key, counting: false)
            throw error
        }
        local.put(key, value)
    }

    /// Deletes `key` from the remote level and the local one (after writing the source
    /// of truth). The local entry is removed even when the remote delete fails, whose
    /// error is then rethrown.
    public func invalidate(_ key: Key) async throws {
        local.invalidate(key, counting: false)
        defer { local.invalidate(key) }
        do {
            try await remote.delete(key)
            count { $0.deletes += 1 }
        } catch {
            count { $0.errors += 1 }
            throw error
        }
    }

    /// Removes `key` from the local level only: for an invalidation message from another
    /// process (pub/sub), which has already deleted the remote key.
    public func invalidateLocal(_ key: Key) {
        local.invalidate(key)
    }

    private func writeRemote(_ key: Key, _ value: Value) async {
        do {
            try await remote.set(key, value, ttl: remoteLifetime())
            count { $0.sets += 1 }
        } catch {
            count { $0.errors += 1 }
        }
    }

    private func remoteLifetime() -> Duration {
        remoteState.withLock { state in
            configuration.remoteJitter.apply(to: configuration.remoteTTL, using: &state.random)
        }
    }

    private func count(_ update: (inout RemoteStatistics) -> Void) {
        remoteState.withLock { update(&$0.stats) }
    }
}
