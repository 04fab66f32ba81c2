public import Platform
public import World
import Report
import SimKernel

/// The M/M/c world run through DeliverySim's real actors, worker pool and kernel — the
/// same `PlatformWorld` that `delivery-sim run` builds — measured as the benchmark
/// measures every implementation.
public enum DeliverySimMMC {
    /// Why the world cannot be benchmarked.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// What is wrong, in a sentence.
        public var description: String
    }

    /// Checks that `spec` is the peers' M/M/c model (the SimPy and Ciw scripts and the
    /// plain loop model c = 8, λ = 7.2/s, μ = 1/s), so the rows compare the same thing.
    public static func check(_ spec: WorldSpec) throws(Problem) {
        guard let (_, model) = spec.erlangCModel else {
            throw Problem(description: spec.erlangCInapplicable.map { "it is not an M/M/c queue: \($0)" }
                ?? "it is not an M/M/c queue (one Poisson journey to one service with fixed workers, exponential work and an unbounded FIFO queue)")
        }
        guard model == BenchModel.erlangC else {
            throw Problem(description: "its queue is c = \(model.servers), λ = \(model.arrivalRate)/s, μ = \(model.serviceRate)/s; "
                + "the benchmark compares c = 8, λ = 7.2/s, μ = 1/s, the model of the peers' scripts")
        }
    }

    /// Runs the world (its `traffic.customers` already set) and returns what it measured.
    /// `runSeconds` covers `PlatformWorld.run()` only, as the peers time their loops.
    public static func run(_ spec: WorldSpec, seed: UInt64) throws -> MMCFigures {
        try check(spec)
        guard let (service, _) = spec.erlangCModel else { preconditionFailure("checked above") }
        let world = try PlatformWorld(spec: spec, seed: seed)
        let (outcome, runSeconds) = timedSeconds { world.run() }
        world.sim.shutdown()
        guard outcome.result.stop.isSuccess else {
            throw Problem(description: "the world ended \(outcome.result.stop.label)")
        }
        let metrics = outcome.metrics
        guard let wait = metrics.existingHistogram("\(service).wait")?.total, let meanWait = wait.mean,
              let meanSojourn = metrics.existingHistogram("\(service).latency")?.total.mean else {
            throw Problem(description: "the world served no customer")
        }
        let waited = metrics.existingCounter("\(service).waited")?.total ?? 0
        return MMCFigures(implementation: "deliverysim-\(ToolVersion.number)", customers: Int(wait.count),
                          meanWait: meanWait / 1e9, meanSojourn: meanSojourn / 1e9,
                          probabilityOfWaiting: Double(waited) / Double(wait.count),
                          events: outcome.result.jobs + outcome.result.timers,
                          runSeconds: runSeconds)
    }
}

/// The model every row of the benchmark runs: M/M/8 at λ = 7.2/s, μ = 1/s (ρ = 0.9), the
/// peers' scripts' constants.
public enum BenchModel {
    /// Its exact steady-state figures.
    public static let erlangC = ErlangC(servers: 8, arrivalRate: 7.2, serviceRate: 1)
    /// The plain event loop on it.
    public static let plain = PlainMMC(servers: erlangC.servers, arrivalRate: erlangC.arrivalRate,
                                       serviceRate: erlangC.serviceRate)
}
