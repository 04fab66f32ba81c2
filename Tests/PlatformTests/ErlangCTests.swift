import Platform
import Report
import SimKernel
import Testing
import World

/// The simulator checked against queueing theory, through the same world file, actors
/// and worker-pool code as every other world.
///
/// Tolerances come from the run itself: the time series splits the run into batches
/// (one per interval), whose means are nearly independent when a batch is much longer
/// than the queue's relaxation time. The standard error of the overall mean is then
/// sd(batch means)/√batches, shrinking as 1/√customers, and a correct simulator lands
/// within 4 standard errors of the exact value with probability > 99.99%. At ρ = 0.9
/// waits are strongly correlated (one customer's wait is most of the next one's), so a
/// run needs hundreds of thousands of customers for a few-percent check; at ρ = 0.5 a
/// few hundred thousand give well under 1%.
@Suite("M/M/c against Erlang C")
struct ErlangCTests {
    struct Case: Sendable, CustomStringConvertible {
        var servers: Int
        var arrivalRate: Double
        var customers: Int
        var interval: String
        var description: String { "c=\(servers), λ=\(arrivalRate)" }
    }

    @Test("exact Erlang C values for c=8, λ=7.2, μ=1 (the peers' model)")
    func erlangCFormula() {
        let model = ErlangC(servers: 8, arrivalRate: 7.2, serviceRate: 1)
        #expect(abs(model.probabilityOfWaiting - 0.701_532_990_1) < 1e-9)
        #expect(abs(model.meanWait - 0.876_916_237_7) < 1e-9)
        #expect(abs(model.utilisation - 0.9) < 1e-12)
        #expect(abs(model.meanQueueLength - 6.313_796_911_3) < 1e-9)
    }

    @Test("Erlang C stays exact far past where summing A^k/k! in doubles overflows")
    func largeSystems() {
        // c = 790, A = 711: the naive sum overflowed to P(wait) = 0. Reference values from
        // 60-digit arithmetic (mpmath, summing A^k/k! in log space).
        let large = ErlangC(servers: 790, arrivalRate: 711, serviceRate: 1)
        #expect(abs(large.probabilityOfWaiting - 0.002_055_035_433_282_375) < 1e-13)
        // Beyond 720 Erlangs the sum was NaN. A million Erlangs with square-root staffing
        // (c = A + √A): 0.223501824 (exact), near Halfin–Whitt's limit 1/(1 + Φ(1)/φ(1)) = 0.2234.
        let huge = ErlangC(servers: 1_001_000, arrivalRate: 1_000_000, serviceRate: 1)
        #expect(abs(huge.probabilityOfWaiting - 0.223_501_824) < 1e-8)
        // One server: M/M/1, P(wait) = ρ.
        #expect(abs(ErlangC(servers: 1, arrivalRate: 0.3, serviceRate: 1).probabilityOfWaiting - 0.3) < 1e-12)
    }

    @Test("an M/M/c world with a fault gets no Erlang C figures, and says why")
    func faultsMakeTheoryInapplicable() throws {
        let plain = try loadWorld("worlds/validation/mmc.json")
        #expect(plain.erlangCModel != nil)
        #expect(plain.erlangCInapplicable == nil)
        let surged = try loadWorld("worlds/validation/mmc.json", overrides: [
            #"faults=[{"kind": "surge", "factor": 1.1, "at": "1m", "for": "1m"}]"#, "traffic.customers=2000"])
        #expect(surged.erlangCModel == nil)
        let reason = try #require(surged.erlangCInapplicable)
        #expect(reason.contains("surge"))
        let outcome = try runWorld(surged)
        let summary = RunSummary(outcome).text
        #expect(summary.contains(#""applicable": false"#))
        #expect(!summary.contains("mean_wait_s"), "no unfaulted figures beside a faulted run")
    }

    @Test("mean wait and P(wait > 0) match Erlang C within four batch standard errors",
          arguments: [
            Case(servers: 8, arrivalRate: 7.2, customers: 400_000, interval: "20m"), // ρ = 0.9
            Case(servers: 2, arrivalRate: 1.0, customers: 200_000, interval: "1h"),  // ρ = 0.5
          ])
    func matchesTheory(_ test: Case) throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=\(test.customers)",
            "traffic.rate=\(test.arrivalRate)",
            "services.backend.workers=\(test.servers)",
            "metrics.interval=\"\(test.interval)\"",
        ])
        let model = try #require(spec.erlangCModel?.model)
        let outcome = try runWorld(spec)
        #expect(outcome.result.stop == .completed)
        let metrics = outcome.metrics
        let wait = try #require(metrics.existingHistogram("backend.wait")?.total)
        #expect(wait.count == test.customers)

        // Batch means from the time series (the last, partial batch is dropped).
        let rows = try #require(metrics.timeSeries?.rows).dropLast()
        let batchWaits = rows.compactMap { row -> Double? in
            row.histograms.first { $0.name == "backend.wait" }?.value.mean.map { $0 / 1e9 }
        }
        let batchWaited = rows.compactMap { row -> Double? in
            let started = row.histograms.first { $0.name == "backend.wait" }?.value.count ?? 0
            let waited = row.counters.first { $0.name == "backend.waited" }?.value ?? 0
            return started > 0 ? Double(waited) / Double(started) : nil
        }
        #expect(batchWaits.count >= 20, "too few batches for a standard error")

        let measuredWait = wait.mean! / 1e9
        let measuredP = Double(metrics.existingCounter("backend.waited")!.total) / Double(wait.count)
        let waitError = standardError(batchWaits)
        let pError = standardError(batchWaited)
        #expect(abs(measuredWait - model.meanWait) <= 4 * waitError,
                "Wq \(measuredWait) vs \(model.meanWait) ± 4×\(waitError)")
        #expect(abs(measuredP - model.probabilityOfWaiting) <= 4 * pError,
                "P(wait) \(measuredP) vs \(model.probabilityOfWaiting) ± 4×\(pError)")
        // The check must be sharp enough to mean something.
        #expect(waitError / model.meanWait < 0.05)
    }

    @Test("Little's law holds on the measured means: time-average L equals λ·W")
    func littlesLaw() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: ["traffic.customers=50000"])
        let outcome = try runWorld(spec)
        let metrics = outcome.metrics
        let end = outcome.result.endTime
        let seconds = Double(end) / 1e9
        let l = metrics.existingGauge("backend.queue")!.mean(at: end) + metrics.existingGauge("backend.busy")!.mean(at: end)
        let lambda = Double(metrics.existingCounter("backend.completed")!.total) / seconds
        let w = metrics.existingHistogram("backend.latency")!.total.mean! / 1e9
        // The run starts and ends empty, so L·T and Σ sojourn are the same area: equal up
        // to floating-point rounding, not just statistically.
        #expect(abs(l - lambda * w) / l < 1e-9, "L \(l) vs λW \(lambda * w)")
        // And Lq = λ·Wq likewise for the queue alone.
        let lq = metrics.existingGauge("backend.queue")!.mean(at: end)
        let wq = metrics.existingHistogram("backend.wait")!.total.mean! / 1e9
        #expect(abs(lq - lambda * wq) / lq < 1e-9)
    }

    func standardError(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (variance / n).squareRoot()
    }
}
