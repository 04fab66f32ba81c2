import Resilience
import SimKernel
import World

/// A rider: on shift or off, carries up to `capacity` orders, travels to the merchant,
/// waits for the food, travels to the customer and delivers.
///
/// A rider never refuses an assignment its app receives; dispatch is responsible for not
/// giving it more than it can carry (a lock per rider). Without that lock, two
/// dispatchers can both see one free place and both assign: the rider then carries more
/// than its capacity, which the invariant check reports.
actor Rider: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    private let metrics: PlatformMetrics
    /// Orders carried by every rider (made on the first assignment).
    private lazy var carryingGauge = metrics.gauge("riders.carrying")
    /// Told of each order this rider takes (double assignments are an invariant).
    private let orderBook: OrderBook
    /// The merchants, by index: where the rider picks orders up.
    private let merchants: [Merchant]
    /// Where this rider reports its free places whenever they change.
    private let roster: RiderRoster
    let index: Int
    let name: String
    private let spec: RidersSpec
    private var random: RandomStream
    /// The app's reports to the order service (one for every rider).
    private let reports: AppReports
    private(set) var carrying: [Int64] = []
    private(set) var onShift = true
    /// Most orders carried at once.
    private(set) var mostCarried = 0

    init(index: Int, spec: RidersSpec, roster: RiderRoster, merchants: [Merchant], orderBook: OrderBook,
         reports: AppReports, environment: AppEnvironment) {
        sim = environment.sim
        metrics = environment.metrics
        self.orderBook = orderBook
        self.merchants = merchants
        self.roster = roster
        self.index = index
        self.spec = spec
        name = "rider-\(index)"
        random = sim.random(name)
        self.reports = reports
        if let shift = spec.shift {
            // Staggered starts: rider i starts its first shift at a random point of it.
            let offset = Int64(random.nextUnit() * Double(shift.nanoseconds))
            onShift = true
            sim.executor.schedule(at: shift.nanoseconds - offset, self, SimEvent(0), background: true)
        }
        metrics.gauge("riders.on_duty").add(1)
    }

    /// Places free for new orders now (0 when off shift).
    var availableCapacity: Int { onShift ? max(0, spec.capacity - carrying.count) : 0 }

    /// Tells the roster this rider's free places after a change (dispatch picks from it).
    private func reportCapacity() {
        roster.update(rider: index, available: availableCapacity)
    }

    /// Shift changes.
    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(()) { rider, _ in rider.toggleShift() }
    }

    private func toggleShift() {
        guard let shift = spec.shift else { return }
        onShift.toggle()
        reportCapacity()
        metrics.gauge("riders.on_duty").add(onShift ? 1 : -1)
        let next = onShift ? shift : spec.offDuty
        sim.executor.schedule(at: sim.executor.now &+ next.nanoseconds, self, SimEvent(0), background: true)
    }

    /// Takes an order; returns true (the app shows it to the rider).
    func assign(order: Int64, merchant: Int) -> Bool {
        carrying.append(order)
        carryingGauge.add(1)
        reportCapacity()
        mostCarried = max(mostCarried, carrying.count)
        if carrying.count > spec.capacity {
            metrics.count("invariants.rider_over_capacity")
        }
        orderBook.assignedRider(to: order)
        // The delivery outlives the dispatch call that assigned it: not bound by its deadline.
        TaskDeadline.withoutDeadline {
            sim.spawn(taskName(order), on: self) { rider in rider.setOff(with: order, to: merchant) }
        }
        return true
    }

    // A delivery: the ride to the merchant, the wait at the counter and the pickup, the
    // ride to the customer and the handover. The rides end the delivery's task and the
    // next step starts as a new one (``PausedWork``): a sleeping task would hold the slabs
    // of its last report's call for the whole ride. The wait at the counter stays a task
    // (it has made no call yet), so a stall report still names a rider waiting for food.

    /// The task of `order`'s current step, in a stall report.
    private func taskName(_ order: Int64) -> String { "\(name) delivering \(order)" }

    private func setOff(with order: Int64, to merchant: Int) {
        let ride = Duration.nanoseconds(spec.toMerchant.sampleNanoseconds(&random))
        PausedWork.current.resume(in: sim, taskName(order), after: ride, on: self) { rider in await rider.collect(order, at: merchant) }
    }

    private func collect(_ order: Int64, at merchant: Int) async {
        let shop = merchants[merchant]
        await sim.waiting(on: "food for order \(order) at merchant-\(merchant)") {
            await shop.waitUntilReady(order)
        }
        await shop.pickedUp(order)
        // The food is on the bike whatever the network said: the rider delivers it, and
        // the app retries each report until the order service acknowledges it (see
        // ``AppReports``).
        _ = await reports.report(order: order, .pickedUp)
        let ride = Duration.nanoseconds(spec.toCustomer.sampleNanoseconds(&random))
        PausedWork.current.resume(in: sim, taskName(order), after: ride, on: self) { rider in await rider.handOver(order) }
    }

    private func handOver(_ order: Int64) async {
        _ = await reports.report(order: order, .delivered)
        carrying.removeAll { $0 == order }
        carryingGauge.add(-1)
        reportCapacity()
    }
}
