import Sweep
import Testing

@Suite("Sweeps")
struct SweepRunTests {
    let mmc = "worlds/validation/mmc.json"

    @Test("the grid is every combination, the first axis slowest, each run once per seed")
    func gridOrder() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, vary: ["services.backend.workers=8,9", "traffic.rate=6/s,7/s,8/s"], seeds: 2, metrics: [])
        #expect(plan.configurationCount == 6 && plan.runCount == 12)
        #expect(plan.values(of: 0) == ["8", "6/s"])
        #expect(plan.values(of: 2) == ["8", "8/s"])
        #expect(plan.values(of: 3) == ["9", "6/s"])
        #expect(plan.configuration(at: [1, 2]) == 5)
        #expect(plan.run(5).configuration == 2 && plan.run(5).seed == 2)
        #expect(plan.overrides(of: 4) == ["services.backend.workers=9", "traffic.rate=7/s"])
    }

    @Test("a value the world reader refuses is reported before any run, at its --vary")
    func badValueLocated() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, set: ["traffic.customers=100"],
                            vary: ["traffic.rate=7/s", "services.backend.workers=8,0"], seeds: 1, metrics: [])
        #expect(throws: SweepError.self) { try world.specs(for: plan) }
        do throws(SweepError) { _ = try world.specs(for: plan) } catch {
            #expect(error.description.hasPrefix("--vary #2 (services.backend.workers=0): $.services.backend.workers: expected an integer"))
        }
        let unknown = try makePlan(world, vary: ["services.backend.wrokers=8"], seeds: 1, metrics: [])
        do throws(SweepError) { _ = try world.specs(for: unknown); Issue.record("an unknown path was accepted") } catch {
            #expect(error.description.contains("--vary #1 (services.backend.wrokers=8)"))
        }
    }

    @Test("the files are the same bytes on one thread and on three")
    func threadsDoNotChangeFiles() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, set: ["traffic.customers=1500"], vary: ["services.backend.workers=8..10/1"], seeds: 3,
                            metrics: ["backend.wait.mean"], slo: ["backend.latency.mean < 1400"],
                            minimize: "services.backend.workers")
        let serial = SweepFiles.files(try sweep(world, plan, jobs: 1))
        let parallel = SweepFiles.files(try sweep(world, plan, jobs: 3))
        #expect(serial.map(\.name) == ["sweep.json", "runs.jsonl", "sweep.csv", "sweep-summary.csv", "sweep-differences.csv", "sweep.txt", "sweep.html"])
        #expect(texts(serial) == texts(parallel))
    }

    @Test("the cheapest configuration meets every objective in every seed; cheaper ones fail in some seed")
    func cheapestMeetsObjectives() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, set: ["traffic.customers=3000"], vary: ["services.backend.workers=8..12/1"], seeds: 4,
                            metrics: [], slo: ["backend.latency.mean < 1300"], minimize: "services.backend.workers")
        let analysis = try sweep(world, plan)
        let best = try #require(analysis.cheapest)
        #expect(analysis.meetsObjectives(best))
        for configuration in 0..<plan.configurationCount {
            let cost = try #require(analysis.cost(configuration))
            if cost < analysis.cost(best)! { #expect(!analysis.meetsObjectives(configuration)) }
        }
        // At ρ = 0.9 with 8 workers the mean sojourn is about 1.9 s: 8 cannot be the answer.
        #expect(plan.values(of: best) != ["8"])
        let report = SweepReport.text(analysis)
        #expect(report.contains("cheapest configuration meeting every objective in every seed: workers=\(plan.values(of: best)[0])"))
    }
}
