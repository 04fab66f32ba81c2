import Bench
import Platform
import Testing

/// The benchmark's floor models the same queue as the others: its figures agree with
/// Erlang C, as DeliverySim's do (`ErlangCTests`).
@Suite("The plain event loop")
struct PlainMMCTests {
    /// Independent replications: at ρ = 0.9 one customer's wait is most of the next one's,
    /// so the customers of one run are not independent samples, but separate seeds are.
    /// Each replication is 100,000 customers (the queue relaxes in a few hundred), and the
    /// standard error of the overall mean is sd(replication means)/√replications (about 3%
    /// of Wq here); a correct loop lands within 4.5 of them (t with 9 degrees of freedom:
    /// p ≈ 0.0015). About two seconds in a debug build.
    @Test("Wq, W and P(wait) of a million customers (10 seeds × 100,000) agree with Erlang C")
    func agreesWithErlangC() {
        let theory = BenchModel.erlangC
        let runs = (1...10).map { BenchModel.plain.run(customers: 100_000, seed: UInt64($0)) }
        for run in runs {
            #expect(run.customers == 100_000)
            #expect(run.events == 200_000, "an arrival and a departure per customer")
        }
        func check(_ figure: (PlainMMC.Result) -> Double, _ exact: Double, _ name: String) {
            let values = runs.map(figure)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            let standardError = (variance / Double(values.count)).squareRoot()
            #expect(abs(mean - exact) < 4.5 * standardError, "\(name): \(mean) against \(exact), standard error \(standardError)")
        }
        check(\.meanWait, theory.meanWait, "Wq")
        check(\.meanSojourn, theory.meanSojourn, "W")
        check(\.probabilityOfWaiting, theory.probabilityOfWaiting, "P(wait)")
    }

    @Test("the same seed gives the same run; another seed, another")
    func seeded() {
        let model = PlainMMC(servers: 2, arrivalRate: 1, serviceRate: 1)
        #expect(model.run(customers: 5_000, seed: 7) == model.run(customers: 5_000, seed: 7))
        #expect(model.run(customers: 5_000, seed: 7) != model.run(customers: 5_000, seed: 8))
    }

    @Test("with one server it is M/M/1: P(wait) = ρ, Wq = ρ/(μ − λ)")
    func singleServer() {
        // ρ = 0.5 relaxes fast, so one long run is close: sd of Wq's run mean ≈ 1%.
        let result = PlainMMC(servers: 1, arrivalRate: 0.5, serviceRate: 1).run(customers: 200_000, seed: 3)
        #expect(abs(result.probabilityOfWaiting - 0.5) < 0.01)
        #expect(abs(result.meanWait - 1.0) < 0.05)
    }
}
