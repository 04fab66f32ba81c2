import Resilience
import SimKernel
import World

/// Heartbeats to the registry: a crashed or paused instance misses them, so the registry
/// keeps listing it until its registration expires.
extension ServiceInstance {
    func scheduleHeartbeat() {
        sim.executor.schedule(at: sim.executor.now &+ environment.registry.heartbeatInterval(for: name),
                              InstanceEvent(.heartbeat, instance: self, epoch: epoch), SimEvent(0), background: true)
    }

    func beat(epoch: Int) {
        // A paused process misses its heartbeats too; a dead one stops sending them.
        guard isUp, epoch == self.epoch else { return }
        if pausedUntil == nil { environment.registry.heartbeat(name) }
        scheduleHeartbeat()
    }
}
