import SimKernel
import World

/// Customers arriving as a (non-homogeneous) Poisson process that follows the world's
/// rate profile, each starting a journey drawn from the journey mix.
///
/// Event-driven: one scheduled event per candidate arrival, no task. Time-varying rates
/// use thinning (Lewis–Shedler): candidates arrive at the profile's peak rate and each is
/// kept with probability rate(t)/peak, which is exact for any profile and draws a fixed
/// number of random values per candidate.
actor ArrivalProcess: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    private let profile: RateProfile
    private let peak: Double
    private let limit: Int?
    /// The platform, when the world has one (for surges and winding down).
    private unowned(unsafe) let platform: PlatformContext?
    private let streamName: String
    /// Called once when arrivals stop.
    private let onFinish: (@Sendable () -> Void)?
    /// Set when the rate never changes (one endless constant segment, no surge fault):
    /// the next arrival is then one exponential draw, with no profile lookups.
    private let constantMean: Double?
    /// Whether the fault schedule has surges (the rate must then be read each time).
    private let surges: Bool
    /// The single open-loop target, when the only journey is a request (the M/M/c path:
    /// no journey selection, no enum switch per arrival).
    private unowned(unsafe) let soleTarget: Service?
    private let journeys: [Journey]
    private let cumulativeWeights: [Double]
    @exclusivity(unchecked) private var timing: RandomStream
    @exclusivity(unchecked) private var choosing: RandomStream
    /// Customers that have arrived so far.
    @exclusivity(unchecked) private(set) var arrived = 0
    private let arrivals: CounterMetric
    private let traceArrive: TraceName
    private let traceSource: TraceName

    init(sim: Simulation, name: String = "arrivals", rate: RateProfile, limit: Int?, journeys: [Journey],
         weights: [Double], platform: PlatformContext?, onFinish: (@Sendable () -> Void)? = nil) {
        self.sim = sim
        profile = rate
        // Thinning needs a bound on the rate; a surge fault can multiply it, up to the
        // largest surge factor in the world's fault schedule.
        peak = rate.peak * (platform?.spec.faults.reduce(1.0) { bound, fault in
            if case .surge(let factor) = fault.kind { return bound * max(factor, 1) }
            return bound
        } ?? 1)
        self.limit = limit
        self.journeys = journeys
        let surges = platform?.spec.faults.contains { if case .surge = $0.kind { return true } else { return false } } ?? false
        self.surges = surges
        if rate.segments.count == 1, rate.segments[0].duration == nil, rate.segments[0].from == rate.segments[0].to,
           rate.peak > 0, !surges {
            constantMean = 1 / rate.peak
        } else {
            constantMean = nil
        }
        if journeys.count == 1, case .request(let service) = journeys[0] { soleTarget = service } else { soleTarget = nil }
        self.platform = platform
        streamName = name
        self.onFinish = onFinish
        var total = 0.0
        cumulativeWeights = weights.map { total += $0; return total }
        timing = sim.random(name)
        choosing = sim.random("\(name).journeys")
        arrivals = sim.metrics.counter(name == "arrivals" ? "customers.arrived" : "\(name).arrived")
        traceArrive = sim.trace.name("arrive")
        traceSource = sim.trace.name(name)
    }

    /// Schedules the first arrival.
    func start() { scheduleNext(after: sim.executor.now) }

    private func scheduleNext(after time: Int64) {
        if let limit, arrived >= limit { return finish() }
        guard peak > 0 else { return finish() }
        if let constantMean {
            let gap = Distribution.exponential(mean: constantMean).sampleNanoseconds(&timing)
            sim.executor.schedule(at: time &+ gap, self, SimEvent(0))
            return
        }
        var candidate = time
        while true {
            candidate &+= Distribution.exponential(mean: 1 / peak).sampleNanoseconds(&timing)
            let seconds = Double(candidate) / 1e9
            let rate = profile.rate(at: seconds) * (surges ? platform?.faults.surge ?? 1 : 1)
            if rate >= peak || timing.nextUnit() * peak < rate { break }
            // A rejected candidate in a silent tail would loop forever: stop arrivals once
            // the rest of the profile is zero.
            if rate == 0, profile.isSilent(after: seconds) { return finish() }
        }
        sim.executor.schedule(at: candidate, self, SimEvent(0))
    }

    private func finish() { onFinish?() }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(()) { process, _ in process.arrive() }
    }

    private func arrive() {
        let id = Int64(arrived)
        arrived += 1
        arrivals.add()
        sim.trace.record(traceArrive, traceSource, id)
        if let soleTarget {
            let request = Request(id: id, arrival: sim.executor.now)
            soleTarget.isolatedOnWorldThread(request) { service, request in service.dispatch(request) }
        } else {
            journeys[pickJourney()].begin(customer: id, random: &choosing)
        }
        scheduleNext(after: sim.executor.now)
    }

    private func pickJourney() -> Int {
        guard journeys.count > 1 else { return 0 }
        let target = choosing.nextUnit() * cumulativeWeights[cumulativeWeights.count - 1]
        return cumulativeWeights.firstIndex { target < $0 } ?? journeys.count - 1
    }
}

extension RateProfile {
    /// Whether the rate is zero from `seconds` on.
    func isSilent(after seconds: Double) -> Bool {
        var start = 0.0
        for segment in segments {
            let end = segment.duration.map { start + $0.secondsValue } ?? .infinity
            if end > seconds, max(segment.from, segment.to) > 0 { return false }
            start = end
        }
        return true
    }
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
