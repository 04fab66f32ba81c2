import Resilience
import SimKernel
import World

/// Faults of the process: a crash (in-flight work lost, queue dropped, heartbeats stop), a
/// restart (a new, empty life), and a pause (GC-like: nothing runs, calls pile up).
extension ServiceInstance {
    /// The process dies: in-flight work is lost, queued work dropped, heartbeats stop.
    func crash() {
        guard isUp else { return }
        isUp = false
        let serving = environment.handlers.serving(at: self, life: epoch)
        epoch += 1
        sim.trace.record(sim.trace.name("crash"), traceSource)
        metrics.crashes.add()
        environment.registry.crashed(name)
        // Calls in progress die with the process (in call order).
        for worker in serving { worker.task?.cancel() }
        let busy = pool.busy
        let dropped = pool.drainQueue()
        metrics.queue.add(Double(-dropped.count))
        metrics.busy.add(Double(-busy))
        // A dead process has no workers; the next life starts with the core size.
        metrics.workers.add(Double(-pool.workers))
        metrics.lostOnCrash.add(Int64(dropped.count + busy))
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
        metrics.restarts.add()
        boot()
    }

    /// Stops the world for `duration` (GC pause): nothing runs, calls pile up.
    func pause(for duration: Duration) {
        guard isUp else { return }
        sim.trace.record(sim.trace.name("pause"), traceSource)
        pausedUntil = sim.executor.now &+ duration.nanoseconds
        sim.executor.schedule(at: pausedUntil!, InstanceEvent(.pauseEnd, instance: self, epoch: epoch), SimEvent(0))
    }

    func endPause(epoch: Int) {
        guard epoch == self.epoch, pausedUntil != nil else { return }
        pausedUntil = nil
        resumePaused()
        let arrived = inbox
        inbox.removeAll()
        for (envelope, arrival) in arrived { receive(envelope, arrival: arrival) }
    }

    func resumePaused() {
        pausedUntil = nil
        let waiters = pauseWaiters
        pauseWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the instance is paused at this instant, read on the world's thread without
    /// hopping to the instance (for a client of the instance that checks before it sends).
    nonisolated var isPausedNow: Bool { isolatedOnWorldThread(()) { instance, _ in instance.pausedUntil != nil } }
}
