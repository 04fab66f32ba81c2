import SimKernel

/// The faults in force right now: what the fault schedule has switched on.
///
/// World-confined: only the world's thread touches it.
final class FaultState: @unchecked Sendable {
    /// Extra latency per target (service or dependency), stacked.
    private var latency: [String: [Distribution]] = [:]
    /// Error ratio per target (the largest in force).
    private var errors: [String: [Double]] = [:]
    /// Multiplier of the database's work.
    private(set) var databaseSlowdown: Double = 1
    /// Multiplier of the arrival rate.
    private(set) var surge: Double = 1
    private var random: RandomStream

    init(sim: Simulation) {
        random = sim.random("faults")
    }

    func addLatency(_ target: String, _ extra: Distribution) { latency[target, default: []].append(extra) }
    func removeLatency(_ target: String, _ extra: Distribution) {
        if let index = latency[target]?.firstIndex(of: extra) { latency[target]?.remove(at: index) }
    }
    func addErrors(_ target: String, _ ratio: Double) { errors[target, default: []].append(ratio) }
    func removeErrors(_ target: String, _ ratio: Double) {
        if let index = errors[target]?.firstIndex(of: ratio) { errors[target]?.remove(at: index) }
    }
    func scaleDatabase(by factor: Double) { databaseSlowdown *= factor }
    func scaleTraffic(by factor: Double) { surge *= factor }

    /// Extra latency for a call to `target` now, nanoseconds (0 without a fault).
    func extraLatency(_ target: String) -> Int64 {
        guard let extras = latency[target], !extras.isEmpty else { return 0 }
        return extras.reduce(0) { $0 &+ $1.sampleNanoseconds(&random) }
    }

    /// Whether a call to `target` fails now because of an injected error ratio.
    func injectsError(_ target: String) -> Bool {
        guard let ratio = errors[target]?.max(), ratio > 0 else { return false }
        return random.nextUnit() < ratio
    }
}
