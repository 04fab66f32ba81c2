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
    /// The app's reports to the order service.
    private let reports: AppReports
    /// Orders cooking now, and orders waiting for a free stove.
    private var cooking = 0
    private var kitchenQueue: [UnsafeContinuation<Void, Never>] = []
    /// Orders ready for pickup, and riders waiting for an order to be ready.
    private var ready: Set<Int64> = []
    private var waitingRiders: [Int64: [UnsafeContinuation<Void, Never>]] = [:]

    init(index: Int, spec: MerchantsSpec, environment: AppEnvironment) {
        sim = environment.sim
        metrics = environment.metrics
        self.index = index
        self.spec = spec
        name = "merchant-\(index)"
        random = sim.random(name)
        reports = AppReports(app: "merchant", environment: environment, timeout: spec.reportTimeout, backoff: spec.reportBackoff, cap: spec.reportBackoffCap)
    }

    /// A paid order arrives on the merchant's app.
    func notify(order: Int64) {
        // The order outlives the call that brought it: not bound by its deadline.
        _ = TaskDeadline.withoutDeadline {
            sim.spawn("\(name) order \(order)") { [self] in await self.process(order) }
        }
    }

    private func process(_ order: Int64) async {
        try? await sim.clock.sleep(for: .nanoseconds(spec.decide.sampleNanoseconds(&random)))
        if random.nextUnit() < spec.refuse {
            metrics.count("merchants.refused")
            _ = await reports.report(order: order, .merchantRefused)
            return
        }
        // The merchant's decision stands whatever the network says: the app retries the
        // report until the order service acknowledges it (it may have applied an attempt
        // whose reply was lost, and sent a rider), and the kitchen cooks the order.
        _ = await reports.report(order: order, .merchantAccepted)
        // The kitchen: at most `kitchen` orders cook at once.
        if cooking >= spec.kitchen {
            await withUnsafeContinuation { kitchenQueue.append($0) }
        } else {
            cooking += 1
        }
        metrics.gauge("merchants.cooking").add(1)
        try? await sim.clock.sleep(for: .nanoseconds(spec.prepare.sampleNanoseconds(&random)))
        metrics.gauge("merchants.cooking").add(-1)
        if kitchenQueue.isEmpty { cooking -= 1 } else { kitchenQueue.removeFirst().resume() }
        ready.insert(order)
        for rider in waitingRiders.removeValue(forKey: order) ?? [] { rider.resume() }
        _ = await reports.report(order: order, .ready)
    }

    /// Waits (as a rider at the counter) until `order` is ready; false if it never will be
    /// (the world is winding down).
    func waitUntilReady(_ order: Int64) async {
        if ready.contains(order) { return }
        await withUnsafeContinuation { waitingRiders[order, default: []].append($0) }
    }

    /// The rider took the food.
    func pickedUp(_ order: Int64) { ready.remove(order) }
}
