import SimKernel

/// A timer event of one instance's life (a heartbeat, the end of a pause), dropped if the
/// instance crashed since it was scheduled.
final class InstanceEvent: SimEventHandler, @unchecked Sendable {
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
