import Resilience
import SimKernel
import World

/// Event-driven requests (open-loop journeys, the M/M/c world): no task at all, the end
/// of each request's work is an event on the world's timer queue.
extension ServiceInstance {
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
            sim.trace.record(traceNames.rejected, traceSource, request.id, detail: traceNames.outcome(.queueFull))
            return false
        }
    }


    func startRequest(_ request: Request) {
        let now = sim.executor.now
        let waited = now - request.arrival
        metrics.wait.record(waited)
        if waited > 0 { metrics.waited.add() }
        sim.trace.record(traceNames.start, traceSource, request.id)
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

    func finishRequest(slot: Int, epoch: Int) {
        guard epoch == self.epoch else { return }
        let request = inService[slot]
        free.append(slot)
        let latency = sim.executor.now - request.arrival
        metrics.latency.record(latency)
        metrics.completed.add()
        metrics.succeeded.add()
        sim.trace.record(traceNames.done, traceSource, request.id, latency, detail: traceNames.ok)
        owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
        workerFreed()
    }
}
