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
    /// The app's reports to the order service.
    private let reports: AppReports
    private(set) var carrying: [Int64] = []
    private(set) var onShift = true
    /// Most orders carried at once.
    private(set) var mostCarried = 0

    init(index: Int, spec: RidersSpec, roster: RiderRoster, merchants: [Merchant], orderBook: OrderBook,
         environment: AppEnvironment) {
        sim = environment.sim
        metrics = environment.metrics
        self.orderBook = orderBook
        self.merchants = merchants
        self.roster = roster
        self.index = index
        self.spec = spec
        name = "rider-\(index)"
        random = sim.random(name)
        reports = AppReports(app: "rider", environment: environment, timeout: spec.reportTimeout, backoff: spec.reportBackoff, cap: spec.reportBackoffCap)
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
        _ = TaskDeadline.withoutDeadline {
            sim.spawn("\(name) delivering \(order)") { [self] in await self.deliver(order, from: merchant) }
        }
        return true
    }

    private func deliver(_ order: Int64, from merchant: Int) async {
        defer {
            carrying.removeAll { $0 == order }
            carryingGauge.add(-1)
            reportCapacity()
        }
        try? await sim.clock.sleep(for: .nanoseconds(spec.toMerchant.sampleNanoseconds(&random)))
        let shop = merchants[merchant]
        await sim.waiting(on: "food for order \(order) at merchant-\(merchant)") {
            await shop.waitUntilReady(order)
        }
        await shop.pickedUp(order)
        // The food is on the bike whatever the network said: the rider delivers it, and
        // the app retries each report until the order service acknowledges it (see
        // ``AppReports``).
        _ = await reports.report(order: order, .pickedUp)
        try? await sim.clock.sleep(for: .nanoseconds(spec.toCustomer.sampleNanoseconds(&random)))
        _ = await reports.report(order: order, .delivered)
    }
}
