import Resilience
import SimKernel
import World

/// The cache server (Redis): a TTL store from `Resilience` with LRU eviction, behind the
/// network. `cache_flush` faults empty it; a crash empties it too (an unreplicated Redis
/// restarts empty) and, while it is down or cut off from the caller, commands get no
/// reply within the client's timeout: a read is a miss, a write is lost.
actor CacheServer {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    unowned(unsafe) let platform: PlatformContext
    private let spec: CacheSpec
    private var store: TTLCache<Int, CachedProduct, VirtualClock.Instant>
    /// Up or down.
    private let server = InfrastructureProcess(name: "cache")

    init(platform: PlatformContext, spec: CacheSpec) {
        sim = platform.sim
        self.platform = platform
        self.spec = spec
        store = TTLCache(capacity: spec.capacity)
    }

    /// One command's round trip: the server's time (slowed by a `slowdown` fault, plus any
    /// latency fault) on the way there, `serve` at the server; nil when no reply came.
    private func command<T: Sendable>(_ serve: () -> T) async -> T? {
        let time = Double(platform.draws.sample(spec.latency, for: .cache)) * platform.faults.slowdown("cache")
        let there = Int64(saturating: time) &+ platform.faults.extraLatency("cache")
        let caller = WorkOrigin.current?.service ?? "platform"
        let reply = await platform.network.exchange(from: caller, to: "cache", timeout: spec.timeout, there: there, back: 0) {
            server.isUp ? serve() : nil
        }
        if reply == nil { platform.metrics.count("cache.unanswered") }
        return reply
    }

    /// GET: the cached value, if present and fresh (nil also when the server did not answer).
    func get(_ key: Int) async -> CachedProduct? {
        let value = await command { store.get(key, now: sim.clock.now) }
        let found = value.flatMap { $0 }
        platform.metrics.count(found == nil ? "cache.misses" : "cache.hits")
        return found
    }

    /// SET with a TTL.
    /// The TTL is already jittered by the caller (the menu service owns its TTL policy).
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration) async {
        _ = await command { store.set(key, value, expiresAt: sim.clock.now.advanced(by: ttl), now: sim.clock.now) }
    }

    /// DEL.
    func delete(_ key: Int) async {
        _ = await command { _ = store.removeValue(forKey: key) }
    }

    /// FLUSHALL (a fault).
    func flush() {
        store.removeAll()
        platform.metrics.count("cache.flushes")
    }

    /// The server crashes: every entry is gone; commands go unanswered until it restarts.
    func crash() {
        guard server.crash() else { return }
        store.removeAll()
        platform.metrics.count("cache.crashes")
    }

    /// The server is back, empty.
    func restart() {
        if server.restart() { platform.metrics.count("cache.restarts") }
    }
}

/// A product as cached: found (with its data) or known to be absent (negative caching).
enum CachedProduct: Sendable, Equatable {
    case found
    case absent
}
