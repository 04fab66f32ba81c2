import World

/// What a sweep runs: a world, the overrides every run gets, the axes and their values,
/// the seeds, and what to judge the runs by. The grid is every combination of the axes'
/// values (the first axis varies slowest), each run once per seed.
///
/// A plan is written to `sweep.json` beside the results, so shard folders can be checked
/// to belong to the same sweep before they are merged.
public struct SweepPlan: Sendable, Equatable {
    /// The world file as given on the command line.
    public var worldPath: String
    /// The world's name (from the file, after `--set`).
    public var worldName: String
    /// `--set` overrides applied to every run, in order.
    public var set: [String]
    /// The axes, in the order given.
    public var parameters: [SweepParameter]
    /// The seeds each configuration runs with, in order.
    public var seeds: [UInt64]
    /// The metrics reported per configuration, judged by MSER-5, charted and compared.
    public var metrics: [String]
    /// The service-level objectives a configuration must meet in every seed.
    public var objectives: [ServiceLevelObjective]
    /// The cost to minimise among configurations meeting every objective (nil: none).
    public var cost: CostExpression?
    /// Whether each run's chosen metrics are judged after deleting the initial transient
    /// (MSER-5) rather than over the whole run.
    public var warmupDeletion: Bool
    /// Whether only the runs ``AdaptiveSearch`` needs are made, instead of the full grid.
    public var adaptive: Bool

    /// A plan from its parts.
    public init(worldPath: String, worldName: String, set: [String], parameters: [SweepParameter], seeds: [UInt64],
                metrics: [String], objectives: [ServiceLevelObjective], cost: CostExpression?, warmupDeletion: Bool,
                adaptive: Bool = false) {
        self.adaptive = adaptive
        self.worldPath = worldPath
        self.worldName = worldName
        self.set = set
        self.parameters = parameters
        self.seeds = seeds
        self.metrics = metrics
        self.objectives = objectives
        self.cost = cost
        self.warmupDeletion = warmupDeletion
    }

    /// Configurations in the grid: the product of the axes' sizes (1 with no axis).
    public var configurationCount: Int { parameters.reduce(1) { $0 * $1.values.count } }

    /// Runs in the sweep: configurations × seeds.
    public var runCount: Int { configurationCount * seeds.count }

    /// The value index on each axis of configuration `index` (first axis slowest).
    public func valueIndices(of index: Int) -> [Int] {
        var rest = index
        var indices = [Int](repeating: 0, count: parameters.count)
        for axis in parameters.indices.reversed() {
            indices[axis] = rest % parameters[axis].values.count
            rest /= parameters[axis].values.count
        }
        return indices
    }

    /// The configuration with the given value index on each axis.
    public func configuration(at indices: [Int]) -> Int {
        var index = 0
        for axis in parameters.indices { index = index * parameters[axis].values.count + indices[axis] }
        return index
    }

    /// The value texts of configuration `index`, one per axis.
    public func values(of index: Int) -> [String] {
        zip(parameters, valueIndices(of: index)).map { $0.values[$1] }
    }

    /// The overrides of configuration `index`: the `--set`s, then one per axis.
    public func overrides(of index: Int) -> [String] {
        set + zip(parameters, valueIndices(of: index)).map { $0.override($1) }
    }

    /// A short name for configuration `index`: `max_open=20 acquire_timeout=500ms`.
    public func label(of index: Int) -> String {
        if parameters.isEmpty { return "(the world as it is)" }
        return zip(parameters, values(of: index)).map { "\(Self.shortName($0.path))=\($1)" }.joined(separator: " ")
    }

    /// The last component of a path, for tables (`services.payment.workers` → `workers`),
    /// unless two axes would then share a name.
    public func columnName(_ axis: Int) -> String {
        let short = Self.shortName(parameters[axis].path)
        let clash = parameters.indices.contains { $0 != axis && Self.shortName(parameters[$0].path) == short }
        return clash ? parameters[axis].path : short
    }

    static func shortName(_ path: String) -> String {
        String(path.split(separator: ".").last ?? Substring(path))
    }

    /// The run at position `index` of the sweep's order: configurations in grid order,
    /// each with every seed.
    public func run(_ index: Int) -> (configuration: Int, seed: UInt64) {
        (index / seeds.count, seeds[index % seeds.count])
    }
}
