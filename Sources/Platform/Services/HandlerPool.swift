import Resilience
import SimKernel

/// The world's idle handler tasks (``HandlerWorker``), the one that went idle last on top.
///
/// ```swift
/// let worker = pool.worker(for: job)   // an idle task, or a new one, now serving `job`
/// pool.idle(worker)                    // after its call, before it answers
/// pool.stopAll()                       // the world is torn down
/// ```
///
/// One stack for the whole world rather than one per instance: in a world of hundreds of
/// instances, an instance's own idle tasks were last used thousands of steps ago, so each
/// call resumed a task whose memory had left the caches; the task that finished a call a
/// moment ago, at any instance, is still in them. A handler that finishes a call goes idle
/// *before* it answers, so when the answer frees a worker for a queued call, it takes that
/// call itself, with no task switch.
///
/// It also knows every handler task alive, idle or not, so that a crash finds the calls
/// in progress at its instance (``serving(at:life:)``) without the instance keeping a
/// list of its own: that list was one more heap block per instance, written twice per
/// call, and a big world's instances are cold.
///
/// World-confined: only the world's thread touches it.
final class HandlerPool: @unchecked Sendable {
    private let sim: Simulation
    private var idleWorkers: [HandlerWorker] = []
    /// Every handler whose task is alive (each knows its position, ``HandlerWorker/slot``).
    private var workers: [HandlerWorker] = []

    init(sim: Simulation) { self.sim = sim }

    /// Idle handler tasks now.
    var idleCount: Int { idleWorkers.count }
    /// Handler tasks alive now, idle or serving.
    var aliveCount: Int { workers.count }

    /// Hands `job` to the handler that went idle last, or to a new handler task.
    @discardableResult
    func worker(for job: HandlerWorker.Job) -> HandlerWorker {
        if let worker = idleWorkers.popLast() {
            worker.hand(job)
            return worker
        }
        let worker = HandlerWorker()
        worker.current = job
        worker.slot = workers.count
        workers.append(worker)
        // A daemon while idle; serving a call it is not: work that must finish, named by
        // the call (``HandlerWorker/activityName``), told by the worker when asked.
        // Started by whichever task admitted the call: it inherits neither that task's
        // deadline nor its work (each call binds its own).
        worker.task = TaskDeadline.withoutDeadline {
            WorkOrigin.$current.withValue(nil) {
                sim.spawn("handler", daemon: true, busy: worker.activityName) { [self] in
                    await serve(from: job, on: worker, isolation: job.instance)
                }
            }
        }
        return worker
    }

    /// A handler finished its call (it answers next): it takes the next call handed out.
    func idle(_ worker: HandlerWorker) {
        worker.current = nil
        idleWorkers.append(worker)
    }

    /// The handlers serving calls at `instance` in its life `life` (handed over and not
    /// yet finished), in call order: what a crash of that life cancels. O(handlers alive),
    /// on a crash only.
    func serving(at instance: ServiceInstance, life: Int) -> [HandlerWorker] {
        workers
            .filter { $0.current.map { $0.instance === instance && $0.epoch == life } ?? false }
            .sorted { $0.current!.envelope.id < $1.current!.envelope.id }
    }

    /// Ends every idle handler task (the world is being torn down).
    func stopAll() {
        let stopping = idleWorkers
        idleWorkers.removeAll()
        for worker in stopping { worker.stop() }
    }

    /// A handler task's life: serves calls, at whichever instance they are handed to it
    /// from, until the instance serving it crashes or the world is torn down.
    ///
    /// Isolated to an instance (the first it served), not nonisolated: every actor of a
    /// world runs on the world's executor, so going from one instance to another is no
    /// switch at all, while leaving for a nonisolated function and coming back would
    /// enqueue the task twice per call.
    private func serve(from first: HandlerWorker.Job, on worker: HandlerWorker, isolation: isolated ServiceInstance) async {
        var job = first
        defer { retire(worker) }
        while true {
            guard await job.instance.handle(job, on: worker) else { return }
            if let next = worker.next {
                worker.next = nil
                job = next
            } else if let next = await withUnsafeContinuation({ worker.parked = $0 }) {
                job = next
            } else {
                return
            }
        }
    }

    /// A handler's task ends (its instance crashed mid-call, or the world is torn down).
    private func retire(_ worker: HandlerWorker) {
        let last = workers.removeLast()
        if last !== worker {
            workers[worker.slot] = last
            last.slot = worker.slot
        }
    }
}
