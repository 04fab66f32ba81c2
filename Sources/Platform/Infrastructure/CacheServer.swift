import Resilience
import SimKernel
import World

/// The cache server (Redis): a TTL store from `Resilience` with LRU eviction, behind the
/// network. `cache_flush` faults empty it; a crash empties it too (an unreplicated Redis
/// restarts empty) and, while it is down or cut off from the caller, commands get no
/// reply within the client's timeout: a read is a miss, a write is lost.
///
/// It is the remote level of the menu's ``TwoLevelCache`` (a ``RemoteCache``); an entry
/// also keeps how long the load that produced it took, as XFetch stores δ beside the
/// value. Idempotent consumers keep the ids of messages they processed here too.
actor CacheServer: RemoteCache {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let environment: InfrastructureEnvironment
    private let spec: CacheSpec
    private var store: TTLCache<Int, CachedEntry, VirtualClock.Instant>
    /// Ids of messages processed, per consumer group (a Redis set per group whose members
    /// expire): idempotent consumers' memory, shared by a service's instances.
    private var processed: [String: DeduplicationWindow<Int64, VirtualClock.Instant>] = [:]
    /// Up or down.
    private let server = InfrastructureProcess(name: "cache")

    init(environment: InfrastructureEnvironment, spec: CacheSpec) {
        sim = environment.sim
        self.environment = environment
        self.spec = spec
        store = environment.sim.configured("the cache server", { () throws(ConfigurationError) in
            try TTLCache(capacity: spec.capacity)
        }, fallback: { try! TTLCache(capacity: 0) }) // `try!`: a capacity of 0 is valid.
    }

    /// One command's round trip: the server's time (slowed by a `slowdown` fault, plus any
    /// latency fault) on the way there, `serve` at the server; nil when no reply came.
    private func command<T: Sendable>(_ serve: () -> T) async -> T? {
        let time = Double(environment.draws.sample(spec.latency, for: .cache)) * environment.faults.slowdown("cache")
        let there = Int64(saturating: time) &+ environment.faults.extraLatency("cache")
        let caller = WorkOrigin.current?.service ?? "platform"
        let reply = await environment.network.exchange(from: caller, to: "cache", timeout: spec.timeout, there: there, back: 0) {
            server.isUp ? serve() : nil
        }
        if reply == nil { environment.metrics.count("cache.unanswered") }
        return reply
    }

    /// GET: the cached value, if present and fresh (nil also when the server did not answer).
    func get(_ key: Int) async -> CachedProduct? {
        await entry(key)?.product
    }

    /// GET with the entry's expiry and load time (Redis: the value, its PTTL and the δ
    /// stored beside it), if present and fresh (nil also when the server did not answer).
    func entry(_ key: Int) async -> CachedEntry? {
        let value = await command { store.entry(key, now: sim.clock.now) }
        let found = value.flatMap { $0 }
        environment.metrics.count(found == nil ? "cache.misses" : "cache.hits")
        return found.map { CachedEntry(product: $0.value.product, loadTime: $0.value.loadTime, expiresAt: $0.expiresAt) }
    }

    /// SET with a TTL.
    /// The TTL is already jittered by the caller (the menu service owns its TTL policy).
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration) async {
        await set(key, value, ttl: ttl, loadTime: .zero)
    }

    /// SET with a TTL, recording how long the load of `value` took.
    func set(_ key: Int, _ value: CachedProduct, ttl: Duration, loadTime: Duration) async {
        _ = await command {
            let expiresAt = sim.clock.now.advanced(by: ttl)
            let evictedBefore = store.statistics.evictions
            store.set(key, CachedEntry(product: value, loadTime: loadTime, expiresAt: expiresAt), expiresAt: expiresAt, now: sim.clock.now)
            if store.statistics.evictions > evictedBefore { environment.metrics.count("cache.evictions") }
        }
    }

    /// DEL.
    func delete(_ key: Int) async {
        _ = await command { _ = store.removeValue(forKey: key) }
    }

    /// Whether message `id` was recorded as processed by consumer `group` (false also
    /// when the server did not answer: the message is then processed again).
    func wasProcessed(_ id: Int64, group: String) async -> Bool {
        await command { processed[group]?.contains(id, now: sim.clock.now) ?? false } ?? false
    }

    /// Records message `id` as processed by consumer `group`, whose window remembers
    /// `capacity` ids for at most `retention` each (lost when the server does not answer).
    func recordProcessed(_ id: Int64, group: String, capacity: Int, retention: Duration?) async {
        _ = await command {
            if processed[group] == nil {
                processed[group] = sim.configured("consumer group \(group)'s deduplication window", { () throws(ConfigurationError) in
                    try DeduplicationWindow(capacity: capacity, retention: retention)
                }, fallback: { try! DeduplicationWindow(capacity: 1) }) // `try!`: a capacity of 1 is valid.
            }
            processed[group]!.insert(id, now: sim.clock.now)
        }
    }

    /// FLUSHALL (a fault).
    func flush() {
        store.removeAll()
        processed.removeAll()
        environment.metrics.count("cache.flushes")
    }

    /// The server crashes: every entry is gone; commands go unanswered until it restarts.
    func crash() {
        guard server.crash() else { return }
        store.removeAll()
        processed.removeAll()
        environment.metrics.count("cache.crashes")
    }

    /// The server is back, empty.
    func restart() {
        if server.restart() { environment.metrics.count("cache.restarts") }
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

extension CacheServer {
    /// Declares every metric the cache server counts (`cache.<figure>`, see
    /// ``MetricVocabulary``): made on first use, during the run. Makes no metric.
    static func declare(in metrics: Metrics) {
        for figure in ["hits", "misses", "unanswered", "evictions", "flushes", "crashes", "restarts"] {
            metrics.declare(.counter, "cache.\(figure)")
        }
    }
}
