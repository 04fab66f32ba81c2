import Foundation
import Sweep
import World

/// The repository's root (Tests/SweepTests/ is two levels below it).
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// A shipped world file, ready to sweep.
func sweepWorld(_ relativePath: String) throws -> SweepWorld {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/" + relativePath)))
    return SweepWorld(path: relativePath, bytes: bytes)
}

/// A plan over `world` with `--vary` texts and `seeds` 1..n.
func makePlan(_ world: SweepWorld, set: [String] = [], vary: [String], seeds: Int, metrics: [String],
          slo: [String] = [], minimize: String? = nil, warmupDeletion: Bool = true) throws -> SweepPlan {
    let parameters = try vary.enumerated().map { try SweepParameter(parsing: $1, position: $0 + 1) }
    let objectives = try slo.enumerated().map { try ServiceLevelObjective(parsing: $1, position: $0 + 1) }
    let cost = try minimize.map { try CostExpression(parsing: $0, parameters: parameters.map(\.path)) }
    var metrics = metrics
    for objective in objectives where !metrics.contains(objective.metric) { metrics.append(objective.metric) }
    return SweepPlan(worldPath: world.path, worldName: try world.base(set: set).name, set: set, parameters: parameters,
                     seeds: (1...UInt64(seeds)).map { $0 }, metrics: metrics, objectives: objectives, cost: cost,
                     warmupDeletion: warmupDeletion)
}

/// Every run of `plan` on `jobs` threads, analysed.
func sweep(_ world: SweepWorld, _ plan: SweepPlan, jobs: Int = 2) throws -> SweepAnalysis {
    let runner = SweepRunner(plan: plan, specs: try world.specs(for: plan))
    return SweepAnalysis(plan: plan, records: try runner.run(Array(0..<plan.runCount), jobs: jobs))
}

/// The files of a sweep as (name, text) pairs, for byte comparisons.
func texts(_ files: [(name: String, contents: String)]) -> [String] {
    files.map { "\($0.name)\n\($0.contents)" }
}
