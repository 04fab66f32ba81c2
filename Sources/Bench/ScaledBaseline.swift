public import World
import Platform
import SimKernel

/// The baseline world scaled as a platform N times larger — the one definition of the
/// overrides (`scripts/scaled-baseline` reads them from `bench --child overrides`), as
/// `--set` arguments: demand (the traffic
/// profile's rates, population, merchants, riders, catalog) and capacity (every service's
/// instances, the database's cores and connections) both × N, so a ×N world does about N
/// times the baseline's work and its cost per order should not grow with N.
///
/// The base figures are `worlds/baseline.json`'s own; a test checks that factor 1
/// reproduces that world exactly, so an edit to the world that these figures miss fails.
public enum ScaledBaseline {
    /// The world it scales, from the project's root.
    public static let world = "worlds/baseline.json"

    /// The `--set` overrides for a platform `factor` times the baseline.
    public static func overrides(factor: Int) -> [String] {
        precondition(factor >= 1, "a scale factor is a whole number from 1 up")
        func rate(_ perSecond: Double) -> String {
            let scaled = perSecond * Double(factor)
            return scaled == scaled.rounded() ? "\(Int(scaled))/s" : "\(scaled)/s"
        }
        let profile = "[{\"for\":\"15m\",\"rate\":\"\(rate(1))\"},{\"for\":\"15m\",\"from\":\"\(rate(1))\",\"to\":\"\(rate(2.5))\"},"
            + "{\"for\":\"15m\",\"rate\":\"\(rate(2.5))\"},{\"for\":\"15m\",\"from\":\"\(rate(2.5))\",\"to\":\"\(rate(1))\"}]"
        let instances = [("gateway", 2), ("auth", 2), ("menu", 2), ("order", 2), ("inventory", 2), ("payment", 2),
                         ("dispatch", 2), ("notification", 1)]
        return ["traffic.rate=\(profile)",
                "traffic.population=\(20_000 * factor)",
                "merchants.count=\(200 * factor)",
                "riders.count=\(1_500 * factor)",
                "catalog.items=\(500 * factor)",
                "catalog.flash_items=\(2 * factor)"]
            + instances.map { "services.\($0.0).instances=\($0.1 * factor)" }
            + ["infrastructure.database.cores=\(16 * factor)",
               "infrastructure.database.max_connections=\(500 * factor)"]
    }

    /// Runs the scaled world (overrides applied) and returns its figures; `runSeconds`
    /// covers `PlatformWorld.run()` only.
    public static func run(_ spec: WorldSpec, factor: Int, seed: UInt64?) throws -> ScaledRunFigures {
        let world = try PlatformWorld(spec: spec, seed: seed)
        let (outcome, runSeconds) = timedSeconds { world.run() }
        world.sim.shutdown()
        guard outcome.result.stop.isSuccess else {
            throw DeliverySimMMC.Problem(description: "the scaled baseline ended \(outcome.result.stop.label)")
        }
        func total(_ name: String) -> Int { Int(outcome.metrics.existingCounter(name)?.total ?? 0) }
        return ScaledRunFigures(factor: factor, ordersCreated: total("orders.created"), ordersDelivered: total("orders.delivered"),
                                traceEvents: outcome.result.events, kernelSteps: outcome.result.jobs + outcome.result.timers,
                                runSeconds: runSeconds)
    }
}

/// What one run of the scaled baseline reports (one `key=value` line, read back by the
/// benchmark's parent).
public struct ScaledRunFigures: Sendable, Equatable {
    /// The scale factor.
    public var factor: Int
    /// Orders created.
    public var ordersCreated: Int
    /// Orders delivered.
    public var ordersDelivered: Int
    /// Model events in the trace.
    public var traceEvents: Int
    /// Kernel steps (executor jobs + timers fired).
    public var kernelSteps: Int
    /// `PlatformWorld.run()`'s time, seconds.
    public var runSeconds: Double

    /// Figures as measured.
    public init(factor: Int, ordersCreated: Int, ordersDelivered: Int, traceEvents: Int, kernelSteps: Int, runSeconds: Double) {
        self.factor = factor
        self.ordersCreated = ordersCreated
        self.ordersDelivered = ordersDelivered
        self.traceEvents = traceEvents
        self.kernelSteps = kernelSteps
        self.runSeconds = runSeconds
    }

    /// The figures as one line.
    public var line: String {
        "factor=\(factor) orders_created=\(ordersCreated) orders_delivered=\(ordersDelivered) "
            + "trace_events=\(traceEvents) kernel_steps=\(kernelSteps) run_seconds=\(runSeconds)\n"
    }

    /// Reads the figures back, or names the first key missing or malformed.
    public static func parse(_ output: String) -> Result<ScaledRunFigures, MMCFigures.ParseProblem> {
        var values: [String: String] = [:]
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            values[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        var integers: [Int] = []
        for key in ["factor", "orders_created", "orders_delivered", "trace_events", "kernel_steps"] {
            guard let value = values[key].flatMap({ Int($0) }) else { return .failure(.init(key: key)) }
            integers.append(value)
        }
        guard let seconds = values["run_seconds"].flatMap({ Double($0) }), seconds.isFinite else {
            return .failure(.init(key: "run_seconds"))
        }
        return .success(ScaledRunFigures(factor: integers[0], ordersCreated: integers[1], ordersDelivered: integers[2],
                                         traceEvents: integers[3], kernelSteps: integers[4], runSeconds: seconds))
    }
}
