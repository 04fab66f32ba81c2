import SimKernel

/// The faults in force right now: what the fault schedule has switched on.
///
/// Multiplying factors (slowdowns, surges) are kept as the list of factors in force and
/// their product recomputed when one starts or ends, so that once every fault has ended
/// the factor is exactly 1 again (multiplying by x and later by 1/x leaves
/// 0.9999999999999999 for some x).
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
    /// Slowdown factors in force per target ("database", "cache", "broker", "locks", "dns").
    private var slowdowns: [String: ActiveFactors] = [:]
    /// Multiplier of the database's work (the product of its slowdowns, cached).
    @exclusivity(unchecked) private(set) var databaseSlowdown: Double = 1
    /// Surge factors in force.
    private var surges = ActiveFactors()
    /// Multiplier of the arrival rate.
    @exclusivity(unchecked) private(set) var surge: Double = 1
    /// Poison ratios in force (the largest decides).
    private var poisons: [Double] = []
    private let draws: RandomDraws

    init(draws: RandomDraws) {
        self.draws = draws
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

    /// A slowdown of `target` by `factor` starts (`true`) or ends.
    func slowDown(_ target: String, by factor: Double, _ starting: Bool) {
        var factors = slowdowns[target] ?? ActiveFactors()
        starting ? factors.add(factor) : factors.remove(factor)
        slowdowns[target] = factors.isEmpty ? nil : factors
        if target == "database" { databaseSlowdown = factors.product }
    }

    /// The product of `target`'s slowdowns in force (exactly 1 without one).
    func slowdown(_ target: String) -> Double { slowdowns[target]?.product ?? 1 }

    /// A surge by `factor` starts (`true`) or ends.
    func scaleTraffic(by factor: Double, _ starting: Bool) {
        starting ? surges.add(factor) : surges.remove(factor)
        surge = surges.product
    }

    func addPoison(_ ratio: Double) { poisons.append(ratio) }
    func removePoison(_ ratio: Double) {
        if let index = poisons.firstIndex(of: ratio) { poisons.remove(at: index) }
    }

    /// Whether the order with idempotency key `key`, placed now, is malformed (a `poison`
    /// fault in force). Decided by the order's key, not by the order of events, so the
    /// same orders are poisoned in every run of the world with the same seed.
    func isPoisoned(order key: Int64) -> Bool {
        guard let ratio = poisons.max(), ratio > 0 else { return false }
        var stream = draws.stream(.faults, key: StableHash.combine(StableHash.of("poison"), UInt64(bitPattern: key)))
        return stream.nextUnit() < ratio
    }

    /// Extra latency for a call to `target` now, nanoseconds (0 without a fault).
    func extraLatency(_ target: String) -> Int64 {
        guard latencyFaults > 0, let extras = latency[target], !extras.isEmpty else { return 0 }
        return extras.reduce(0) { $0 &+ draws.sample($1, for: .faults) }
    }

    /// Whether a call to `target` fails now because of an injected error ratio.
    func injectsError(_ target: String) -> Bool {
        guard errorFaults > 0, let ratio = errors[target]?.max(), ratio > 0 else { return false }
        return draws.unit(for: .faults) < ratio
    }
}

/// Factors in force, as a multiset: the product is recomputed from the factors left, so
/// it returns to exactly 1 when none is left.
struct ActiveFactors: Sendable, Equatable {
    private(set) var factors: [Double] = []
    /// The product of the factors in force, in the order they started.
    private(set) var product: Double = 1

    var isEmpty: Bool { factors.isEmpty }

    mutating func add(_ factor: Double) {
        factors.append(factor)
        product = factors.reduce(1, *)
    }

    /// Ends one occurrence of `factor` (none in force: nothing changes).
    mutating func remove(_ factor: Double) {
        guard let index = factors.firstIndex(of: factor) else { return }
        factors.remove(at: index)
        product = factors.reduce(1, *)
    }
}
