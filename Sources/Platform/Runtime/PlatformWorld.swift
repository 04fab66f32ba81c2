public import SimKernel
public import World

/// A world built from a ``WorldSpec``: the simulation, the platform's actors wired as the
/// spec says, and the traffic that drives them.
///
/// ```swift
/// let world = try PlatformWorld(spec: spec)
/// let outcome = world.run()
/// print(outcome.result.digestHex)
/// ```
public final class PlatformWorld: @unchecked Sendable {
    /// The spec the world was built from (with the seed actually used).
    public let spec: WorldSpec
    /// The simulation running it.
    public let sim: Simulation
    private var services: [String: Service] = [:]
    private var arrivals: ArrivalProcess?

    /// Builds the world; `seed` overrides the spec's seed.
    public init(spec: WorldSpec, seed: UInt64? = nil) throws(PlatformError) {
        var spec = spec
        if let seed { spec.seed = seed }
        self.spec = spec
        sim = Simulation(seed: spec.seed)
        sim.metrics.keepTimeSeries(interval: spec.metrics.interval.nanoseconds, maxRows: spec.metrics.maxRows)
        for serviceSpec in spec.services {
            services[serviceSpec.name] = Service(sim: sim, spec: serviceSpec)
        }
        let journeys = try spec.traffic.journeys.map { journey throws(PlatformError) -> Journey in
            switch journey.kind {
            case .request(let name):
                guard let service = services[name] else { throw .unknownService(name) }
                return .request(service)
            }
        }
        let arrivals = ArrivalProcess(sim: sim, traffic: spec.traffic, journeys: journeys)
        self.arrivals = arrivals
        let ordered = spec.services.compactMap { services[$0.name] }
        sim.spawn("platform.start") {
            for service in ordered { await service.start() }
            await arrivals.start()
        }
    }

    /// Runs the world to its end and returns what happened.
    public func run() -> WorldOutcome {
        let result = sim.run(until: spec.duration, maxSteps: spec.maxEvents)
        return WorldOutcome(spec: spec, result: result, metrics: sim.metrics)
    }
}

/// A world that cannot be built from its spec.
public enum PlatformError: Error, Equatable, CustomStringConvertible {
    /// A journey names a service the world does not have.
    case unknownService(String)

    public var description: String {
        switch self {
        case .unknownService(let name): return "a journey calls service \"\(name)\", which the world does not define"
        }
    }
}

/// What a run produced: the kernel's result and the metrics.
public struct WorldOutcome: @unchecked Sendable {
    /// The spec, with the seed used.
    public let spec: WorldSpec
    /// How the run ended, its digest and counts.
    public let result: RunResult
    /// Every metric and its time series.
    public let metrics: Metrics
}
