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
///   role's logic, which may call other services, the database, the cache...) in a task
///   of its own, holding its worker until it answers.
///
/// An instance can crash (in-flight work is lost, its queue dropped, heartbeats stop, so
/// the registry keeps listing it until its registration expires), restart, and pause
/// (a GC-like stop: nothing progresses, requests pile up in its inbox).
actor ServiceInstance: SimEventHandler, Endpoint {
    enum Job: Sendable {
        case request(Request)
        /// A call, and when it reached the instance (the start of its wait).
        case call(Envelope, arrival: Int64)
    }

    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// "order#0".
    nonisolated let name: String
    /// "order".
    nonisolated let service: String
    let index: Int
    let spec: ServiceSpec
    /// What the instance uses from its world.
    let environment: InstanceEnvironment
    /// Builds the role's logic at each boot.
    private let logicFactory: RoleLogicFactory
    @exclusivity(unchecked) private var pool: WorkerPoolCore<Job, VirtualClock.Instant>
    /// The autoscaler's decisions (nil without an autoscale rule); a new life starts afresh.
    @exclusivity(unchecked) private var autoscaler: WorkerPoolAutoscaler<VirtualClock.Instant>?
    /// Base of this service's work-time streams: a request's or call's service time is
    /// keyed by the request (its key), whichever instance serves it.
    private let workDraws: UInt64
    private let metrics: ServiceMetrics
    @exclusivity(unchecked) private var inService: [Request] = []
    @exclusivity(unchecked) private var free: [Int] = []
    private let traceSource: TraceName
    private let traceStart: TraceName
    private let traceDone: TraceName
    private let traceRejected: TraceName
    private let traceExpired: TraceName
    /// Workers freed by shedding expired calls and not yet given their next job.
    @exclusivity(unchecked) private var shedWorkers = 0
    /// Told when a request leaves the instance (for least-outstanding balancing).
    private unowned(unsafe) let owner: Service

    /// Handler tasks running, by call id (cancelled on a crash).
    private var handlers: [UInt64: Task<Void, Never>] = [:]
    /// Incremented on every crash: work of an earlier life is dropped.
    @exclusivity(unchecked) private(set) var epoch = 0
    @exclusivity(unchecked) private(set) var isUp = true
    private var pausedUntil: Int64?
    /// Calls that arrived during a pause (with their arrival instants: the pause counts
    /// as waiting), and tasks waiting for the pause to end.
    private var inbox: [(envelope: Envelope, arrival: Int64)] = []
    private var pauseWaiters: [UnsafeContinuation<Void, Never>] = []
    /// The role's logic (nil for generic services).
    private(set) var logic: (any RoleLogic)?
    /// Client-side state per callee (breakers, budgets).
    private var callers: [String: Caller] = [:]
    /// Connection pool to the database (services that use it).
    private(set) var databasePool: DatabasePool?

    init(spec: ServiceSpec, index: Int, metrics: ServiceMetrics, owner: Service, environment: InstanceEnvironment,
         logic: RoleLogicFactory) {
        sim = environment.sim
        self.environment = environment
        logicFactory = logic
        self.spec = spec
        self.index = index
        service = spec.name
        name = "\(spec.name)#\(index)"
        pool = WorkerPoolCore(spec.workerPoolConfiguration, at: VirtualClock.Instant(nanoseconds: environment.sim.executor.now))
        workDraws = StableHash.of(spec.name)
        self.metrics = metrics
        self.owner = owner
        traceSource = sim.trace.name(name)
        traceStart = sim.trace.name("start")
        traceDone = sim.trace.name("done")
        traceRejected = sim.trace.name("rejected")
        traceExpired = sim.trace.name("expired")
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
    }

    // MARK: The worker pool

    /// The pool's instant.
    private var now: VirtualClock.Instant { VirtualClock.Instant(nanoseconds: sim.executor.now) }

    /// A new life's pool: its core workers are present, and the autoscaler looks every
    /// period.
    private func startPool() {
        metrics.workers.add(Double(pool.workers))
        guard let rule = spec.autoscale?.rule else { return }
        autoscaler = WorkerPoolAutoscaler(rule)
        scheduleAutoscale(after: rule.every)
    }

    /// Offers `job` to the pool now: starts a worker if the pool asked for one, and fails
    /// the jobs its discipline shed.
    private func offer(_ job: Job) -> WorkerPoolCore<Job, VirtualClock.Instant>.Admission {
        let admission = pool.offer(job, at: now)
        switch admission {
        case .start(_, let newWorker):
            if newWorker { workerAdded() }
        case .queued(let startingWorker):
            if startingWorker { scheduleWorkerStart() }
        case .rejected:
            break
        }
        if pool.hasShed { failShed() }
        return admission
    }

    /// A worker finished a job: the next queued job, or the worker goes idle.
    private func workerFreed() {
        if let next = pool.finish(at: now) {
            metrics.queue.add(-1)
            begin(next, workerWasBusy: true)
        } else {
            metrics.busy.add(-1)
            scheduleRetirement()
        }
        if pool.hasShed { failShed() }
    }

    /// A worker the pool asked for will be ready after the start-up delay.
    private func scheduleWorkerStart() {
        sim.executor.schedule(at: sim.executor.now &+ pool.configuration.startupDelay.nanoseconds,
                              InstanceEvent(.workerStart, instance: self, epoch: epoch), SimEvent(0))
    }

    fileprivate func workerStarted(epoch: Int) {
        guard epoch == self.epoch else { return } // started for a life that crashed
        workerAdded()
        if let job = pool.workerStarted(at: now) {
            metrics.queue.add(-1)
            begin(job)
        } else {
            scheduleRetirement()
        }
        if pool.hasShed { failShed() }
    }

    private func workerAdded() {
        metrics.workers.add(1)
        metrics.workersStarted?.add()
    }

    /// A worker went idle: if the pool is above its core size, look again when the idle
    /// timeout has passed (a background chore: it keeps no world alive).
    private func scheduleRetirement() {
        guard pool.workers > pool.configuration.workers else { return }
        sim.executor.schedule(at: sim.executor.now &+ pool.configuration.idleTimeout.nanoseconds,
                              InstanceEvent(.retire, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    fileprivate func retireIdleWorkers(epoch: Int) {
        guard epoch == self.epoch else { return }
        while pool.retireIdleWorker(at: now) {
            metrics.workers.add(-1)
            metrics.workersRetired?.add()
        }
    }

    private func scheduleAutoscale(after period: Duration) {
        sim.executor.schedule(at: sim.executor.now &+ period.nanoseconds,
                              InstanceEvent(.autoscale, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    /// The autoscaler's periodic look at this instance's queue and utilisation.
    fileprivate func autoscale(epoch: Int) {
        guard epoch == self.epoch, isUp, var autoscaler else { return }
        let wanted = autoscaler.workersToAdd(pool.load(at: now))
        self.autoscaler = autoscaler
        let added = pool.addWorkers(wanted, at: now)
        if added > 0 { metrics.scaleUps?.add() }
        for _ in 0..<added { scheduleWorkerStart() }
        scheduleAutoscale(after: autoscaler.rule.every)
    }

    /// Fails the jobs the queue discipline shed: each is a rejection (`rejected.codel`),
    /// answered as a failure to its caller.
    private func failShed() {
        for job in pool.takeShed() {
            metrics.queue.add(-1)
            metrics.rejectedCoDel?.add()
            switch job {
            case .request(let request):
                sim.trace.record(traceRejected, traceSource, request.id)
                owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
            case .call(let envelope, _):
                sim.trace.record(traceRejected, traceSource, Int64(envelope.id))
                environment.network.reply(envelope.id, from: service, to: envelope.from, .failure(.shed))
            }
        }
    }

    // MARK: Event-driven requests (open-loop journeys)

    /// A request arrives: a free worker takes it, or it queues, or the full queue refuses
    /// it. Returns false when refused.
    @discardableResult
    func accept(_ request: Request) -> Bool {
        metrics.requests.add()
        guard isUp else { return false }
        switch offer(.request(request)) {
        case .start(let job, _):
            begin(job)
            return true
        case .queued:
            metrics.queue.add(1)
            return true
        case .rejected:
            metrics.rejectedQueueFull.add()
            sim.trace.record(traceRejected, traceSource, request.id)
            return false
        }
    }

    private func begin(_ job: Job, workerWasBusy: Bool = false) {
        if !workerWasBusy { metrics.busy.add(1) }
        switch job {
        case .request(let request): startRequest(request)
        case .call(let envelope, let arrival): startCall(envelope, arrival: arrival)
        }
    }

    private func startRequest(_ request: Request) {
        let now = sim.executor.now
        let waited = now - request.arrival
        metrics.wait.record(waited)
        if waited > 0 { metrics.waited.add() }
        sim.trace.record(traceStart, traceSource, request.id)
        let duration = workTime(key: UInt64(bitPattern: request.id)) &+ environment.faults.extraLatency(service)
        metrics.service.record(duration)
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            inService[slot] = request
        } else {
            slot = inService.count
            inService.append(request)
        }
        sim.executor.schedule(at: now &+ duration, self, SimEvent(Int32(epoch), Int64(slot)))
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(event) { instance, event in instance.finishRequest(slot: Int(event.value), epoch: Int(event.code)) }
    }

    private func finishRequest(slot: Int, epoch: Int) {
        guard epoch == self.epoch else { return }
        let request = inService[slot]
        free.append(slot)
        metrics.latency.record(sim.executor.now - request.arrival)
        metrics.completed.add()
        metrics.succeeded.add()
        sim.trace.record(traceDone, traceSource, request.id)
        owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
        workerFreed()
    }

    // MARK: Calls

    nonisolated func deliver(_ envelope: Envelope) {
        isolatedOnWorldThread(envelope) { instance, envelope in instance.receive(envelope) }
    }

    /// A call arrives over the network.
    func receive(_ envelope: Envelope) {
        receive(envelope, arrival: sim.executor.now)
    }

    private func receive(_ envelope: Envelope, arrival: Int64) {
        guard isUp else { return } // a crashed process: the caller's timeout decides
        if pausedUntil != nil {
            inbox.append((envelope, arrival))
            return
        }
        metrics.requests.add()
        switch offer(.call(envelope, arrival: arrival)) {
        case .start(let job, _):
            begin(job)
        case .queued:
            metrics.queue.add(1)
        case .rejected:
            metrics.rejectedQueueFull.add()
            sim.trace.record(traceRejected, traceSource, Int64(envelope.id))
            environment.network.reply(envelope.id, from: service, to: envelope.from, .failure(.queueFull))
        }
    }

    private func startCall(_ envelope: Envelope, arrival: Int64) {
        // The caller gave up while the call queued: shed it, as Finagle's deadline filter
        // does, and give the worker to the next job instead of running dead work.
        if spec.deadlines == .honour, let deadline = envelope.deadline, sim.executor.now >= deadline {
            metrics.rejectedExpired.add()
            sim.trace.record(traceExpired, traceSource, Int64(envelope.id))
            // The worker is free again. Freeing it takes the next job, which may be expired
            // too: free workers in a loop, not by recursion, however long the dead queue.
            shedWorkers += 1
            guard shedWorkers == 1 else { return }
            while shedWorkers > 0 {
                workerFreed()
                shedWorkers -= 1
            }
            return
        }
        // Measured as for event-driven requests, so `wait`, `latency` and Little's law
        // mean the same on both paths: from arrival at the instance, queue included.
        let waited = sim.executor.now - arrival
        metrics.wait.record(waited)
        if waited > 0 { metrics.waited.add() }
        sim.trace.record(traceStart, traceSource, Int64(envelope.id))
        let epoch = self.epoch
        // Not a daemon: a handler that never answers is a stall worth reporting.
        // Started by whichever task freed the worker: only this call's deadline counts.
        let task = TaskDeadline.withoutDeadline {
            sim.spawn("\(name) handling \(envelope.call.label)") { [self] in
                let result = await self.serve(envelope)
                await self.finishCall(envelope, result, epoch: epoch, arrival: arrival)
            }
        }
        handlers[envelope.id] = task
    }

    /// The handler: the service's work on a worker, then its logic; a service that honours
    /// deadlines knows when its caller gives up (``TaskDeadline``: its own calls, retries
    /// and waits end by then).
    private func serve(_ envelope: Envelope) async -> Result<Reply, Failure> {
        let deadline = spec.deadlines == .honour ? envelope.deadline.map(VirtualClock.Instant.init(nanoseconds:)) : nil
        return await TaskDeadline.withPropagatedDeadline(deadline, on: sim.clock) {
            // Everything this call draws (faults, database, calls it makes) is keyed by it.
            await WorkOrigin.$current.withValue(WorkOrigin(key: envelope.key, service: service)) { await serveKeyed(envelope) }
        }
    }

    private func serveKeyed(_ envelope: Envelope) async -> Result<Reply, Failure> {
        await checkpoint()
        let work = workTime(key: envelope.key) &+ environment.faults.extraLatency(service)
        metrics.service.record(work)
        await sleep(nanoseconds: work)
        if environment.faults.injectsError(service) { return .failure(.error) }
        guard let logic else { return .success(.ok) }
        let result = await logic.handle(envelope.call, from: envelope.from)
        await checkpoint()
        return result
    }

    private func finishCall(_ envelope: Envelope, _ result: Result<Reply, Failure>, epoch: Int, arrival: Int64) {
        guard epoch == self.epoch else { return } // crashed meanwhile: nobody answers
        handlers[envelope.id] = nil
        metrics.latency.record(sim.executor.now - arrival)
        metrics.completed.add()
        switch result {
        case .success: metrics.succeeded.add()
        case .failure(let failure): metrics.failed(failure).add()
        }
        sim.trace.record(traceDone, traceSource, Int64(envelope.id))
        environment.network.reply(envelope.id, from: service, to: envelope.from, result)
        // (The balancer's count of this call ends at the caller: CallRouter.send.)
        workerFreed()
    }

    // MARK: Helpers for the logic

    /// Sleeps `nanoseconds` of virtual time (work, think time), then honours a pause.
    func sleep(nanoseconds: Int64) async {
        if nanoseconds > 0 {
            try? await sim.clock.sleep(until: .init(nanoseconds: sim.executor.now &+ nanoseconds))
        }
        await checkpoint()
    }

    /// The service time of the request or call keyed `key` (common random numbers: the
    /// same whichever instance serves it, whenever).
    private func workTime(key: UInt64) -> Int64 {
        var stream = environment.draws.stream(.work, key: StableHash.combine(workDraws, key))
        let work = spec.work.sampleNanoseconds(&stream)
        environment.draws.recorder?.serviceTimes["\(service):\(key)"] = work
        return work
    }

    /// Draws a duration from `distribution` within the work this task is doing.
    func sample(_ distribution: Distribution) -> Int64 { environment.draws.sample(distribution, for: .work) }

    /// A uniform draw in [0, 1) within the work this task is doing.
    func unit() -> Double { environment.draws.unit(for: .work) }

    /// Waits while the instance is paused (a GC stop halts every thread of the process).
    func checkpoint() async {
        guard pausedUntil != nil else { return }
        await withUnsafeContinuation { pauseWaiters.append($0) }
    }

    /// Calls `callee` (a service or an external dependency) with this service's policy
    /// for it: timeout, retries, circuit breaker.
    func call(_ callee: String, _ call: Call) async -> Result<Reply, Failure> {
        let caller: Caller
        if let existing = callers[callee] {
            caller = existing
        } else {
            do {
                caller = try Caller(caller: service, instance: name, callee: callee,
                                    policy: spec.calls.policy(for: callee), environment: environment.callers)
            } catch {
                sim.fail(Simulation.readerBug("\(service)'s calls to \(callee)", error))
                return .failure(.error)
            }
            callers[callee] = caller
        }
        let result = await caller.perform(call)
        await checkpoint()
        return result
    }

    // MARK: Faults

    /// The process dies: in-flight work is lost, queued work dropped, heartbeats stop.
    func crash() {
        guard isUp else { return }
        isUp = false
        epoch += 1
        sim.trace.record(sim.trace.name("crash"), traceSource)
        environment.metrics.count("\(service).crashes")
        for (_, task) in handlers.sorted(by: { $0.key < $1.key }) { task.cancel() }
        handlers.removeAll()
        let busy = pool.busy
        let dropped = pool.drainQueue()
        metrics.queue.add(Double(-dropped.count))
        metrics.busy.add(Double(-busy))
        // A dead process has no workers; the next life starts with the core size.
        metrics.workers.add(Double(-pool.workers))
        environment.metrics.count("\(service).lost_on_crash", Int64(dropped.count + busy))
        // Event-driven requests lost here end for the balancer now (calls end at their
        // callers, who time out).
        var lostRequests = inService.count - free.count
        for job in dropped { if case .request = job { lostRequests += 1 } }
        for _ in 0..<lostRequests { owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) } }
        pool = WorkerPoolCore(pool.configuration, at: now)
        autoscaler = nil
        inService.removeAll()
        free.removeAll()
        inbox.removeAll()
        logic?.stop()
        logic?.cancelBackground()
        databasePool?.stop()
        resumePaused()
    }

    /// The process starts again, empty.
    func restart() {
        guard !isUp else { return }
        sim.trace.record(sim.trace.name("restart"), traceSource)
        environment.metrics.count("\(service).restarts")
        boot()
    }

    /// Stops the world for `duration` (GC pause): nothing runs, calls pile up.
    func pause(for duration: Duration) {
        guard isUp else { return }
        sim.trace.record(sim.trace.name("pause"), traceSource)
        pausedUntil = sim.executor.now &+ duration.nanoseconds
        sim.executor.schedule(at: pausedUntil!, InstanceEvent(.pauseEnd, instance: self, epoch: epoch), SimEvent(0))
    }

    fileprivate func endPause(epoch: Int) {
        guard epoch == self.epoch, pausedUntil != nil else { return }
        pausedUntil = nil
        resumePaused()
        let arrived = inbox
        inbox.removeAll()
        for (envelope, arrival) in arrived { receive(envelope, arrival: arrival) }
    }

    private func resumePaused() {
        pausedUntil = nil
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Heartbeats

    private func scheduleHeartbeat() {
        sim.executor.schedule(at: sim.executor.now &+ environment.registry.spec.heartbeat.nanoseconds,
                              InstanceEvent(.heartbeat, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    fileprivate func beat(epoch: Int) {
        // A paused process misses its heartbeats too; a dead one stops sending them.
        guard isUp, epoch == self.epoch else { return }
        if pausedUntil == nil { environment.registry.heartbeat(name) }
        scheduleHeartbeat()
    }

    /// Requests waiting or in service here.
    var outstanding: Int { pool.busy + pool.queued }
}

/// A timer event of one instance's life (a heartbeat, the end of a pause), dropped if the
/// instance crashed since it was scheduled.
private final class InstanceEvent: SimEventHandler, @unchecked Sendable {
    enum Kind { case heartbeat, pauseEnd, workerStart, retire, autoscale }
    let instance: ServiceInstance
    let epoch: Int
    let kind: Kind
    init(_ kind: Kind, instance: ServiceInstance, epoch: Int) {
        self.kind = kind
        self.instance = instance
        self.epoch = epoch
    }
    func handle(_ event: SimEvent) {
        switch kind {
        case .heartbeat: instance.isolatedOnWorldThread(epoch) { instance, epoch in instance.beat(epoch: epoch) }
        case .pauseEnd: instance.isolatedOnWorldThread(epoch) { instance, epoch in instance.endPause(epoch: epoch) }
        case .workerStart: instance.isolatedOnWorldThread(epoch) { instance, epoch in instance.workerStarted(epoch: epoch) }
        case .retire: instance.isolatedOnWorldThread(epoch) { instance, epoch in instance.retireIdleWorkers(epoch: epoch) }
        case .autoscale: instance.isolatedOnWorldThread(epoch) { instance, epoch in instance.autoscale(epoch: epoch) }
        }
    }
}

extension Call {
    /// A short name for task names and traces.
    var label: String {
        switch self {
        case .work: return "work"
        case .app(let request): return "app.\(request.route.rawValue)"
        case .login: return "login"
        case .verify: return "verify"
        case .product: return "product"
        case .createOrder: return "create_order"
        case .orderStatus: return "order_status"
        case .cancelOrder: return "cancel_order"
        case .orderEvent: return "order_event"
        case .deduct: return "deduct"
        case .restock: return "restock"
        case .charge: return "charge"
        case .refund: return "refund"
        case .gatewayCharge: return "gateway_charge"
        case .dispatch: return "dispatch"
        }
    }
}
