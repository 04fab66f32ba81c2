import Resilience
import SimKernel
import World

/// One running instance of a service: a worker pool (``WorkerPoolCore`` from
/// `Resilience`) in front of the service's work and logic.
///
/// The pool is elastic: it starts with `workers`, a queued job starts another worker (after
/// the start-up delay, while the job waits) up to `max_workers` — or an autoscale rule adds
/// workers — and a worker idle for `idle_timeout` above the core size retires. Gauge
/// `<service>.workers` counts the workers present.
///
/// Two kinds of job share the pool, and so its queue discipline, limits and metrics:
/// - **event-driven requests** (open-loop `request` journeys, the M/M/c world): no task at
///   all — the end of each request's work is an event on the world's timer queue;
/// - **calls** from other actors: each admitted call runs its handler (work, then the
///   role's logic, which may call other services, the database, the cache...) on a
///   handler task (``HandlerWorker``, from the world's ``HandlerPool``), holding its
///   worker until it answers.
///
/// An instance can crash (in-flight work is lost, its queue dropped, heartbeats stop, so
/// the registry keeps listing it until its registration expires), restart, and pause
/// (a GC-like stop: nothing progresses, requests pile up in its inbox).
///
/// Its parts, one file each:
/// - `ServiceInstance.swift`: its state, boot;
/// - `ServiceInstance+WorkerPool.swift`: workers, the queue and its discipline, start-up,
///   retirement and autoscaling;
/// - `ServiceInstance+Requests.swift`: event-driven requests (no task per request);
/// - `ServiceInstance+Calls.swift`: calls received, handled on a worker, answered;
/// - `ServiceInstance+Work.swift`: work time, draws and pauses, for the handlers and the logic;
/// - `ServiceInstance+Callers.swift`: calls this instance makes (one ``Caller`` per callee);
/// - `ServiceInstance+Lifecycle.swift`: crash, restart, pause;
/// - `ServiceInstance+Heartbeats.swift`: heartbeats to the registry;
/// - `InstanceEvent.swift`: the timer events of one life; `ServiceMetrics.swift`: its metrics.
actor ServiceInstance: SimEventHandler, Endpoint {
    enum Job: Sendable {
        case request(Request)
        /// A call, and when it reached the instance (the start of its wait).
        case call(Envelope, arrival: Int64)
    }

    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    /// The service time of a call or request (`spec.work`), and whether the instance
    /// sheds calls whose caller gave up (`spec.deadlines`): kept beside the state a call
    /// touches rather than read from the large `spec` (see ``hotLines``).
    let work: Distribution
    let honoursDeadlines: Bool
    /// What a call reaches after its work (the role's logic, the database pool, the
    /// clients of the services it calls), asked for when the call arrives (see
    /// ``Prefetch``): by addresses, since passing the references on would retain them, a
    /// write to the very line a prefetch is for.
    @exclusivity(unchecked) var arrivalRegions = Prefetch.Regions()

    /// "order#0".
    nonisolated let name: String
    /// "order".
    nonisolated let service: String
    let index: Int
    /// What the instance uses from its world.
    let environment: InstanceEnvironment
    @exclusivity(unchecked) var pool: WorkerPoolCore<Job, VirtualClock.Instant>
    /// The autoscaler's decisions (nil without an autoscale rule); a new life starts afresh.
    @exclusivity(unchecked) var autoscaler: WorkerPoolAutoscaler<VirtualClock.Instant>?
    /// Base of this service's work-time streams: a request's or call's service time is
    /// keyed by the request (its key), whichever instance serves it.
    let workDraws: UInt64
    let metrics: ServiceMetrics
    @exclusivity(unchecked) var inService: [Request] = []
    @exclusivity(unchecked) var free: [Int] = []
    let traceSource: TraceName
    nonisolated var traceName: TraceName { traceSource }
    /// The world's trace names (interned once).
    let traceNames: TraceVocabulary
    /// Workers freed by shedding expired calls and not yet given their next job.
    @exclusivity(unchecked) var shedWorkers = 0
    /// Told when a request leaves the instance (for least-outstanding balancing).
    unowned(unsafe) let owner: Service

    /// Incremented on every crash: work of an earlier life is dropped.
    @exclusivity(unchecked) var epoch = 0
    @exclusivity(unchecked) var isUp = true
    var pausedUntil: Int64?
    /// Calls that arrived during a pause (with their arrival instants: the pause counts
    /// as waiting), and tasks waiting for the pause to end.
    var inbox: [(envelope: Envelope, arrival: Int64)] = []
    var pauseWaiters: [UnsafeContinuation<Void, Never>] = []
    /// The role's logic (nil for generic services).
    private(set) var logic: (any RoleLogic)?
    /// Client-side state per callee (breakers, budgets).
    var callers = CallerTable()
    /// Connection pool to the database (services that use it).
    private(set) var databasePool: DatabasePool?
    // Last, so the state a call touches is not spread across the lines of this large
    // value (the order of stored properties is their order in memory, and a big world's
    // instances are cold).
    let spec: ServiceSpec
    /// Builds the role's logic at each boot.
    private let logicFactory: RoleLogicFactory
    /// The state a call's arrival touches: every stored property above `spec`, the
    /// object's first 1,016 bytes, which span 17 cache lines wherever `malloc` places it
    /// (the balancer asks for them a pick ahead, ``Service/pickListed()``). Measured, not
    /// derived (Swift gives no offsets of a class's stored properties; `databasePool`, the
    /// last of them, was at byte 1,008 by its address): a property added above `spec`
    /// may need a line more.
    nonisolated static let hotLines = 18

    init(spec: ServiceSpec, index: Int, metrics: ServiceMetrics, owner: Service, environment: InstanceEnvironment,
         logic: RoleLogicFactory) {
        sim = environment.sim
        self.environment = environment
        logicFactory = logic
        self.spec = spec
        work = spec.work
        honoursDeadlines = spec.deadlines == .honour
        self.index = index
        service = spec.name
        name = "\(spec.name)#\(index)"
        pool = WorkerPoolCore(environment.sim.configured("\(spec.name)'s worker pool", spec.workerPoolConfiguration, fallback: {
            try! WorkerPoolConfiguration(workers: 1) // `try!`: one worker is valid.
        }), at: VirtualClock.Instant(nanoseconds: environment.sim.executor.now))
        workDraws = StableHash.of(spec.name)
        self.metrics = metrics
        self.owner = owner
        traceSource = sim.trace.name(name)
        traceNames = sim.traceNames
    }

    /// Starts the instance: logic, database pool, heartbeats.
    func boot() {
        isUp = true
        startPool()
        environment.registry.heartbeat(name)
        if environment.heartbeats { scheduleHeartbeat() }
        if spec.role != .generic {
            databasePool = DatabasePool(instance: name, spec: spec.database, database: environment.database, metrics: environment.metrics, sim: sim)
            databasePool?.start()
            let logic = logicFactory.make(for: spec, instance: self)
            self.logic = logic
            logic?.start()
        }
        listArrivalRegions()
    }

    /// Lists what a call reaches after its arrival (``arrivalRegions``): again whenever
    /// one of those objects is made.
    func listArrivalRegions() {
        var regions = Prefetch.Regions()
        if let logic { regions.add(logic, lines: 8) }
        if let databasePool, spec.role.usesDatabaseOnEveryCall { regions.add(contentsOf: databasePool.regions) }
        callers.list(into: &regions)
        arrivalRegions = regions
    }

    /// The pool's instant.
    var now: VirtualClock.Instant { VirtualClock.Instant(nanoseconds: sim.executor.now) }

    /// Requests waiting or in service here.
    var outstanding: Int { pool.busy + pool.queued }
}

extension ServiceRole {
    /// Whether this role's logic checks out a database connection for nearly every call
    /// it handles, so an arriving call asks for the pool ahead (``ServiceInstance/arrivalRegions``).
    fileprivate var usesDatabaseOnEveryCall: Bool {
        switch self {
        case .order, .inventory, .payment, .dispatch: true
        case .gateway, .auth, .menu, .notification, .generic: false
        }
    }
}
