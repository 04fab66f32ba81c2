/// The adaptive answer to the tuning question: the same cheapest configuration a full
/// grid finds, with fewer runs.
///
/// - Configurations are tried cheapest first (cost, then grid order, the grid's own tie
///   rule); the first that meets every objective in every seed is the answer, so every
///   configuration after it is dominated and never run.
/// - A configuration's seeds run in batches of ``seedBatch``; one seed missing an objective
///   fails it (the grid needs every seed to pass), so its remaining seeds are not spent.
/// - With a single axis whose cost grows along its values, the axis is bisected to its
///   objective boundary instead of scanned, assuming (as sizing usually may) that more of
///   the resource never breaks an objective a smaller amount met.
///
/// The runs made depend on the plan alone, never on the number of threads, so the files
/// are identical whatever `-j` is.
public struct AdaptiveSearch: Sendable {
    /// Seeds run together for one configuration (in parallel, up to the threads given).
    public static let seedBatch = 2

    /// The plan (needs objectives).
    public let plan: SweepPlan

    /// A search over `plan`'s grid.
    public init(plan: SweepPlan) { self.plan = plan }

    /// Whether the plan is bisected (one axis, cost non-decreasing along it).
    public var bisects: Bool {
        guard plan.parameters.count == 1, plan.configurationCount >= 3 else { return false }
        let costs = (0..<plan.configurationCount).map { cost($0) }
        return zip(costs, costs.dropFirst()).allSatisfy { $0 <= $1 }
    }

    func cost(_ configuration: Int) -> Double {
        SweepAnalysis(plan: plan, records: []).cost(configuration) ?? Double(configuration)
    }

    /// Runs the search; `runBatch` runs positions of the sweep's run order and returns
    /// their records in that order.
    public func run(_ runBatch: ([Int]) throws(SweepError) -> [RunRecord]) throws(SweepError) -> [RunRecord] {
        var records: [RunRecord] = []
        // Tries a configuration seed batch by seed batch; true when every seed met every objective.
        func trial(_ configuration: Int) throws(SweepError) -> Bool {
            var seed = 0
            while seed < plan.seeds.count {
                let batch = Array(seed..<min(seed + Self.seedBatch, plan.seeds.count))
                let made = try runBatch(batch.map { configuration * plan.seeds.count + $0 })
                records += made
                let analysis = SweepAnalysis(plan: plan, records: made)
                if !made.allSatisfy({ run in plan.objectives.allSatisfy { analysis.judged(run, $0.metric).map($0.holds) ?? false } }) {
                    return false
                }
                seed += Self.seedBatch
            }
            return true
        }
        if bisects {
            // The lowest value meeting the objectives lies in low...high (or nowhere).
            var low = 0, high = plan.configurationCount - 1
            while low <= high {
                let middle = (low + high) / 2
                if try trial(middle) { high = middle - 1 } else { low = middle + 1 }
            }
            return records
        }
        let order = (0..<plan.configurationCount).sorted { (cost($0), $0) < (cost($1), $1) }
        for configuration in order where cost(configuration).isFinite {
            if try trial(configuration) { break }
        }
        return records
    }
}
