import SimKernel
import World

/// The world's infrastructure: the database server, the cache server, the broker, the lock
/// servers and the external dependencies. Built first — it needs no service — and handed,
/// piece by piece, to the services that use each part.
struct Infrastructure: @unchecked Sendable {
    let database: Database
    let cache: CacheServer
    let broker: Broker
    /// Every lock server, as the services' lock clients reach them.
    let locks: LockServers
    /// External dependencies by name.
    let dependencies: [String: ExternalDependency]

    /// Builds the servers `spec` describes; the database tells `orderBook` of every order
    /// created or moved.
    init(spec: WorldSpec, environment: InfrastructureEnvironment, orderBook: OrderBook) {
        database = Database(environment: environment, spec: spec.infrastructure.database, catalog: spec.catalog,
                            orderBook: orderBook)
        cache = CacheServer(environment: environment, spec: spec.infrastructure.cache)
        broker = Broker(environment: environment, spec: spec.infrastructure.broker)
        locks = LockServers(
            servers: (0..<spec.infrastructure.locks.instances).map {
                LockServer(environment: environment, spec: spec.infrastructure.locks, index: $0)
            },
            network: environment.network, sim: environment.sim, metrics: environment.metrics,
            timeout: spec.infrastructure.locks.timeout)
        var dependencies: [String: ExternalDependency] = [:]
        for name in spec.dependencies.keys.sorted() {
            dependencies[name] = ExternalDependency(environment: environment, name: name, spec: spec.dependencies[name]!)
        }
        self.dependencies = dependencies
        Self.declare(spec, in: environment.metrics.metrics)
    }

    /// Declares what the servers may record, made on first use during the run (see
    /// ``MetricVocabulary``): every part in a platform world, whose services use them all;
    /// in another world, only a part a fault crashes or flushes (nothing else uses it).
    private static func declare(_ spec: WorldSpec, in metrics: Metrics) {
        let struck = spec.faults.compactMap { fault -> String? in
            switch fault.kind {
            case .crash(let target, _): target
            case .cacheFlush: "cache"
            default: nil
            }
        }
        func used(_ part: String) -> Bool { spec.hasPlatform || struck.contains(part) }
        if used("database") { DatabaseMetrics.declare(in: metrics) }
        if used("cache") { CacheServer.declare(in: metrics) }
        if used("broker") { BrokerQueueMetrics.declare(in: metrics) }
        if used("locks") { LockServer.declare(in: metrics) }
        if spec.hasPlatform { for name in spec.dependencies.keys.sorted() { ExternalDependency.declare(name: name, in: metrics) } }
    }
}
