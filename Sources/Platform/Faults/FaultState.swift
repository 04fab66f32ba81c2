import SimKernel

/// The faults in force right now: what the fault schedule has switched on.
///
/// World-confined: only the world's thread touches it.
final class FaultState: @unchecked Sendable {
    /// Extra latency per target (service or dependency), stacked.
    private var latency: [String: [Distribution]] = [:]
    /// Error ratio per target (the largest in force).
    private var errors: [String: [Double]] = [:]
    /// Faults of each kind in force: the hot paths skip the lookups when there are none.
    @exclusivity(unchecked) private var latencyFaults = 0
    @exclusivity(unchecked) private var errorFaults = 0
    /// Multiplier of the database's work.
    @exclusivity(unchecked) private(set) var databaseSlowdown: Double = 1
    /// Multiplier of the arrival rate.
    @exclusivity(unchecked) private(set) var surge: Double = 1
    private var random: RandomStream

    init(sim: Simulation) {
        random = sim.random("faults")
    }

    func addLatency(_ target: String, _ extra: Distribution) {
        latency[target, default: []].append(extra)
        latencyFaults += 1
    }
    func removeLatency(_ target: String, _ extra: Distribution) {
        if let index = latency[target]?.firstIndex(of: extra) {
            latency[target]?.remove(at: index)
            latencyFaults -= 1
        }
    }
    func addErrors(_ target: String, _ ratio: Double) {
        errors[target, default: []].append(ratio)
        errorFaults += 1
    }
    func removeErrors(_ target: String, _ ratio: Double) {
        if let index = errors[target]?.firstIndex(of: ratio) {
            errors[target]?.remove(at: index)
            errorFaults -= 1
        }
    }
    func scaleDatabase(by factor: Double) { databaseSlowdown *= factor }
    func scaleTraffic(by factor: Double) { surge *= factor }

    /// Extra latency for a call to `target` now, nanoseconds (0 without a fault).
    func extraLatency(_ target: String) -> Int64 {
        guard latencyFaults > 0, let extras = latency[target], !extras.isEmpty else { return 0 }
        return extras.reduce(0) { $0 &+ $1.sampleNanoseconds(&random) }
    }

    /// Whether a call to `target` fails now because of an injected error ratio.
    func injectsError(_ target: String) -> Bool {
        guard errorFaults > 0, let ratio = errors[target]?.max(), ratio > 0 else { return false }
        return random.nextUnit() < ratio
    }
}
