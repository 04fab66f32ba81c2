import SimKernel
import World

/// Customers arriving as a (non-homogeneous) Poisson process that follows the world's
/// rate profile, each starting a journey drawn from the journey mix.
///
/// Event-driven: one scheduled event per arrival, no task. A time-varying rate is sampled
/// exactly by inverting its cumulative rate (``CumulativeRate``): one unit exponential
/// draw per arrival, so a short spike to a huge rate costs only the arrivals it brings,
/// not candidates at the spike's rate for the whole run.
///
/// Common random numbers: surge faults never touch the profile's own arrivals. A surge
/// by a factor f > 1 adds a second, independent Poisson stream of rate rate(t)·(f − 1)
/// (superposed, the two are Poisson with rate rate(t)·f), with its own random streams
/// and its own arrival ids: its candidates follow rate(t)·(F − 1), F the largest factor
/// the surges can reach together, and each is kept with probability (f − 1)/(F − 1) for
/// the factor f in force when it is due; a factor below 1 drops profile arrivals with an independent
/// draw. A world with and without surges, or with different pools, sees the same
/// profile arrivals, and each arrival's choices come from a stream keyed by its id.
actor ArrivalProcess: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// One Poisson stream of candidates: the profile's own, or the surges' extra one.
    private struct Chain {
        /// The candidates' rate as a multiple of the profile's (1 for the profile's own
        /// arrivals, F − 1 for the surges' extra stream); 0 when there are none.
        var scale: Double
        /// Set when the rate never changes: the next arrival is one exponential draw.
        var constantMean: Double?
        /// Where the chain is in the profile (see ``CumulativeRate/instant(after:mass:segment:)``).
        var segment = 0
        /// Gaps between candidates, and the surge chain's keep-or-drop draws (separate, so
        /// that how many candidates are kept never shifts the gaps).
        var timing: RandomStream
        var thinning: RandomStream
        /// Arrivals of this chain so far, and the first id of its id space.
        var count: Int64 = 0
        var firstID: Int64
    }

    /// The profile's cumulative rate, which the arrival instants invert.
    private let cumulative: CumulativeRate
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
        self.limit = limit
        self.journeys = journeys
        let factors = surgeFactors
        surges = !factors.isEmpty
        let constant = rate.segments.count == 1 && rate.segments[0].duration == nil
            && rate.segments[0].from == rate.segments[0].to && rate.peak > 0
        cumulative = CumulativeRate(rate)
        var chains = [Chain(scale: rate.peak > 0 ? 1 : 0, constantMean: constant ? 1 / rate.peak : nil,
                            timing: sim.random(name), thinning: sim.random("\(name).thinning"), firstID: 0)]
        // Overlapping surges multiply: the extra rate is at most rate(t)·(Πf − 1).
        let bound = factors.reduce(1.0) { $0 * max($1, 1) }
        if bound > 1 {
            chains.append(Chain(scale: rate.peak > 0 ? bound - 1 : 0, constantMean: nil, timing: sim.random("\(name).surge"),
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

    private func scheduleNext(_ index: Int, after time: Int64) {
        if let limit, arrived >= limit { return finish() }
        let scale = chains[index].scale
        guard scale > 0 else { return index == 0 ? finish() : () }
        if let constantMean = chains[index].constantMean {
            let gap = Distribution.exponential(mean: constantMean).sampleNanoseconds(&chains[index].timing)
            sim.executor.schedule(at: time &+ gap, self, SimEvent(Int32(index)))
            return
        }
        // The next instant by which one more candidate (a unit exponential's worth of
        // arrival mass, over the chain's scale) has accumulated.
        let mass = Distribution.exponential(mean: 1).sample(&chains[index].timing) / scale
        guard let seconds = cumulative.instant(after: Double(time) / 1e9, mass: mass, segment: &chains[index].segment),
              seconds * 1e9 < Double(Int64.max) else {
            // The profile ends (or stays at zero) before another arrival: this chain is done.
            return index == 0 ? finish() : ()
        }
        let candidate = max(time, Int64(seconds * 1e9))
        sim.executor.schedule(at: candidate, self, SimEvent(Int32(index)))
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
        if index == 1, chains[1].thinning.nextUnit() * chains[1].scale >= max(faults.surge - 1, 0) {
            return scheduleNext(1, after: sim.executor.now)
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

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
