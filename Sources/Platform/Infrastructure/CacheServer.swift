import Resilience
import SimKernel
import World

/// The cache server (Redis): a TTL store from `Resilience` with LRU eviction, behind the
/// network. `cache_flush` faults empty it.
actor CacheServer {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    unowned(unsafe) let platform: PlatformContext
    private let spec: CacheSpec
    private var store: TTLCache<Int, CachedProduct, VirtualClock.Instant>
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
        await roundTrip()
        let value = store.get(key, now: sim.clock.now)
        platform.metrics.count(value == nil ? "cache.misses" : "cache.hits")
        return value
    }

    /// SET with a TTL.
    /// The TTL is already jittered by the caller (the menu service owns its TTL policy).
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration) async {
        await roundTrip()
        store.set(key, value, expiresAt: sim.clock.now.advanced(by: ttl), now: sim.clock.now)
    }

    /// DEL.
    func delete(_ key: Int) async {
        await roundTrip()
        _ = store.removeValue(forKey: key)
    }

    /// FLUSHALL (a fault).
    func flush() {
        store.removeAll()
        platform.metrics.count("cache.flushes")
    }
}

/// A product as cached: found (with its data) or known to be absent (negative caching).
enum CachedProduct: Sendable, Equatable {
    case found
    case absent
}
