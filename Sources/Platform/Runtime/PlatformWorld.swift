public import SimKernel
public import World

/// A world built from a ``WorldSpec``: the simulation, the platform's actors wired as the
/// spec says, the traffic that drives them and the faults that disturb them.
///
/// ```swift
/// let world = try PlatformWorld(spec: spec)
/// let outcome = world.run()
/// print(outcome.result.digestHex, outcome.invariants, outcome.expectations)
/// ```
public final class PlatformWorld: @unchecked Sendable {
    /// The spec the world was built from (with the seed actually used).
    public let spec: WorldSpec
    /// The simulation running it.
    public let sim: Simulation
    let platform: PlatformContext

    /// Builds the world; `seed` overrides the spec's seed.
    public init(spec: WorldSpec, seed: UInt64? = nil) throws(PlatformError) {
        var spec = spec
        if let seed { spec.seed = seed }
        self.spec = spec
        sim = Simulation(seed: spec.seed)
        sim.maxInFlight = spec.limits.maxInFlight
        sim.metrics.keepTimeSeries(interval: spec.metrics.interval.nanoseconds, maxRows: spec.metrics.maxRows)
        let platform = PlatformContext(sim: sim, spec: spec)
        self.platform = platform

        var journeys: [Journey] = []
        for journey in spec.traffic.journeys {
            switch journey.kind {
            case .request(let name):
                guard let service = platform.services[name] else { throw .unknownService(name) }
                journeys.append(.request(service))
            case .order, .browse, .flashSale:
                guard spec.hasPlatform else { throw .platformMissing }
                journeys.append(.visit(journey.kind, platform.customers))
            }
        }
        // The surges the fault schedule holds: the arrivals' extra candidate stream.
        let surgeFactors = spec.faults.compactMap { fault -> Double? in
            if case .surge(let factor) = fault.kind { return factor } else { return nil }
        }
        let streams = StreamCount()
        let finished: @Sendable () -> Void = {
            streams.running -= 1
            if streams.running == 0 { platform.activity.arrivalsActive = false }
        }
        let arrivals = ArrivalProcess(sim: sim, rate: spec.traffic.rate, limit: spec.traffic.customers,
                                      journeys: journeys, weights: spec.traffic.journeys.map(\.weight),
                                      surgeFactors: surgeFactors, faults: platform.faults, draws: platform.draws,
                                      onFinish: finished)
        var badTraffic: ArrivalProcess?
        if let profile = spec.traffic.badTraffic, spec.hasPlatform {
            streams.running += 1
            badTraffic = ArrivalProcess(sim: sim, name: "bad_traffic", rate: profile, limit: nil,
                                        journeys: [.missingProduct(platform.customers)], weights: [1],
                                        surgeFactors: surgeFactors, faults: platform.faults, draws: platform.draws,
                                        onFinish: finished)
        }
        let faults = FaultScheduler(faults: spec.faults, sim: sim, metrics: platform.metrics, faultState: platform.faults,
                                    network: platform.network, infrastructure: platform.infrastructure,
                                    services: platform.services)
        if badTraffic != nil { sim.metrics.declare(.counter, Journey.badRequestsName) }
        // What the world made while being built exists before it runs.
        sim.metrics.declareExisting()
        let services = spec.services.compactMap { platform.services[$0.name] }
        let logic = platform.logic
        // Idle handler tasks and consumers wait for their next call or message on a
        // continuation no cancellation reaches: a world torn down ends them, so it keeps
        // none alive (a sweep runs world after world in one process).
        let broker = platform.infrastructure.broker
        let handlers = platform.handlers
        sim.atShutdown {
            handlers.stopAll()
            broker.isolatedOnWorldThread(()) { broker, _ in broker.releaseConsumers() }
        }
        sim.spawn("platform.start") { [badTraffic] in
            for service in services { await service.start(logic: logic) }
            faults.arm()
            await arrivals.start()
            await badTraffic?.start()
        }
    }

    /// Runs the world to its end, checks the invariants and the expectations, and
    /// returns what happened.
    ///
    /// `pauses` (instants within the world's duration, ascending) run the world in slices,
    /// stopping at each and going on: the outcome is the same as one run's — digest,
    /// metrics and time series — which a test checks, so a tool may step a world.
    public func run(pausingAt pauses: [Duration] = []) -> WorldOutcome {
        var slice: RunResult?
        for pause in pauses where spec.duration.map({ pause < $0 }) ?? true {
            slice = sim.run(until: pause, maxSteps: spec.maxEvents)
            if slice?.stop != .reachedEndTime { break }
        }
        let result: RunResult
        if let slice, slice.stop != .reachedEndTime {
            result = slice // the world ended (or failed) before the last pause
        } else {
            result = sim.run(until: spec.duration, maxSteps: spec.maxEvents)
        }
        platform.activity.arrivalsActive = false
        var invariants = InvariantReport()
        if spec.hasPlatform, result.stop.isSuccess {
            let box = InvariantBox()
            let platform = self.platform
            // The check reads the world after the run: not an event of the run.
            sim.trace.isRecording = false
            sim.spawn("invariant-check") { box.report = await InvariantCheck.run(platform) }
            _ = sim.run(until: .nanoseconds(result.endTime), maxSteps: 10_000_000)
            sim.trace.isRecording = true
            invariants = box.report
        }
        let query = MetricQuery(metrics: sim.metrics, end: result.endTime)
        return WorldOutcome(spec: spec, result: result, metrics: sim.metrics, invariants: invariants,
                            expectations: query.check(spec.expectations))
    }
}

/// Arrival streams still running (world-confined).
private final class StreamCount: @unchecked Sendable {
    var running = 1
}

/// Carries the invariant report out of the task that checks it inside the world
/// (world-confined: written by that task, read after the world has run it).
private final class InvariantBox: @unchecked Sendable {
    var report = InvariantReport()
}

/// A world that cannot be built from its spec.
public enum PlatformError: Error, Equatable, CustomStringConvertible {
    /// A journey names a service the world does not have.
    case unknownService(String)
    /// A customer journey needs the platform's services.
    case platformMissing

    public var description: String {
        switch self {
        case .unknownService(let name): return "a journey calls service \"\(name)\", which the world does not define"
        case .platformMissing: return "customer journeys need the platform's services (gateway, auth, menu, order, ...)"
        }
    }
}

/// What a run produced: the kernel's result, the metrics, the invariants and the
/// expectations.
public struct WorldOutcome: @unchecked Sendable {
    /// The spec, with the seed used.
    public let spec: WorldSpec
    /// How the run ended, its digest and counts.
    public let result: RunResult
    /// Every metric and its time series.
    public let metrics: Metrics
    /// Invariant violations found at the end.
    public let invariants: InvariantReport
    /// Each expectation and whether it held.
    public let expectations: [ExpectationResult]

    /// Whether the run ended normally and every expectation held.
    public var passed: Bool { result.stop.isSuccess && expectations.allSatisfy(\.passed) }
}
