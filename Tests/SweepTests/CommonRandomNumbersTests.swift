import Platform
import Sweep
import Testing

@Suite("Common random numbers in sweeps")
struct CommonRandomNumbersTests {
    @Test("neighbouring configurations' paired difference has a much narrower interval than the unpaired one")
    func pairedIsNarrower() throws {
        // M/M/c with 11 and 12 workers (ρ ≈ 0.65 and 0.6): every customer brings the same
        // arrival time and service time to both, so their sojourns differ only by the waits,
        // while across seeds the mean sojourn moves with the seed's service times.
        let world = try sweepWorld("worlds/validation/mmc.json")
        let plan = try makePlan(world, set: ["traffic.customers=3000"], vary: ["services.backend.workers=11,12"], seeds: 6,
                                metrics: ["backend.latency.mean"], warmupDeletion: false)
        let analysis = try sweep(world, plan)
        let difference = try #require(analysis.differences.first)
        let paired = try #require(difference.paired.halfWidth)
        let unpaired = try #require(difference.unpairedHalfWidth)
        #expect(paired * 4 < unpaired, "paired ±\(paired) against unpaired ±\(unpaired)")
        // The extra worker shortens waits in every seed.
        #expect(difference.paired.mean < 0)
        #expect(difference.paired.mean + paired < 0)
    }

    @Test("with one seed, the chosen metric's interval comes from batch means within the run")
    func oneSeedUsesBatchMeans() throws {
        let world = try sweepWorld("worlds/validation/mmc.json")
        let plan = try makePlan(world, set: ["traffic.customers=20000", "metrics.interval=30s"],
                                vary: ["services.backend.workers=9"], seeds: 1, metrics: ["backend.wait.mean"])
        let analysis = try sweep(world, plan, jobs: 1)
        let cell = analysis.cell(0, "backend.wait.mean")
        #expect(cell.basis == .batchMeans)
        let interval = try #require(cell.interval)
        let halfWidth = try #require(interval.halfWidth)
        // Erlang C: M/M/9 at λ = 7.2/s, μ = 1/s has a mean wait of 0.240 s.
        let theory = ErlangC(servers: 9, arrivalRate: 7.2, serviceRate: 1).meanWait * 1000
        #expect(abs(theory - 240.1) < 0.1)
        #expect(abs(interval.mean - theory) < 2 * halfWidth, "batch mean \(interval.mean) ± \(halfWidth) ms")
        #expect(halfWidth < 0.3 * theory)
        let record = try #require(analysis.records.first)
        #expect(record.steady.first?.metric == "backend.wait.mean")
    }
}
