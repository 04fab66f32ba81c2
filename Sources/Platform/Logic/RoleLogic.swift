import Resilience
import SimKernel
import World

/// What an instance of a service does with a call: the service's business logic.
///
/// Implementations are world-confined classes owned by one ``ServiceInstance``; their
/// methods run in the instance's handler tasks, on the world's executor, so they use the
/// instance's helpers (calls with policies, the database pool, work, pauses).
protocol RoleLogic: AnyObject, Sendable {
    /// Handles one call on a worker.
    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure>
    /// Starts background work (consumers, relays) when the instance boots.
    func start()
    /// Stops it (the instance crashed).
    func stop()
    /// Cancels every background task the instance started (the instance crashed: its
    /// in-memory loops — retries, watchers, callbacks — die with the process).
    func cancelBackground()
}

extension RoleLogic {
    func start() {}
    func stop() {}
}

/// Shared helpers for the logics.
class LogicBase: @unchecked Sendable {
    /// The instance that owns this logic (and outlives it).
    unowned(unsafe) let instance: ServiceInstance
    /// What every logic uses from its world.
    let environment: LogicEnvironment
    let service: String
    /// The service's metrics, as handles (see ``LogicMetrics``).
    let logicMetrics: LogicMetrics

    init(instance: ServiceInstance, environment: LogicEnvironment) {
        self.instance = instance
        self.environment = environment
        service = instance.service
        logicMetrics = LogicMetrics(service: instance.service, metrics: environment.metrics)
    }

    var sim: Simulation { environment.sim }
    var now: Int64 { sim.executor.now }

    /// The name of the service playing `role`.
    func serviceName(_ role: ServiceRole) -> String {
        environment.roles[role]
    }

    /// Calls the service playing `role` with this service's policy for it.
    func call(_ role: ServiceRole, _ call: Call) async -> Result<Reply, Failure> {
        await instance.call(serviceName(role), call)
    }

    /// Runs database statements on a pooled connection: each statement a call on the
    /// session (see ``DatabaseSession``); the connection is held until `body` returns.
    func withConnection<T: Sendable>(_ body: (DatabaseSession) async -> T) async -> Result<T, Failure> {
        guard let pool = await instance.databasePool else { return .failure(.error) }
        return await pool.withConnection(body)
    }

    /// Runs server statements (``Database/execute(_:)``, the stock statements) on a pooled
    /// connection.
    func withDatabase<T: Sendable>(_ body: (Database) async -> T) async -> Result<T, Failure> {
        await withConnection { session in await body(session.database) }
    }

    /// Runs `body` as keyed work of this service (as a handler serving a message is): its
    /// random draws come from streams keyed by `key` (common random numbers: not from a
    /// stream shared with whatever else runs at the same instant), and infrastructure
    /// partitions from this service reach it. For background work — a consumed message, a
    /// periodic tick — whose key is stable across runs.
    func keyed<T>(_ key: UInt64, _ body: () async -> T) async -> T {
        await WorkOrigin.$current.withValue(WorkOrigin(key: key, service: service)) { await body() }
    }

    /// A key for a periodic chore's tick on this instance: the chore and the instant.
    func tickKey(_ chore: String) -> UInt64 {
        StableHash.combine(StableHash.of("\(instance.name).\(chore)"), UInt64(bitPattern: now))
    }

    /// A call this logic does not handle reached it: a programming error that stops the
    /// run. (``CallRouter/send(from:to:_:timeout:)`` already stops such calls before
    /// they travel; this is the logic's own line of defence.)
    func misrouted(_ call: Call, from caller: String) async -> Never {
        await sim.misrouted("\(caller) sent \(call.label) to \(instance.name), whose logic does not handle it")
    }

    /// Counts a refusal by reason.
    func reject(_ failure: Failure) -> Result<Reply, Failure> {
        logicMetrics.rejected(failure).add()
        return .failure(failure)
    }

    /// Starts a daemon task belonging to this instance; a `chore`'s sleeps never keep the
    /// world alive (a periodic relay).
    ///
    /// After ``cancelBackground()`` (the instance crashed) a handler still unwinding may
    /// ask for another task: it gets one that is cancelled before it starts.
    @discardableResult
    func background(_ name: String, chore: Bool = false, _ body: sending @escaping () async -> Void) -> Task<Void, Never> {
        nextBackground += 1
        let id = nextBackground
        let task = sim.spawn("\(instance.name).\(name)", daemon: true, background: chore) { [self] in
            // Background work outlives the call that started it: not bound by its deadline.
            await TaskDeadline.withoutDeadline(body)
            running[id] = nil
        }
        if crashed {
            task.cancel()
        } else {
            running[id] = task
        }
        return task
    }

    func cancelBackground() {
        crashed = true
        // In start order, so the cancellations (and what they wake) are deterministic.
        let tasks = running.sorted { $0.key < $1.key }
        running.removeAll()
        for (_, task) in tasks { task.cancel() }
    }

    /// Background tasks still running, by start number (world-confined).
    private var running: [UInt64: Task<Void, Never>] = [:]
    private var nextBackground: UInt64 = 0
    /// Set once the instance crashed: this logic starts nothing more.
    private(set) var crashed = false
}
