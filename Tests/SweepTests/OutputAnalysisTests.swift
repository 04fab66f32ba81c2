import Foundation
import SimKernel
import Sweep
import Testing

/// A seeded AR(1) series X_t = μ + φ (X_{t−1} − μ) + ε_t, ε ~ N(0, σ²), started at `start`.
func autoregressive(count: Int, mean: Double, phi: Double, sigma: Double, start: Double, seed: UInt64) -> [Double] {
    var random = RandomStream(seed: seed, name: "ar1")
    var x = start
    var series: [Double] = []
    series.reserveCapacity(count)
    for _ in 0..<count {
        // Box–Muller from two open-unit draws.
        let normal = (-2 * log(random.nextOpenUnit())).squareRoot() * cos(2 * Double.pi * random.nextOpenUnit())
        x = mean + phi * (x - mean) + sigma * normal
        series.append(x)
    }
    return series
}

@Suite("Output analysis: warm-up deletion and batch means")
struct OutputAnalysisTests {
    @Test("MSER-5 deletes an obvious initial transient and about nothing from a stationary series")
    func mserFindsTransient() {
        // 100 observations decaying from 50 towards 10, then 900 around 10.
        let noise = autoregressive(count: 1000, mean: 0, phi: 0.3, sigma: 1, start: 0, seed: 3)
        let series = noise.enumerated().map { index, e in 10 + (index < 100 ? 40 * Double(100 - index) / 100 : 0) + e }
        let deleted = WarmupDeletion.truncation(series)
        #expect(deleted % 5 == 0)
        #expect((90...130).contains(deleted), "deleted \(deleted)")
        // Started at its mean, an AR(1) series has no transient worth deleting.
        let stationary = autoregressive(count: 1000, mean: 10, phi: 0.3, sigma: 1, start: 10, seed: 4)
        #expect(WarmupDeletion.truncation(stationary) <= 50)
        // Never more than half, never anything from a series shorter than two batches.
        #expect(WarmupDeletion.truncation((0..<40).map { Double(40 - $0) }) <= 20)
        #expect(WarmupDeletion.truncation([5, 4, 3, 2, 1, 0, 0, 0, 0]) == 0)
    }

    @Test("batch means cover an AR(1) series' known mean about 95% of the time; treating the series as independent does not")
    func batchMeansCoverage() {
        // φ = 0.9: observations are strongly correlated (the mean's variance is 19× what
        // independence assumes), so an iid interval is far too narrow.
        let replications = 200
        var covered = 0, naiveCovered = 0
        for replication in 0..<replications {
            let series = autoregressive(count: 8_000, mean: 5, phi: 0.9, sigma: 1, start: 5, seed: UInt64(100 + replication))
            let interval = BatchMeans.interval(series, batches: 20)!
            if abs(interval.mean - 5) <= interval.halfWidth! { covered += 1 }
            let naive = MeanInterval(series)
            if abs(naive.mean - 5) <= naive.halfWidth! { naiveCovered += 1 }
        }
        let coverage = Double(covered) / Double(replications)
        #expect((0.88...0.99).contains(coverage), "batch-means coverage \(coverage)")
        #expect(Double(naiveCovered) / Double(replications) < 0.6, "naive coverage \(naiveCovered)")
    }

    @Test("a mean interval uses Student's t: three samples 1, 2, 3 give 2 ± 4.303 · 1/√3")
    func meanInterval() throws {
        let interval = MeanInterval([1, 2, 3])
        #expect(interval.mean == 2)
        #expect(abs(try #require(interval.halfWidth) - 4.302653 / 3.0.squareRoot()) < 1e-5)
        #expect(MeanInterval([7]).halfWidth == nil)
    }
}

@Suite("Warm-up deletion in a sweep")
struct SweepWarmupTests {
    @Test("a run that starts overloaded has its transient deleted; --no-warmup-deletion judges the whole run")
    func overloadedStartIsDeleted() throws {
        // Ten minutes at 9/s against 8 workers (ρ = 1.125) build a queue; then 6/s (ρ = 0.75)
        // drains it: the waits of the first part are the transient.
        let world = try sweepWorld("worlds/validation/mmc.json")
        let set = ["traffic.customers=15000", "metrics.interval=30s", #"traffic.rate=[{"for": "10m", "rate": "9/s"}, {"rate": "6/s"}]"#]
        let on = try sweep(world, try makePlan(world, set: set, vary: [], seeds: 1, metrics: ["backend.wait.mean"]), jobs: 1)
        let off = try sweep(world, try makePlan(world, set: set, vary: [], seeds: 1, metrics: ["backend.wait.mean"],
                                                warmupDeletion: false), jobs: 1)
        let deleted = try #require(on.records.first?.steady.first)
        let whole = try #require(on.records.first?.value("backend.wait.mean"))
        #expect(deleted.deletedSeconds >= 600, "deleted \(deleted.deletedSeconds) s")
        #expect(try #require(deleted.value) < whole / 2)
        let kept = try #require(off.records.first?.steady.first)
        #expect(kept.deletedSeconds == 0)
        #expect(kept.value == whole)
        #expect(on.records.first?.digest == off.records.first?.digest)
    }
}
