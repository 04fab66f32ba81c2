/// What a sweep found, computed from its plan and records alone (so shards merged later
/// give the same figures): per configuration the mean and 95% interval of every metric,
/// paired differences between neighbouring configurations, which configurations meet
/// every objective in every seed, the cheapest of them, and the knee of the curve.
public struct SweepAnalysis: Sendable {
    /// The plan.
    public let plan: SweepPlan
    /// Every record, in run order (configuration, then seed as in the plan).
    public let records: [RunRecord]
    /// Every metric name any run has, sorted.
    public let metricNames: [String]
    /// Names that are counters in some run (a run without them counted 0).
    public let counterNames: Set<String>

    /// How a configuration's interval was obtained.
    public enum Basis: String, Sendable {
        /// Across seeds, each run's value over the whole run.
        case seeds = "seeds"
        /// Across seeds, each run's value after its warm-up was deleted (MSER-5).
        case seedsAfterWarmup = "seeds after warm-up"
        /// One seed: batch means within the run, after its warm-up.
        case batchMeans = "batch means"
    }

    /// A metric of one configuration: its interval and how it was obtained.
    public struct Cell: Sendable {
        /// The mean and its interval; nil when no run had a value.
        public let interval: MeanInterval?
        /// How the interval was obtained.
        public let basis: Basis
        /// Seeds in which the metric had a value.
        public let samples: [Double]
    }

    /// Two configurations one step apart on one axis, compared on a metric.
    public struct Difference: Sendable {
        /// The axis the two configurations differ on.
        public let axis: Int
        /// The configuration one value down on that axis.
        public let from: Int
        /// The configuration one value up.
        public let to: Int
        /// The metric compared.
        public let metric: String
        /// Per-seed differences (to − from), paired by seed.
        public let paired: MeanInterval
        /// Welch's half-width for the same difference treated as independent samples.
        public let unpairedHalfWidth: Double?
    }

    /// The analysis of `records` (any order; they are sorted into run order).
    public init(plan: SweepPlan, records: [RunRecord]) {
        self.plan = plan
        let seedOrder = Dictionary(uniqueKeysWithValues: plan.seeds.enumerated().map { ($1, $0) })
        self.records = records.sorted {
            ($0.configuration, seedOrder[$0.seed] ?? 0) < ($1.configuration, seedOrder[$1.seed] ?? 0)
        }
        var names = Set<String>()
        var counters = Set<String>()
        for record in records {
            names.formUnion(record.values.keys)
            counters.formUnion(record.counters)
        }
        metricNames = names.union(counters).sorted()
        counterNames = counters
    }

    /// The records of configuration `index`, in seed order.
    public func records(of configuration: Int) -> [RunRecord] {
        records.filter { $0.configuration == configuration }
    }

    /// The value of `metric` a run is judged by: the steady-state value for a chosen
    /// metric, the whole run's otherwise (a counter it never counted is 0).
    public func judged(_ record: RunRecord, _ metric: String) -> Double? {
        if plan.metrics.contains(metric) { return record.judged(metric) }
        return record.value(metric, counterNames: counterNames)
    }

    /// The interval of `metric` for `configuration`.
    public func cell(_ configuration: Int, _ metric: String) -> Cell {
        let runs = records(of: configuration)
        let samples = runs.compactMap { judged($0, metric) }
        let chosen = plan.metrics.contains(metric)
        if runs.count == 1, chosen, let steady = runs[0].steady.first(where: { $0.metric == metric }),
           let mean = steady.batchMean, steady.batchHalfWidth != nil {
            return Cell(interval: MeanInterval(count: 1, mean: mean, standardDeviation: nil, halfWidth: steady.batchHalfWidth), basis: .batchMeans, samples: samples)
        }
        let basis: Basis = chosen && plan.warmupDeletion ? .seedsAfterWarmup : .seeds
        return Cell(interval: samples.isEmpty ? nil : MeanInterval(samples), basis: basis, samples: samples)
    }

    /// Paired differences of the chosen metrics between each configuration and its
    /// neighbour one value up on each axis, in grid order, then axis order.
    public var differences: [Difference] {
        var result: [Difference] = []
        for configuration in 0..<plan.configurationCount {
            let indices = plan.valueIndices(of: configuration)
            for axis in plan.parameters.indices where indices[axis] + 1 < plan.parameters[axis].values.count {
                var next = indices
                next[axis] += 1
                let neighbour = plan.configuration(at: next)
                let a = records(of: configuration), b = records(of: neighbour)
                for metric in plan.metrics {
                    var diffs: [Double] = [], left: [Double] = [], right: [Double] = []
                    for (x, y) in zip(a, b) where x.seed == y.seed {
                        guard let u = judged(x, metric), let v = judged(y, metric) else { continue }
                        diffs.append(v - u); left.append(u); right.append(v)
                    }
                    guard diffs.count >= 2 else { continue }
                    result.append(Difference(axis: axis, from: configuration, to: neighbour, metric: metric,
                                             paired: MeanInterval(diffs),
                                             unpairedHalfWidth: MeanInterval(left).unpairedHalfWidth(to: MeanInterval(right))))
                }
            }
        }
        return result
    }

