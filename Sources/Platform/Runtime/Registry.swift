import SimKernel
import World

/// The service registry: instances register by heartbeat; a registration expires when
/// no heartbeat arrives for `ttl`. Until then a crashed instance is still listed and keeps
/// receiving calls — the failover delay the documents describe (5 s to 30 s).
///
/// World-confined: only the world's thread touches it.
final class Registry: @unchecked Sendable {
    private let sim: Simulation
    let spec: RegistrySpec
    private var lastHeartbeat: [String: Int64] = [:]

    init(sim: Simulation, spec: RegistrySpec) {
        self.sim = sim
        self.spec = spec
    }

    /// Records a heartbeat from `instance` now.
    func heartbeat(_ instance: String) {
        lastHeartbeat[instance] = sim.executor.now
    }

    /// Whether `instance` is listed now.
    func isListed(_ instance: String) -> Bool {
        guard let last = lastHeartbeat[instance] else { return false }
        return sim.executor.now - last <= spec.ttl.nanoseconds
    }
}
