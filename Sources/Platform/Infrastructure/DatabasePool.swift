import Resilience
import SimKernel
import World

/// A service instance's connection pool to the database: the `Resilience`
/// ``ConnectionPool`` (Go database/sql and HikariCP semantics) with connections opened on
/// the simulated database server.
///
/// World-confined: only the world's thread touches it.
final class DatabasePool: @unchecked Sendable {
    let instance: String
    let service: String
    private let pool: ConnectionPool<Int, VirtualClock>
    private let database: Database
    private let metrics: PlatformMetrics
    private let sim: Simulation
    private var runner: Task<Void, Never>?
    private let traceNames: TraceVocabulary
    private let traceSource: TraceName
    /// What a statement's checkout touches first: this object and the library's pool.
    private(set) var regions = Prefetch.Regions()

    init(instance: String, spec: ConnectionPoolSpec, database: Database, metrics: PlatformMetrics, sim: Simulation) {
        self.instance = instance
        service = String(instance.split(separator: "#").first ?? "")
        self.database = database
        self.metrics = metrics
        self.sim = sim
        traceNames = sim.traceNames
        traceSource = sim.trace.name(instance)
        let leakCounter = "\(service).db.leaks"
        let configuration = sim.configured("\(instance)'s connection pool", { () throws(ConfigurationError) in
            try ConnectionPoolConfiguration(
                maxOpen: spec.maxOpen, maxIdle: min(spec.maxIdle, spec.maxOpen == 0 ? spec.maxIdle : spec.maxOpen),
                maxLifetime: spec.maxLifetime, idleTimeout: spec.idleTimeout, acquireTimeout: spec.acquireTimeout,
                leakDetectionThreshold: spec.leakThreshold, queueDiscipline: spec.queueDiscipline.discipline())
        }, fallback: { try! ConnectionPoolConfiguration() }) // `try!`: the defaults are valid.
        pool = ConnectionPool(
            configuration,
            clock: sim.clock,
            open: { try await database.connect() },
            close: { connection in await database.disconnect(connection) },
            onLeak: { _ in metrics.count(leakCounter) })
        // Reported even when zero: "no statement waited out its connection" is a finding.
        _ = timedOut
        regions.add(self, lines: 2)
        regions.add(pool, lines: 15)
    }

    /// Runs the pool's background work (opens, closes, housekeeping) as a daemon task.
    func start() {
        let pool = self.pool
        // Housekeeping is a background chore; opening a connection for a waiting caller
        // is not (see Database.connect).
        runner = sim.spawn("\(instance).db-pool", daemon: true, background: true) { await pool.run() }
    }

    /// Stops the pool (the instance crashed).
    func stop() {
        pool.shutdown()
        runner?.cancel()
    }

    /// Runs `body` with a connection — a ``DatabaseSession``, through which every statement
    /// reaches the tables — recording the wait; fails with `.poolTimeout` when none frees
    /// within the acquire timeout, and with `.shed` when the pool's CoDel queue drops the
    /// caller. The connection is held until `body` returns.
    func withConnection<T: Sendable>(_ body: (DatabaseSession) async -> T) async -> Result<T, Failure> {
        let started = sim.executor.now
        let lease: ConnectionLease<Int, VirtualClock.Instant>
        do {
            lease = try await pool.acquire()
        } catch {
            waits.record(sim.executor.now - started)
            // A CoDel queue dropping the caller is overload shedding, not a timeout:
            // counted and answered as the worker pool's drops are.
            if case .shed = error {
                shedByDiscipline.add()
                sim.trace.record(traceNames.poolRefused, traceSource, sim.executor.now - started, detail: traceNames.outcome(.shed))
                return .failure(.shed)
            }
            timedOut.add()
            sim.trace.record(traceNames.poolRefused, traceSource, sim.executor.now - started, detail: traceNames.outcome(.poolTimeout))
            return .failure(.poolTimeout)
        }
        waits.record(sim.executor.now - started)
        sim.trace.record(traceNames.poolGrant, traceSource, sim.executor.now - started, Int64(lease.connection))
        inUse.add(1)
        let value = await body(DatabaseSession(database: database, lease: lease))
        inUse.add(-1)
        _ = pool.release(lease)
        return .success(value)
    }

    /// `<service>.db.wait` and `<service>.db.in_use`, `<service>.rejected.pool_timeout`
    /// and `.codel`: handles with their descriptors, made once (every statement of the
    /// service checks a connection out).
    private lazy var waits = metrics.metrics.histogram(
        "\(service).db.wait", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: service, figure: "db.wait"))
    private lazy var inUse = metrics.metrics.gauge(
        "\(service).db.in_use", describedAs: MetricDescriptor(.gauge, unit: .count, service: service, figure: "db.in_use"))
    private lazy var timedOut = rejected("pool_timeout")
    private lazy var shedByDiscipline = rejected("codel")

    /// Declares every metric the pools of `service`'s instances may make (see
    /// ``MetricVocabulary``), before the world runs: pools are made when instances boot.
    /// Its refusals (`rejected.pool_timeout`, `.codel`) are the service's own, declared
    /// with it. Makes no metric.
    static func declare(service: String, in metrics: Metrics) {
        metrics.declare(.histogram, "\(service).db.wait")
        metrics.declare(.gauge, "\(service).db.in_use")
        metrics.declare(.counter, "\(service).db.leaks")
    }

    private func rejected(_ reason: String) -> CounterMetric {
        metrics.metrics.counter("\(service).rejected.\(reason)",
                                describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: "rejected", reason: reason))
    }
}
