import Bench
import Testing

/// The table and the ratios from known runs: medians, multiples of DeliverySim's CPU
/// time, rows that could not run, failures.
@Suite("The benchmark's table")
struct BenchReportTests {
    func run(_ implementation: String, user: Double, megabytes: Int, wait: Double = 0.88) -> BenchRun {
        BenchRun(figures: MMCFigures(implementation: implementation, customers: 1000, meanWait: wait, meanSojourn: wait + 1,
                                     probabilityOfWaiting: 0.7, events: 2000, runSeconds: user),
                 process: ChildProcess.Outcome(output: "", exitStatus: 0, signal: nil, wallSeconds: user + 0.1,
                                               userSeconds: user, systemSeconds: 0, peakResidentBytes: megabytes << 20))
    }

    func report(_ rows: [BenchRow], scaling: [ScalingRow] = []) -> BenchReport {
        BenchReport(customers: 1000, repeats: 3, seed: 42, rows: rows, theory: BenchModel.erlangC,
                    machine: MachineFacts(cores: 2, loadAverage: [1, 2, 3], swiftVersion: "6.3",
                                          buildConfiguration: "release", operatingSystem: "Linux"),
                    scaling: scaling)
    }

    @Test("ratios are medians of CPU time and peak memory over DeliverySim's")
    func ratios() throws {
        let deliverySim = BenchRow(implementation: .deliverysim, status: .measured([
            run("deliverysim-0.15.0", user: 0.9, megabytes: 30), run("deliverysim-0.15.0", user: 0.5, megabytes: 20),
            run("deliverysim-0.15.0", user: 0.6, megabytes: 25)]))
        let simpy = BenchRow(implementation: .simpy, status: .measured([
            run("simpy-4.1.2", user: 12, megabytes: 15), run("simpy-4.1.2", user: 11, megabytes: 15),
            run("simpy-4.1.2", user: 30, megabytes: 16)]))
        let table = report([deliverySim, simpy])
        let ratio = try #require(table.ratios(simpy))
        #expect(abs(ratio.userTime - 12.0 / 0.6) < 1e-9, "median 12 s over median 0.6 s")
        #expect(abs(ratio.peakMemory - 15.0 / 25.0) < 1e-9)
        let lines = table.table.split(separator: "\n")
        let simpyLine = try #require(lines.first { $0.hasPrefix("SimPy 4.1.2") })
        #expect(simpyLine.contains("20.0×"))
        #expect(simpyLine.contains("15.0 MiB"))
        #expect(table.succeeded)
    }

    @Test("a row that could not run says why and is no failure; a failed run is")
    func unavailableAndFailed() {
        let plain = BenchRow(implementation: .plain, status: .measured([run("plain", user: 0.1, megabytes: 20)]))
        let ciw = BenchRow(implementation: .ciw, status: .unavailable("not installed: pip install simpy==4.1.2 ciw==3.2.7"))
        let unavailable = report([plain, ciw])
        #expect(unavailable.succeeded)
        #expect(unavailable.table.contains("Ciw               not installed: pip install simpy==4.1.2 ciw==3.2.7"))
        let failed = report([plain, BenchRow(implementation: .simpy, status: .failed("exit status 1: boom"))])
        #expect(!failed.succeeded)
        #expect(failed.table.contains("SimPy             FAILED: exit status 1: boom"))
    }

    @Test("the scaling table puts CPU per order and multiples of ×1 beside each factor")
    func scaling() throws {
        func scaled(_ factor: Int, orders: Int, user: Double) -> ScalingRun {
            ScalingRun(figures: ScaledRunFigures(factor: factor, ordersCreated: orders, ordersDelivered: orders - 10,
                                                 traceEvents: orders * 230, kernelSteps: orders * 500, runSeconds: user),
                       process: ChildProcess.Outcome(output: "", exitStatus: 0, signal: nil, wallSeconds: user,
                                                     userSeconds: user, systemSeconds: 0, peakResidentBytes: factor << 24))
        }
        let rows = [ScalingRow(factor: 1, runs: [scaled(1, orders: 4000, user: 4)], failure: nil),
                    ScalingRow(factor: 10, runs: [scaled(10, orders: 40_000, user: 52)], failure: nil)]
        let text = report([], scaling: rows).table
        let ten = try #require(text.split(separator: "\n").first { $0.hasPrefix("baseline ×10") })
        #expect(ten.contains("40,000"))
        #expect(ten.contains("1.300"), "52 s over 40,000 orders: 1.3 ms per order")
        #expect(ten.contains("13.0×"))
        #expect(ten.hasSuffix("10.0×"), "peak memory ×10")
    }
}
