import Resilience
import SimKernel
import World

/// The notification service: broker consumers that take paid orders from
/// `orders.placed` and push them to the merchant's app (ack after delivery; nack and
/// requeue when the push fails).
///
/// With `dedup`, the consumers are idempotent: a ``DeduplicationWindow`` in the cache
/// server (Redis), shared by the service's instances so that it outlives an instance's
/// crash, remembers the orders already pushed, and a redelivered message for one of them
/// is acknowledged without a second push (counted as `<service>.duplicates_suppressed`).
/// Checking and recording each cost a round trip to the cache server.
final class NotificationLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: NotificationOptions
    private var consumers: [ConsumerID] = []
    private var tasks: [Task<Void, Never>] = []
    private var duplicatesSuppressed: CounterMetric?
    /// Orders pushed to a merchant's app (made on first use).
    private lazy var pushed = logicMetrics.counter("pushed")

    /// Every figure it records, declared when the world is built (``LogicFigures``):
    /// notifications pushed, and the duplicates suppressed with `dedup`.
    static func figures(_ options: NotificationOptions) -> LogicFigures {
        LogicFigures(counters: ["pushed"] + (options.dedup == nil ? [] : ["duplicates_suppressed"]))
    }

    /// Where paid orders arrive (`orders.placed`).
    private let broker: Broker
    /// The cache server, where the dedup window lives.
    private let cache: CacheServer
    /// Faults that break a push.
    private let faults: FaultState
    /// The merchants' apps, by index.
    private let merchants: [Merchant]

    init(instance: ServiceInstance, options: NotificationOptions, environment: LogicEnvironment, broker: Broker,
         cache: CacheServer, faults: FaultState, merchants: [Merchant]) {
        self.options = options
        self.broker = broker
        self.cache = cache
        self.faults = faults
        self.merchants = merchants
        super.init(instance: instance, environment: environment)
        duplicatesSuppressed = options.dedup.map { _ in logicMetrics.counter("duplicates_suppressed") }
    }

    func start() {
        let broker = self.broker
        for index in 0..<options.consumers {
            tasks.append(background("consumer[\(index)]") { [self] in
                let id = await broker.subscribe("orders.placed", prefetch: options.prefetch)
                // Crashed before the subscription was made: close it (stop() never saw it).
                if Task.isCancelled { return await broker.cancel("orders.placed", consumer: id) }
                consumers.append(id)
                while !Task.isCancelled, let delivery = await broker.receive("orders.placed", consumer: id) {
                    guard case .orderPlaced(let order, let merchant) = delivery.payload else {
                        await broker.ack("orders.placed", delivery.tag)
                        continue
                    }
                    if options.dedup != nil, await cache.wasProcessed(order, group: service) {
                        duplicatesSuppressed?.add()
                        await broker.ack("orders.placed", delivery.tag)
                        continue
                    }
                    // The consumer does the push itself: `consumers` × instances, not
                    // `workers`, bound this service's concurrency (one thread per consumer).
                    let pushed = await push(order: order, merchant: merchant)
                    // Recorded with the push (after it: a failed push leaves no trace and
                    // the redelivery is pushed, at least once). A message whose ack is lost
                    // from here on (the broker crashes and requeues it) comes back, and the
                    // window recognises it.
                    if pushed, let dedup = options.dedup {
                        await cache.recordProcessed(order, group: service, capacity: dedup.capacity,
                                                             retention: dedup.retention)
                    }
                    if Task.isCancelled { return }
                    if pushed {
                        await broker.ack("orders.placed", delivery.tag)
                    } else {
                        await broker.nack("orders.placed", delivery.tag, requeue: true)
                    }
                }
            })
        }
    }

    func stop() {
        for task in tasks { task.cancel() }
        tasks.removeAll()
        let broker = self.broker
        for id in consumers { broker.isolatedOnWorldThread(id) { broker, id in broker.cancel("orders.placed", consumer: id) } }
        consumers.removeAll()
    }

    private func push(order: Int64, merchant: Int) async -> Bool {
        await instance.sleep(nanoseconds: instance.sample(instance.spec.work))
        if faults.injectsError(service) { return false }
        guard merchant >= 0, merchant < merchants.count else { return true }
        merchants[merchant].isolatedOnWorldThread(order) { merchant, order in merchant.notify(order: order) }
        pushed.add()
        return true
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        .success(.ok)
    }
}
