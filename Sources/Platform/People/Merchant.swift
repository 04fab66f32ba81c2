import Resilience
import SimKernel
import World

/// A merchant: looks at each new order (accepting or refusing it), cooks accepted orders
/// in a kitchen of limited capacity, and tells the order service when food is ready.
actor Merchant {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    private let metrics: PlatformMetrics
    let index: Int
    let name: String
    private let spec: MerchantsSpec
    private var random: RandomStream
    /// The app's reports to the order service (one for every merchant).
    private let reports: AppReports
    /// Orders cooking now, and orders waiting for a free stove (as data: no task waits).
    private var cooking = 0
    private var kitchenQueue: [(order: Int64, work: PausedWork)] = []
    private lazy var cookingGauge = metrics.gauge("merchants.cooking")
    /// Orders ready for pickup, and riders waiting for an order to be ready.
    private var ready: Set<Int64> = []
    private var waitingRiders: [Int64: [UnsafeContinuation<Void, Never>]] = [:]

    init(index: Int, spec: MerchantsSpec, reports: AppReports, environment: AppEnvironment) {
        sim = environment.sim
        metrics = environment.metrics
        self.index = index
        self.spec = spec
        name = "merchant-\(index)"
        random = sim.random(name)
        self.reports = reports
    }

    // An order's way through the merchant: looked at, decided on (and reported), cooked
    // when a stove is free, reported ready. Each step that waits long ends its task and
    // the next starts as a new one (``PausedWork``): a merchant's orders spend minutes
    // waiting, and a sleeping task would hold the slabs of its last report's call.

    /// A paid order arrives on the merchant's app.
    func notify(order: Int64) {
        // The order outlives the call that brought it: not bound by its deadline.
        TaskDeadline.withoutDeadline {
            sim.spawn(taskName(order), on: self) { merchant in merchant.look(at: order) }
        }
    }

    /// The task of `order`'s current step, in a stall report.
    private func taskName(_ order: Int64) -> String { "\(name) order \(order)" }

    /// The merchant takes a while to look at the order.
    private func look(at order: Int64) {
        let decision = Duration.nanoseconds(spec.decide.sampleNanoseconds(&random))
        PausedWork.current.resume(in: sim, taskName(order), after: decision, on: self) { merchant in await merchant.decide(order) }
    }

    private func decide(_ order: Int64) async {
        if random.nextUnit() < spec.refuse {
            metrics.count("merchants.refused")
            _ = await reports.report(order: order, .merchantRefused)
            return
        }
        // The merchant's decision stands whatever the network says: the app retries the
        // report until the order service acknowledges it (it may have applied an attempt
        // whose reply was lost, and sent a rider), and the kitchen cooks the order.
        _ = await reports.report(order: order, .merchantAccepted)
        // The kitchen: at most `kitchen` orders cook at once; the rest wait their turn.
        if cooking >= spec.kitchen {
            kitchenQueue.append((order, PausedWork.current))
            return
        }
        cooking += 1
        cook(order)
    }

    private func cook(_ order: Int64) {
        cookingGauge.add(1)
        let preparation = Duration.nanoseconds(spec.prepare.sampleNanoseconds(&random))
        PausedWork.current.resume(in: sim, taskName(order), after: preparation, on: self) { merchant in await merchant.cooked(order) }
    }

    private func cooked(_ order: Int64) async {
        cookingGauge.add(-1)
        if kitchenQueue.isEmpty {
            cooking -= 1
        } else {
            // The stove passes to the next order waiting.
            let (next, work) = kitchenQueue.removeFirst()
            work.resume(in: sim, taskName(next), on: self) { merchant in merchant.cook(next) }
        }
        ready.insert(order)
        for rider in waitingRiders.removeValue(forKey: order) ?? [] { rider.resume() }
        _ = await reports.report(order: order, .ready)
    }

    /// Waits (as a rider at the counter) until `order` is ready.
    func waitUntilReady(_ order: Int64) async {
        if ready.contains(order) { return }
        await withUnsafeContinuation { waitingRiders[order, default: []].append($0) }
    }

    /// The rider took the food.
    func pickedUp(_ order: Int64) { ready.remove(order) }
}
