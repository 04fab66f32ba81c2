import Resilience
import SimKernel
import World

/// The worker pool: jobs offered, started, finished and shed; workers started (after the
/// start-up delay), retired when idle above the core size, and added by the autoscaler.
extension ServiceInstance {
    /// A new life's pool: its core workers are present, and the autoscaler looks every
    /// period.
    func startPool() {
        metrics.workers.add(Double(pool.workers))
        guard let autoscale = spec.autoscale,
              let rule = sim.configured("\(name)'s autoscale rule", { () throws(ConfigurationError) -> AutoscaleRule? in try autoscale.rule() },
                                        fallback: { nil }) else { return }
        autoscaler = WorkerPoolAutoscaler(rule)
        scheduleAutoscale(after: rule.every)
    }

    /// Offers `job` to the pool now: starts a worker if the pool asked for one, and fails
    /// the jobs its discipline shed.
    func offer(_ job: Job) -> WorkerPoolCore<Job, VirtualClock.Instant>.Admission {
        let admission = pool.offer(job, at: now)
        switch admission {
        case .start(_, let newWorker):
            if newWorker { workerAdded() }
        case .queued(let startingWorker):
            if startingWorker { scheduleWorkerStart() }
            if let limit = sim.maxInFlight, pool.queued > limit {
                sim.exceedLimit("\(name)'s queue holds \(pool.queued) waiting jobs, past limits.max_in_flight (\(limit))")
            }
        case .rejected:
            break
        }
        if pool.hasShed { failShed() }
        return admission
    }

    /// A worker finished a job: the next queued job, or the worker goes idle.
    func workerFreed() {
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
    func scheduleWorkerStart() {
        sim.executor.schedule(at: sim.executor.now &+ pool.configuration.startupDelay.nanoseconds,
                              InstanceEvent(.workerStart, instance: self, epoch: epoch), SimEvent(0))
    }

    func workerStarted(epoch: Int) {
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

    func workerAdded() {
        metrics.workers.add(1)
        metrics.workersStarted?.add()
    }

    /// A worker went idle: if the pool is above its core size, look again when the idle
    /// timeout has passed (a background chore: it keeps no world alive).
    func scheduleRetirement() {
        guard pool.workers > pool.configuration.workers else { return }
        sim.executor.schedule(at: sim.executor.now &+ pool.configuration.idleTimeout.nanoseconds,
                              InstanceEvent(.retire, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    func retireIdleWorkers(epoch: Int) {
        guard epoch == self.epoch else { return }
        while pool.retireIdleWorker(at: now) {
            metrics.workers.add(-1)
            metrics.workersRetired?.add()
        }
    }

    func scheduleAutoscale(after period: Duration) {
        sim.executor.schedule(at: sim.executor.now &+ period.nanoseconds,
                              InstanceEvent(.autoscale, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    /// The autoscaler's periodic look at this instance's queue and utilisation.
    func autoscale(epoch: Int) {
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
    func failShed() {
        for job in pool.takeShed() {
            metrics.queue.add(-1)
            metrics.rejectedCoDel?.add()
            switch job {
            case .request(let request):
                sim.trace.record(traceNames.rejected, traceSource, request.id, detail: traceNames.outcome(.shed))
                owner.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
            case .call(let envelope, _):
                sim.trace.record(traceNames.rejected, traceSource, Int64(envelope.id), detail: traceNames.outcome(.shed))
                environment.network.reply(envelope.id, from: service, to: envelope.from, .failure(.shed))
            }
        }
    }

    func begin(_ job: Job, workerWasBusy: Bool = false) {
        if !workerWasBusy { metrics.busy.add(1) }
        switch job {
        case .request(let request): startRequest(request)
        case .call(let envelope, let arrival): startCall(envelope, arrival: arrival)
        }
    }
}
