import SimKernel
import World

/// Customers arriving as a (non-homogeneous) Poisson process that follows the world's
/// rate profile, each starting a journey drawn from the journey mix.
///
/// Event-driven: one scheduled event per candidate arrival, no task. Time-varying rates
/// use thinning (Lewis–Shedler): candidates arrive at the profile's peak rate and each is
/// kept with probability rate(t)/peak, which is exact for any profile and draws a fixed
/// number of random values per candidate.
///
/// Common random numbers: surge faults never touch the profile's own arrivals. A surge
/// by a factor f > 1 adds a second, independent Poisson stream of rate rate(t)·(f − 1)
/// (superposed, the two are Poisson with rate rate(t)·f), with its own random streams
/// and its own arrival ids; a factor below 1 drops profile arrivals with an independent
/// draw. A world with and without surges, or with different pools, sees the same
/// profile arrivals, and each arrival's choices come from a stream keyed by its id.
actor ArrivalProcess: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// One Poisson stream of candidates: the profile's own, or the surges' extra one.
    private struct Chain {
        /// Candidate rate bound.
        var peak: Double
        /// Set when the rate never changes: the next arrival is one exponential draw.
        var constantMean: Double?
        /// Gaps between candidates, and the thinning draws (separate, so that how many
        /// candidates are kept never shifts the gaps).
        var timing: RandomStream
        var thinning: RandomStream
        /// Arrivals of this chain so far, and the first id of its id space.
        var count: Int64 = 0
        var firstID: Int64
    }

    private let profile: RateProfile
    private let limit: Int?
    /// The surges in force now (the fault state's surge factor).
    private let faults: FaultState
    /// Where a test's recorder notes each arrival.
    private let draws: RandomDraws
    /// Called once when arrivals stop.
    private let onFinish: (@Sendable () -> Void)?
    @exclusivity(unchecked) private var chains: [Chain]
    /// Whether the fault schedule has surges.
    private let surges: Bool
    /// Draws deciding whether a profile arrival survives a surge below 1.
    @exclusivity(unchecked) private var dropping: RandomStream
    private var finished = false
    /// The single open-loop target, when the only journey is a request (the M/M/c path:
    /// no journey selection, no enum switch per arrival).
    private unowned(unsafe) let soleTarget: Service?
    private let journeys: [Journey]
    private let cumulativeWeights: [Double]
    /// The base of each arrival's choice stream (keyed by the arrival's id).
    private let choosing: UInt64
    /// Customers that have arrived so far.
    @exclusivity(unchecked) private(set) var arrived = 0
    private let arrivals: CounterMetric
    private let traceArrive: TraceName
    private let traceSource: TraceName

    /// Surge arrivals' ids start here, far above any profile arrival's.
    static let surgeIDs: Int64 = 1 << 40

    init(sim: Simulation, name: String = "arrivals", rate: RateProfile, limit: Int?, journeys: [Journey],
         weights: [Double], surgeFactors: [Double], faults: FaultState, draws: RandomDraws,
         onFinish: (@Sendable () -> Void)? = nil) {
        self.sim = sim
        profile = rate
        self.limit = limit
        self.journeys = journeys
        let factors = surgeFactors
        surges = !factors.isEmpty
        let constant = rate.segments.count == 1 && rate.segments[0].duration == nil
            && rate.segments[0].from == rate.segments[0].to && rate.peak > 0
        var chains = [Chain(peak: rate.peak, constantMean: constant ? 1 / rate.peak : nil,
                            timing: sim.random(name), thinning: sim.random("\(name).thinning"), firstID: 0)]
        // Overlapping surges multiply: the extra rate is at most peak·(Πf − 1).
        let bound = factors.reduce(1.0) { $0 * max($1, 1) }
        if bound > 1 {
            chains.append(Chain(peak: rate.peak * (bound - 1), constantMean: nil, timing: sim.random("\(name).surge"),
                                thinning: sim.random("\(name).surge.thinning"), firstID: Self.surgeIDs))
        }
        self.chains = chains
        dropping = sim.random("\(name).surge.dropping")
        if journeys.count == 1, case .request(let service) = journeys[0] { soleTarget = service } else { soleTarget = nil }
        self.faults = faults
        self.draws = draws
        self.onFinish = onFinish
        var total = 0.0
        cumulativeWeights = weights.map { total += $0; return total }
        choosing = sim.random("\(name).journeys").seed
        arrivals = sim.metrics.counter(name == "arrivals" ? "customers.arrived" : "\(name).arrived")
        traceArrive = sim.trace.name("arrive")
        traceSource = sim.trace.name(name)
    }

    /// Schedules the first arrival of each chain.
    func start() {
        for chain in chains.indices { scheduleNext(chain, after: sim.executor.now) }
    }

    /// The rate chain `chain` follows at `seconds`.
    private func rate(_ chain: Int, at seconds: Double) -> Double {
        let base = profile.rate(at: seconds)
        guard chain == 1 else { return base }
        return base * max(faults.surge - 1, 0)
    }

    private func scheduleNext(_ index: Int, after time: Int64) {
        if let limit, arrived >= limit { return finish() }
        guard chains[index].peak > 0 else { return index == 0 ? finish() : () }
        if let constantMean = chains[index].constantMean {
            let gap = Distribution.exponential(mean: constantMean).sampleNanoseconds(&chains[index].timing)
            sim.executor.schedule(at: time &+ gap, self, SimEvent(Int32(index)))
            return
        }
        let peak = chains[index].peak
        var candidate = time
        if index == 1 {
            // The surge in force is read when the candidate is due (see `candidate`).
            candidate &+= Distribution.exponential(mean: 1 / peak).sampleNanoseconds(&chains[1].timing)
            sim.executor.schedule(at: candidate, self, SimEvent(1))
            return
        }
        while true {
            candidate &+= Distribution.exponential(mean: 1 / peak).sampleNanoseconds(&chains[0].timing)
            let seconds = Double(candidate) / 1e9
            let rate = profile.rate(at: seconds)
            // One thinning draw per candidate, kept or not.
            if rate >= peak || chains[0].thinning.nextUnit() * peak < rate { break }
            // A rejected candidate in a silent tail would loop forever: stop arrivals once
            // the rest of the profile is zero.
            if rate == 0, profile.isSilent(after: seconds) { return finish() }
        }
        sim.executor.schedule(at: candidate, self, SimEvent(0))
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        onFinish?()
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(Int(event.code)) { process, chain in process.candidate(chain) }
    }

    /// A candidate of chain `index` is due: the surge chain keeps it only if the surge
    /// (read now) still wants it.
    private func candidate(_ index: Int) {
        guard !finished else { return }
        if let limit, arrived >= limit { return finish() }
        if index == 1 {
            let seconds = Double(sim.executor.now) / 1e9
            if chains[1].thinning.nextUnit() * chains[1].peak >= rate(1, at: seconds) {
                // Past the end of the profile no surge can add anyone.
                if profile.isSilent(after: seconds) { return }
                return scheduleNext(1, after: sim.executor.now)
            }
        }
        let id = chains[index].firstID + chains[index].count
        chains[index].count += 1
        // A surge below 1 drops a profile arrival (an independent draw, taken only while
        // one is in force).
        if index == 0, surges, faults.surge < 1, dropping.nextUnit() >= faults.surge {
            return scheduleNext(0, after: sim.executor.now)
        }
        arrive(id)
        scheduleNext(index, after: sim.executor.now)
    }

    private func arrive(_ id: Int64) {
        arrived += 1
        arrivals.add()
        sim.trace.record(traceArrive, traceSource, id)
        if let soleTarget {
            let request = Request(id: id, arrival: sim.executor.now)
            soleTarget.isolatedOnWorldThread(request) { service, request in service.dispatch(request) }
            draws.recorder?.arrivals.append((id, sim.executor.now, 0))
        } else {
            var random = RandomStream(rawSeed: StableHash.combine(choosing, UInt64(bitPattern: id)))
            let journey = pickJourney(&random)
            draws.recorder?.arrivals.append((id, sim.executor.now, journey))
            journeys[journey].begin(customer: id, random: &random)
        }
    }

    private func pickJourney(_ random: inout RandomStream) -> Int {
        guard journeys.count > 1 else { return 0 }
        let target = random.nextUnit() * cumulativeWeights[cumulativeWeights.count - 1]
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
