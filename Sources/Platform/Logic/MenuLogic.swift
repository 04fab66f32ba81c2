import Resilience
import SimKernel
import World

/// The menu/product service: cache-aside over the database, with the defences the
/// documents discuss — TTL jitter, single-flight rebuilds, negative caching, a Bloom
/// filter of existing ids, and a local cache in front of the cache server.
final class MenuLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: MenuOptions
    private var bloom: BloomFilter<Int>?
    private var local: TTLCache<Int, CachedProduct, VirtualClock.Instant>?
    private var random: RandomStream
    /// Loads in flight per item (single-flight): the callers waiting for each.
    private var loading: [Int: [UnsafeContinuation<Result<CachedProduct, Failure>, Never>]] = [:]

    init(instance: ServiceInstance, options: MenuOptions) {
        self.options = options
        random = instance.platform.sim.random("\(instance.name).menu")
        super.init(instance: instance)
        if options.bloomFilter {
            let items = platform.spec.catalog.items
            var filter = BloomFilter<Int>(expectedCount: max(items, 1), falsePositiveRate: 0.001)
            for item in 0..<items { _ = filter.insert(item) }
            bloom = filter
        }
        if let spec = options.localCache {
            local = TTLCache(capacity: spec.capacity, defaultTTL: spec.ttl)
        }
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .product(let item) = call else { await misrouted(call, from: caller) }
        if let bloom, !bloom.mightContain(item) {
            platform.metrics.count("\(service).bloom_rejected")
            return .success(.product(found: false))
        }
        if local != nil, let hit = local!.get(item, now: sim.clock.now) {
            platform.metrics.count("\(service).local_cache.hits")
            return .success(.product(found: hit == .found))
        }
        if local != nil { platform.metrics.count("\(service).local_cache.misses") }
        if let cached = await platform.cache.get(item) {
            remember(item, cached)
            return .success(.product(found: cached == .found))
        }
        let loaded = options.singleFlight ? await loadOnce(item) : await load(item)
        switch loaded {
        case .success(let product): return .success(.product(found: product == .found))
        case .failure(let failure): return .failure(failure)
        }
    }

    /// One database load per item at a time; later callers wait for its result.
    private func loadOnce(_ item: Int) async -> Result<CachedProduct, Failure> {
        if loading[item] != nil {
            platform.metrics.count("\(service).coalesced")
            return await withUnsafeContinuation { loading[item]!.append($0) }
        }
        loading[item] = []
        let result = await load(item)
        let waiters = loading.removeValue(forKey: item) ?? []
        for waiter in waiters { waiter.resume(returning: result) }
        return result
    }

    /// Reads the product from the database and fills the caches.
    private func load(_ item: Int) async -> Result<CachedProduct, Failure> {
        platform.metrics.count("\(service).database_loads")
        let read = await withDatabase { database in await database.execute(.read) }
        guard case .success = read else { return .failure(read.failure!) }
        let product: CachedProduct = item >= 0 && item < platform.spec.catalog.items ? .found : .absent
        if product == .found {
            let ttl = jittered(options.cacheTTL)
            await platform.cache.set(item, .found, ttl: ttl)
        } else if let negative = options.negativeTTL {
            await platform.cache.set(item, .absent, ttl: jittered(negative))
        } else {
            platform.metrics.count("\(service).penetrating")
        }
        remember(item, product)
        return .success(product)
    }

    private func remember(_ item: Int, _ product: CachedProduct) {
        guard local != nil else { return }
        if product == .absent && options.negativeTTL == nil { return }
        local!.set(item, product, now: sim.clock.now, using: &random)
    }

    private func jittered(_ ttl: Duration) -> Duration {
        let cut = options.ttlJitter * random.nextUnit()
        return .nanoseconds(Int64(Double(ttl.nanoseconds) * (1 - cut)))
    }
}
