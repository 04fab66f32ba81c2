import Resilience
import SimKernel
import World

/// Calls from other actors: received over the network (or held in the inbox during a
/// pause), handled on a worker by a handler task (``HandlerWorker``), answered over the
/// network.
extension ServiceInstance {
    nonisolated func deliver(_ envelope: Envelope) {
        isolatedOnWorldThread(envelope) { instance, envelope in instance.receive(envelope) }
    }

    /// A call arrives over the network.
    func receive(_ envelope: Envelope) {
        receive(envelope, arrival: sim.executor.now)
    }

    func receive(_ envelope: Envelope, arrival: Int64) {
        guard isUp else { return } // a crashed process: the caller's timeout decides
        // What the call reaches after its work (a millisecond or so of virtual time,
        // dozens of steps, later) starts loading now (see ``Prefetch``).
        arrivalRegions.prefetch()
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
            sim.trace.record(traceNames.rejected, traceSource, Int64(envelope.id), detail: traceNames.outcome(.queueFull))
            environment.network.reply(envelope.id, from: service, to: envelope.from, .failure(.queueFull))
        }
    }

    func startCall(_ envelope: Envelope, arrival: Int64) {
        // The caller gave up while the call queued: shed it, as Finagle's deadline filter
        // does, and give the worker to the next job instead of running dead work.
        if honoursDeadlines, let deadline = envelope.deadline, sim.executor.now >= deadline {
            metrics.rejectedExpired.add()
            sim.trace.record(traceNames.expired, traceSource, Int64(envelope.id))
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
        sim.trace.record(traceNames.start, traceSource, Int64(envelope.id))
        let job = HandlerWorker.Job(instance: self, epoch: epoch, envelope: envelope, arrival: arrival)
        environment.handlers.worker(for: job)
    }

    /// Serves `job` on a handler task and answers it; false when this instance crashed
    /// meanwhile (nobody answers, and the task, cancelled by the crash, ends).
    func handle(_ job: HandlerWorker.Job, on worker: HandlerWorker) async -> Bool {
        // Busy from being handed the call until idle again (`worker.current`), which the
        // world asks when it needs to know (``HandlerPool``).
        let result = await serve(job.envelope)
        guard job.epoch == epoch else { return false }
        // Idle before it answers: if answering frees a worker for a queued call, it takes it.
        environment.handlers.idle(worker)
        finishCall(job.envelope, result, arrival: job.arrival)
        return true
    }

    /// The handler: the service's work on a worker, then its logic; a service that honours
    /// deadlines knows when its caller gives up (``TaskDeadline``: its own calls, retries
    /// and waits end by then).
    func serve(_ envelope: Envelope) async -> Result<Reply, Failure> {
        let deadline = honoursDeadlines ? envelope.deadline.map(VirtualClock.Instant.init(nanoseconds:)) : nil
        return await TaskDeadline.withPropagatedDeadline(deadline, on: sim.clock) {
            // Everything this call draws (faults, database, calls it makes) is keyed by it.
            await WorkOrigin.$current.withValue(WorkOrigin(key: envelope.key, service: service, call: envelope.id)) {
                await serveKeyed(envelope)
            }
        }
    }

    func serveKeyed(_ envelope: Envelope) async -> Result<Reply, Failure> {
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

    func finishCall(_ envelope: Envelope, _ result: Result<Reply, Failure>, arrival: Int64) {
        let latency = sim.executor.now - arrival
        metrics.latency.record(latency)
        metrics.completed.add()
        switch result {
        case .success: metrics.succeeded.add()
        case .failure(let failure): metrics.failed(failure).add()
        }
        sim.trace.record(traceNames.done, traceSource, Int64(envelope.id), latency, detail: traceNames.outcome(result))
        environment.network.reply(envelope.id, from: service, to: envelope.from, result)
        // (The balancer's count of this call ends at the caller: CallRouter.send.)
        workerFreed()
    }
}
