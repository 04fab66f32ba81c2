import Resilience
import SimKernel
import World

/// The menu/product service: cache-aside over the database, with the defences the
/// documents discuss, all from `Resilience` — TTL jitter (``TTLJitter``), single-flight
/// rebuilds (the flights of a ``CacheAsideState``), negative caching, probabilistic early
/// refresh (``EarlyRefresh``, XFetch), a ``BloomFilter`` of existing ids, and, when a local
/// cache is configured, a ``TwoLevelCache`` (local level in front of the cache server).
///
/// Every database load goes through the instance's connection pool and costs a read.
final class MenuLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private typealias Waiter = UnsafeContinuation<Result<CachedProduct, Failure>, Never>

    private let options: MenuOptions
    private var bloom: BloomFilter<Int>?
    /// Without a local cache: the cache server is the only store, and this pure core holds
    /// only the loads in flight (capacity 0 and zero TTLs: it caches nothing itself).
    private var flights: CacheAsideState<Int, CachedProduct, VirtualClock.Instant, Waiter>
    /// With a local cache: the library's two-level cache over the cache server.
    private let twoLevel: TwoLevelCache<CacheServer, VirtualClock>?
    private let jitter: TTLJitter
    private let earlyRefresh: EarlyRefresh?
    private var random: RandomStream
    private let metrics: Counters
    /// The two-level cache's counters already published as metrics.
    private var published = CacheAsideStatistics()

    /// Every counter of ``Counters``, declared when the world is built (``LogicFigures``).
    static let figures = LogicFigures(counters: ["bloom_rejected", "local_cache.hits", "local_cache.misses", "coalesced",
                                                 "database_loads", "penetrating", "early_refreshes"])
    /// The service's counters, made once.
    private struct Counters {
        let bloomRejected, localHits, localMisses, coalesced, databaseLoads, penetrating, earlyRefreshes: CounterMetric
        init(_ metrics: LogicMetrics) {
            bloomRejected = metrics.counter("bloom_rejected")
            localHits = metrics.counter("local_cache.hits")
            localMisses = metrics.counter("local_cache.misses")
            coalesced = metrics.counter("coalesced")
            databaseLoads = metrics.counter("database_loads")
            penetrating = metrics.counter("penetrating")
            earlyRefreshes = metrics.counter("early_refreshes")
        }
    }

    /// The cache server (Redis) in front of the database.
    private let cache: CacheServer
    /// Items in the catalog (ids 0..<catalogItems exist).
    private let catalogItems: Int

    init(instance: ServiceInstance, options: MenuOptions, environment: LogicEnvironment, cache: CacheServer, catalogItems: Int) {
        self.options = options
        self.cache = cache
        self.catalogItems = catalogItems
        random = environment.sim.random("\(instance.name).menu")
        jitter = .below(options.ttlJitter)
        earlyRefresh = options.earlyRefresh.map { EarlyRefresh(beta: $0) }
        // `try!`: constant, valid arguments (only the flights are used, no entries kept).
        flights = CacheAsideState(try! .init(capacity: 0, ttl: .zero, negativeTTL: .zero, jitter: .none))
        metrics = Counters(LogicMetrics(service: instance.service, metrics: environment.metrics))
        if let local = options.localCache, let configuration = environment.sim.configured("\(instance.name)'s local cache", { () throws(ConfigurationError) in
            try TwoLevelCache<CacheServer, VirtualClock>.Configuration(localCapacity: local.capacity, localTTL: local.ttl,
                      localNegativeTTL: options.negativeTTL.map { min($0, local.ttl) } ?? .zero,
                      localJitter: .none, remoteTTL: options.cacheTTL, remoteJitter: .below(options.ttlJitter),
                      remoteFailure: .fallThrough, localEarlyRefresh: options.earlyRefresh.map { EarlyRefresh(beta: $0) })
        }, fallback: { nil }) {
            twoLevel = TwoLevelCache(
                configuration, remote: cache, clock: environment.sim.clock,
                random: environment.sim.random("\(instance.name).menu.local"))
        } else {
            twoLevel = nil
        }
        super.init(instance: instance, environment: environment)
        if options.bloomFilter {
            let items = catalogItems
            let rate = options.bloomFalsePositiveRate
            if var filter = sim.configured("\(instance.name)'s Bloom filter", { () throws(ConfigurationError) in
                try BloomFilter<Int>(expectedCount: max(items, 1), falsePositiveRate: rate)
            }, fallback: { nil }) {
                for item in 0..<items { _ = filter.insert(item) }
                bloom = filter
            }
        }
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .product(let item) = call else { await misrouted(call, from: caller) }
        if let bloom, !bloom.mightContain(item) {
            metrics.bloomRejected.add()
            return .success(.product(found: false))
        }
        let product = twoLevel != nil ? await readTwoLevel(item) : await readCacheAside(item)
        return product.map { .product(found: $0 == .found) }
    }

    // MARK: Cache-aside over the cache server

    /// The cache server, else one load per item at a time (or one per caller without
    /// single-flight). A hit near its expiry may refresh the entry early (XFetch).
    private func readCacheAside(_ item: Int) async -> Result<CachedProduct, Failure> {
        if let entry = await cache.entry(item) {
            if let earlyRefresh, entry.product == .found,
               earlyRefresh.shouldRefresh(now: sim.clock.now, expiresAt: entry.expiresAt,
                                          recomputeTime: entry.loadTime, using: &random) {
                metrics.earlyRefreshes.add()
                // The refresh answers this caller; if it fails, the entry is still live.
                if case .success(let product) = await loadOnce(item) { return .success(product) }
            }
            return .success(entry.product)
        }
        return options.singleFlight ? await loadOnce(item) : await load(item)
    }

    /// One database load per item at a time: later callers join the load in flight.
    private func loadOnce(_ item: Int) async -> Result<CachedProduct, Failure> {
        switch flights.begin(item, at: sim.clock.now, using: &random) {
        case .lead(let flight, _):
            return await lead(flight, item)
        case .mustWait, .joined:
            break
        case .hit, .cancelled:
            // The flights store nothing (capacity 0) and no caller here is cancelled.
            preconditionFailure("the menu's flights answered from a store they do not have")
        }
        metrics.coalesced.add()
        let id = flights.makeWaiterID()
        return await withUnsafeContinuation { (waiter: Waiter) in
            if case .lead = flights.begin(item, at: sim.clock.now, waiter: (id, waiter), using: &random) {
                preconditionFailure("the load in flight ended while a caller joined it")
            }
        }
    }

    /// Runs the load of `flight` and hands its result to the callers that joined it.
    private func lead(_ flight: CacheAsideFlight, _ item: Int) async -> Result<CachedProduct, Failure> {
        let started = sim.clock.now
        let result = await load(item)
        switch result {
        case .success(let product):
            for waiter in flights.complete(flight, value: product, startedAt: started, at: sim.clock.now, using: &random) {
                waiter.resume(returning: result)
            }
        case .failure:
            if case .fail(let waiters) = flights.fail(flight, leaderCancelled: false, at: sim.clock.now) {
                for waiter in waiters { waiter.resume(returning: result) }
            }
        }
        return result
    }

    /// Reads the product from the database and fills the cache server: a product for the
    /// jittered TTL, an absence for the jittered negative TTL (or not at all).
    private func load(_ item: Int) async -> Result<CachedProduct, Failure> {
        let started = sim.clock.now
        let read = await readDatabase(item)
        guard case .success(let product) = read else { return read }
        let loadTime = started.duration(to: sim.clock.now)
        if product == .found {
            await cache.set(item, .found, ttl: jitter.apply(to: options.cacheTTL, using: &random), loadTime: loadTime)
        } else if let negative = options.negativeTTL {
            await cache.set(item, .absent, ttl: jitter.apply(to: negative, using: &random), loadTime: loadTime)
        } else {
            metrics.penetrating.add()
        }
        return read
    }

    /// One read statement on a pooled connection.
    private func readDatabase(_ item: Int) async -> Result<CachedProduct, Failure> {
        metrics.databaseLoads.add()
        let read = await withDatabase { database in await database.execute(.read) }
        guard case .success = read else { return .failure(read.failure!) }
        return .success(item >= 0 && item < catalogItems ? .found : .absent)
    }

    // MARK: Local cache in front of the cache server

    /// The two-level cache: local level, then the cache server, then the database (an
    /// absence is cached only locally, for the negative TTL).
    private func readTwoLevel(_ item: Int) async -> Result<CachedProduct, Failure> {
        guard let twoLevel else { return .failure(.error) }
        defer { publish(twoLevel.statistics.local) }
        do {
            let product = try await twoLevel.get(item) { [self] () async throws(Failure) -> CachedProduct? in
                let read = await readDatabase(item)
                guard case .success(let product) = read else { throw read.failure! }
                if product == .absent {
                    if options.negativeTTL == nil { metrics.penetrating.add() }
                    return nil
                }
                return product
            }
            return .success(product ?? .absent)
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.error)
        }
    }

    /// Adds what the local level counted since the last call to the service's metrics.
    private func publish(_ statistics: CacheAsideStatistics) {
        metrics.localHits.add(Int64(statistics.hits + statistics.negativeHits - published.hits - published.negativeHits))
        metrics.localMisses.add(Int64(statistics.misses - published.misses))
        metrics.coalesced.add(Int64(statistics.coalesced - published.coalesced))
        metrics.earlyRefreshes.add(Int64(statistics.earlyRefreshes - published.earlyRefreshes))
        published = statistics
    }
}