    // MARK: The tuning question

    /// For each configuration, whether every objective held in every seed (true when there
    /// are no objectives).
    public func meetsObjectives(_ configuration: Int) -> Bool {
        let runs = records(of: configuration)
        // Every seed must have run (an adaptive search stops at a configuration's first failure).
        guard runs.count == plan.seeds.count else { return false }
        return runs.allSatisfy { run in
            plan.objectives.allSatisfy { objective in judged(run, objective.metric).map(objective.holds) ?? false }
        }
    }

    /// Seeds of `configuration` that met every objective.
    public func seedsMeeting(_ configuration: Int) -> Int {
        records(of: configuration).filter { run in
            plan.objectives.allSatisfy { objective in judged(run, objective.metric).map(objective.holds) ?? false }
        }.count
    }

    /// The cost of `configuration` (nil without `--minimize`).
    public func cost(_ configuration: Int) -> Double? {
        guard let cost = plan.cost else { return nil }
        let values = plan.values(of: configuration)
        return cost.evaluate { path in
            guard let axis = plan.parameters.firstIndex(where: { $0.path == path }) else { return .nan }
            return SweepParameter.numeric(values[axis]) ?? .nan
        }
    }

    /// The cheapest configuration meeting every objective in every seed (the first in grid
    /// order among equally cheap ones; without a cost, the first that meets them); nil when
    /// none does.
    public var cheapest: Int? {
        let feasible = (0..<plan.configurationCount).filter(meetsObjectives)
        guard plan.cost != nil else { return feasible.first }
        var best: (Int, Double)?
        for configuration in feasible {
            guard let cost = cost(configuration), cost.isFinite else { continue }
            if best == nil || cost < best!.1 { best = (configuration, cost) }
        }
        return best?.0
    }

    /// The metric whose curve has the knee: the first objective bounding a metric from
    /// above, else the first chosen metric.
    public var kneeMetric: String? {
        plan.objectives.first(where: \.isUpperBound)?.metric ?? plan.metrics.first
    }

    /// The knee of `kneeMetric`'s mean along each numeric axis with three values or more,
    /// the other axes held at the cheapest configuration's values (or their first): the
    /// point farthest from the chord between the curve's ends once both coordinates are
    /// scaled to [0, 1] (Kneedle), where adding more of the resource stops paying. Curves
    /// whose means lie within 5% of each other, or whose farthest point is an end, have none.
    public var knees: [(axis: Int, configuration: Int)] {
        guard let metric = kneeMetric else { return [] }
        let anchor = plan.valueIndices(of: cheapest ?? 0)
        var result: [(Int, Int)] = []
        for axis in plan.parameters.indices where plan.parameters[axis].values.count >= 3 {
            var points: [(x: Double, y: Double, configuration: Int)] = []
            for value in plan.parameters[axis].values.indices {
                var indices = anchor
                indices[axis] = value
                let configuration = plan.configuration(at: indices)
                guard let x = SweepParameter.numeric(plan.parameters[axis].values[value]),
                      let y = cell(configuration, metric).interval?.mean else { continue }
                points.append((x, y, configuration))
            }
            guard points.count >= 3 else { continue }
            let (x0, x1) = (points.map(\.x).min()!, points.map(\.x).max()!)
            let (y0, y1) = (points.map(\.y).min()!, points.map(\.y).max()!)
            // A flat curve (its means within 5% of each other) has no knee, only noise.
            guard x1 > x0, y1 - y0 > 0.05 * max(abs(y0), abs(y1)) else { continue }
            let scaled = points.map { (($0.x - x0) / (x1 - x0), ($0.y - y0) / (y1 - y0)) }
            let (first, last) = (scaled.first!, scaled.last!)
            let (dx, dy) = (last.0 - first.0, last.1 - first.1)
            let length = (dx * dx + dy * dy).squareRoot()
            var best = (index: 0, distance: -1.0)
            for (index, point) in scaled.enumerated() {
                let distance = abs(dy * (point.0 - first.0) - dx * (point.1 - first.1)) / length
                if distance > best.distance + 1e-12 { best = (index, distance) }
            }
            if best.index != 0, best.index != points.count - 1 { result.append((axis, points[best.index].configuration)) }
        }
        return result
    }
}
