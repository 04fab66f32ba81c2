public import Platform
import Report

/// A finished benchmark: the rows, the exact figures they should agree with, and the
/// machine they ran on, as the table `delivery-sim bench` prints and as JSON.
public struct BenchReport: Sendable {
    /// Customers per run.
    public var customers: Int
    /// Runs per implementation.
    public var repeats: Int
    /// The seed every run used.
    public var seed: UInt64
    /// The rows, in the benchmark's order.
    public var rows: [BenchRow]
    /// The model's exact figures.
    public var theory: ErlangC
    /// Where it ran.
    public var machine: MachineFacts
    /// With `--scaling`: the baseline platform at each factor, ×1 first.
    public var scaling: [ScalingRow]

    /// A report.
    public init(customers: Int, repeats: Int, seed: UInt64, rows: [BenchRow], theory: ErlangC, machine: MachineFacts,
                scaling: [ScalingRow] = []) {
        self.customers = customers
        self.repeats = repeats
        self.seed = seed
        self.rows = rows
        self.theory = theory
        self.machine = machine
        self.scaling = scaling
    }

    /// DeliverySim's row, when it was measured: the reference of the ratios.
    var reference: BenchRow? { rows.first { $0.implementation == .deliverysim && $0.runs != nil } }

    /// `row`'s median user CPU time over DeliverySim's, and its median peak memory over
    /// DeliverySim's; nil without a DeliverySim row. CPU time, not wall time: on a shared
    /// machine a run's wall time depends on its neighbours, its CPU time much less.
    public func ratios(_ row: BenchRow) -> (userTime: Double, peakMemory: Double)? {
        guard let reference, let time = row.median(\.process.userSeconds), let memory = row.median(\.peakMemory),
              let referenceTime = reference.median(\.process.userSeconds),
              let referenceMemory = reference.median(\.peakMemory) else { return nil }
        return (time / referenceTime, memory / referenceMemory)
    }

    /// Whether every chosen implementation ran or could not be run here; false when a
    /// run failed.
    public var succeeded: Bool {
        rows.allSatisfy { if case .failed = $0.status { false } else { true } } && scaling.allSatisfy { $0.failure == nil }
    }
}

extension BenchRun {
    /// Peak resident memory as a `Double`, for medians.
    var peakMemory: Double { Double(process.peakResidentBytes) }
}
