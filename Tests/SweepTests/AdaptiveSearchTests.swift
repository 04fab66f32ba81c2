import Sweep
import Testing

@Suite("Adaptive sweeps")
struct AdaptiveSearchTests {
    /// The full grid and the adaptive search over the same plan.
    func both(vary: [String], slo: [String], minimize: String) throws -> (full: SweepAnalysis, adaptive: SweepAnalysis) {
        let world = try sweepWorld("worlds/validation/mmc.json")
        var plan = try makePlan(world, set: ["traffic.customers=2000"], vary: vary, seeds: 3, metrics: [], slo: slo,
                                minimize: minimize, warmupDeletion: false)
        let full = try sweep(world, plan)
        plan.adaptive = true
        let runner = SweepRunner(plan: plan, specs: try world.specs(for: plan))
        let records = try AdaptiveSearch(plan: plan).run { batch throws(SweepError) in try runner.run(batch, jobs: 2) }
        return (full, SweepAnalysis(plan: plan, records: records))
    }

    @Test("bisecting one axis finds the full grid's cheapest configuration with fewer runs")
    func bisection() throws {
        let (full, adaptive) = try both(vary: ["services.backend.workers=8..15/1"], slo: ["backend.latency.mean < 1150"],
                                        minimize: "services.backend.workers")
        #expect(AdaptiveSearch(plan: adaptive.plan).bisects)
        let answer = try #require(full.cheapest)
        #expect(adaptive.cheapest == answer)
        #expect(full.plan.values(of: answer) != ["8"] && full.plan.values(of: answer) != ["15"])
        #expect(adaptive.records.count < full.records.count / 2, "\(adaptive.records.count) of \(full.records.count) runs")
        // The adaptive records are the full grid's runs, figure for figure.
        for record in adaptive.records {
            #expect(full.records.contains(record))
        }
    }

    @Test("on two axes, cheapest-first with early failure finds the same answer and skips dominated configurations")
    func cheapestFirst() throws {
        let (full, adaptive) = try both(vary: ["services.backend.workers=8..12/1", "traffic.rate=6/s,7/s"],
                                        slo: ["backend.latency.mean < 1150", "backend.wait.p99 < 3s"],
                                        minimize: "services.backend.workers")
        #expect(!AdaptiveSearch(plan: adaptive.plan).bisects)
        let answer = try #require(full.cheapest)
        #expect(adaptive.cheapest == answer)
        #expect(adaptive.records.count < full.records.count)
        // Nothing costlier than the answer was run.
        let best = try #require(full.cost(answer))
        for record in adaptive.records { #expect(try #require(full.cost(record.configuration)) <= best) }
    }
}
