import Resilience
import SimKernel
import World

/// The cache server (Redis): a TTL store from `Resilience` with LRU eviction, behind the
/// network. `cache_flush` faults empty it. It is the remote level of the menu's
/// ``TwoLevelCache`` (a ``RemoteCache``); an entry also keeps how long the load that
/// produced it took, as XFetch stores δ beside the value.
actor CacheServer: RemoteCache {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    unowned(unsafe) let platform: PlatformContext
    private let spec: CacheSpec
    private var store: TTLCache<Int, CachedEntry, VirtualClock.Instant>
    /// Ids of messages processed, per consumer group (a Redis set per group whose members
    /// expire): idempotent consumers' memory, shared by a service's instances.
    private var processed: [String: DeduplicationWindow<Int64, VirtualClock.Instant>] = [:]
    private var random: RandomStream

    init(platform: PlatformContext, spec: CacheSpec) {
        sim = platform.sim
        self.platform = platform
        self.spec = spec
        store = TTLCache(capacity: spec.capacity)
        random = sim.random("cache")
    }

    private func roundTrip() async {
        let delay = spec.latency.sampleNanoseconds(&random) &+ platform.faults.extraLatency("cache")
        try? await sim.clock.sleep(for: .nanoseconds(delay))
    }

    /// GET: the cached value, if present and fresh.
    func get(_ key: Int) async -> CachedProduct? {
        await entry(key)?.product
    }

    /// GET with the entry's expiry and load time (Redis: the value, its PTTL and the δ
    /// stored beside it), if present and fresh.
    func entry(_ key: Int) async -> CachedEntry? {
        await roundTrip()
        let found = store.entry(key, now: sim.clock.now)
        platform.metrics.count(found == nil ? "cache.misses" : "cache.hits")
        return found.map { CachedEntry(product: $0.value.product, loadTime: $0.value.loadTime, expiresAt: $0.expiresAt) }
    }

    /// SET with a TTL.
    /// The TTL is already jittered by the caller (the menu service owns its TTL policy).
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration) async {
        await set(key, value, ttl: ttl, loadTime: .zero)
    }

    /// SET with a TTL, recording how long the load of `value` took.
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration, loadTime: Duration) async {
        await roundTrip()
        let expiresAt = sim.clock.now.advanced(by: ttl)
        let evictedBefore = store.statistics.evictions
        store.set(key, CachedEntry(product: value, loadTime: loadTime, expiresAt: expiresAt), expiresAt: expiresAt, now: sim.clock.now)
        if store.statistics.evictions > evictedBefore { platform.metrics.count("cache.evictions") }
    }

    /// DEL.
    func delete(_ key: Int) async {
        await roundTrip()
        _ = store.removeValue(forKey: key)
    }

    /// Whether message `id` was recorded as processed by consumer `group`.
    func wasProcessed(_ id: Int64, group: String) async -> Bool {
        await roundTrip()
        return processed[group]?.contains(id, now: sim.clock.now) ?? false
    }

    /// Records message `id` as processed by consumer `group`, whose window remembers
    /// `capacity` ids for at most `retention` each.
    func recordProcessed(_ id: Int64, group: String, capacity: Int, retention: Duration?) async {
        await roundTrip()
        processed[group, default: DeduplicationWindow(capacity: capacity, retention: retention)].insert(id, now: sim.clock.now)
    }

    /// FLUSHALL (a fault).
    func flush() {
        store.removeAll()
        processed.removeAll()
        platform.metrics.count("cache.flushes")
    }
}

/// What the cache server holds for a product: the product, how long its load took, and
/// when it expires.
struct CachedEntry: Sendable, Equatable {
    var product: CachedProduct
    var loadTime: Duration
    var expiresAt: VirtualClock.Instant
}

/// A product as cached: found (with its data) or known to be absent (negative caching).
enum CachedProduct: Sendable, Equatable {
    case found
    case absent
}
