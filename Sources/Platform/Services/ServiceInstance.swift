import SimKernel
import Resilience
import World

/// A request travelling through a service on the event-driven path: who asked and when.
struct Request: Sendable {
    /// Customer or request number (for the trace).
    var id: Int64
    /// Virtual time the request reached the instance, nanoseconds.
    var arrival: Int64
}

/// One running instance of a service: a worker pool (``WorkerPoolCore`` from
/// `Resilience`) in front of the work each request needs.
///
/// Requests take the event-driven path: no task per request; the instance schedules the
/// end of each request's work on the world's timer queue and starts the next queued
/// request when a worker frees. This is the path the M/M/c world exercises a million
/// times a second.
actor ServiceInstance: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// "backend#0".
    let name: String
    let index: Int
    @exclusivity(unchecked) private var pool: WorkerPoolCore<Request>
    @exclusivity(unchecked) private var random: RandomStream
    private let work: Distribution
    private let metrics: ServiceMetrics
    /// Requests being worked on, by slot; `free` lists reusable slots.
    @exclusivity(unchecked) private var inService: [Request] = []
    @exclusivity(unchecked) private var free: [Int] = []
    private let traceSource: TraceName
    private let traceStart: TraceName
    private let traceDone: TraceName
    private let traceRejected: TraceName
    /// Told when a request leaves the instance (for least-outstanding balancing).
    private unowned(unsafe) let owner: Service

    init(sim: Simulation, spec: ServiceSpec, index: Int, metrics: ServiceMetrics, owner: Service) {
        self.sim = sim
        self.index = index
        name = "\(spec.name)#\(index)"
        pool = WorkerPoolCore(WorkerPoolConfiguration(
            workers: spec.workers, maxWorkers: spec.maxWorkers, queueCapacity: spec.queueCapacity))
        random = sim.random(name)
        work = spec.work
        self.metrics = metrics
        self.owner = owner
        traceSource = sim.trace.name(name)
        traceStart = sim.trace.name("start")
        traceDone = sim.trace.name("done")
        traceRejected = sim.trace.name("rejected")
    }

    /// A request arrives: a free worker takes it, or it queues, or the full queue refuses it.
    /// Returns false when refused.
    @discardableResult
    func accept(_ request: Request) -> Bool {
        metrics.requests.add()
        switch pool.offer(request) {
        case .start(let request, _):
            start(request)
            return true
        case .queued:
            metrics.queue.add(1)
            return true
        case .rejected(let request):
            metrics.rejectedQueueFull.add()
            sim.trace.record(traceRejected, traceSource, request.id)
            return false
        }
    }

    private func start(_ request: Request, workerWasBusy: Bool = false) {
        let now = sim.executor.now
        let waited = now - request.arrival
        metrics.wait.record(waited)
        if waited > 0 { metrics.waited.add() }
        if !workerWasBusy { metrics.busy.add(1) }
        sim.trace.record(traceStart, traceSource, request.id)
        let duration = work.sampleNanoseconds(&random)
        metrics.service.record(duration)
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            inService[slot] = request
        } else {
            slot = inService.count
            inService.append(request)
        }
        sim.executor.schedule(at: now &+ duration, self, SimEvent(0, Int64(slot)))
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(Int(event.value)) { instance, slot in instance.finish(slot: slot) }
    }

    private func finish(slot: Int) {
        let request = inService[slot]
        free.append(slot)
        metrics.latency.record(sim.executor.now - request.arrival)
        metrics.completed.add()
        sim.trace.record(traceDone, traceSource, request.id)
        owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
        if let next = pool.finish() {
            // The worker stays busy: one gauge move instead of two.
            metrics.queue.add(-1)
            start(next, workerWasBusy: true)
        } else {
            metrics.busy.add(-1)
        }
    }

    /// Requests waiting or in service here.
    var outstanding: Int { pool.busy + pool.queued }

    /// The pool's counters.
    var statistics: WorkerPoolCore<Request>.Statistics { pool.statistics }
}
