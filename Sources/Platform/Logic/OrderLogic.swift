import Resilience
import SimKernel
import World

/// The order service: idempotent create, the order state machine, stock and payment
/// through the inventory and payment services (with this service's call policies:
/// timeouts, retries, breakers), compensation when an order ends early, and the
/// asynchronous paths — queued intake, payment results from the broker, callbacks from
/// merchants and riders, dispatch.
///
/// Its parts, one file each:
/// - `OrderLogic.swift`: start/stop, the broker consumers, calls, and intake (`create`);
/// - `OrderLogic+Payment.swift`: payment results and the payment wait;
/// - `OrderLogic+Dispatch.swift`: the loop asking dispatch for a rider;
/// - `OrderLogic+Refunds.swift`: ending an order early and its compensation (restock, refund);
/// - `OrderLogic+Reconciler.swift`: finishing what loops lost in a crash would have;
/// - `OrderLogic+StateWrites.swift`: moving an order, reading its state (``DurableWrite``).
final class OrderLogic: LogicBase, RoleLogic, @unchecked Sendable {
    let options: OrderOptions
    /// Writes that must land (order states, refunds), retried while the pool has no
    /// connection.
    let durable: DurableWrite
    private var consumers: [(queue: String, id: ConsumerID)] = []
    private var tasks: [Task<Void, Never>] = []

    /// The broker: intake, payment results, paid orders.
    let broker: Broker
    /// Whether the world still runs (the dispatch loop stops when it winds down).
    let activity: WorldActivity
    /// Every figure below and its durable writes' (``DurableWrite``), declared when the
    /// world is built (``LogicFigures``).
    static let figures = LogicFigures(
        counters: ["duplicates_absorbed", "malformed", "dispatch_retries", "payment_timeouts", "late_payments_refunded",
                   "refund_retries", "refunds_abandoned", "payment_waits_recovered", "refunds_resumed", "dispatch_recovered"]
            + DurableWrite.counters,
        histograms: ["intake.latency", "payment_visible"] + DurableWrite.histograms)
    /// The service's counters, each made on first use: repeated creates absorbed; asks to
    /// dispatch repeated; payment waits that timed out; late payments refunded; refunds
    /// retried and abandoned; what the reconciler finished (payment waits, refunds,
    /// dispatches).
    private(set) lazy var duplicatesAbsorbed = logicMetrics.counter("duplicates_absorbed")
    private(set) lazy var malformed = logicMetrics.counter("malformed")
    private(set) lazy var intakeLatency = logicMetrics.histogram("intake.latency")
    private(set) lazy var dispatchRetries = logicMetrics.counter("dispatch_retries")
    private(set) lazy var paymentTimeouts = logicMetrics.counter("payment_timeouts")
    private(set) lazy var latePaymentsRefunded = logicMetrics.counter("late_payments_refunded")
    private(set) lazy var refundRetries = logicMetrics.counter("refund_retries")
    private(set) lazy var refundsAbandoned = logicMetrics.counter("refunds_abandoned")
    private(set) lazy var paymentWaitsRecovered = logicMetrics.counter("payment_waits_recovered")
    private(set) lazy var refundsResumed = logicMetrics.counter("refunds_resumed")
    private(set) lazy var dispatchRecovered = logicMetrics.counter("dispatch_recovered")
    /// How long after the gateway took a charge the order saw it (made on first use).
    private(set) lazy var paymentVisible = logicMetrics.histogram("payment_visible")

    init(instance: ServiceInstance, options: OrderOptions, environment: LogicEnvironment, broker: Broker,
         activity: WorldActivity) {
        self.options = options
        self.broker = broker
        self.activity = activity
        durable = DurableWrite(service: instance.service, metrics: environment.metrics, clock: environment.sim.clock,
                               draws: environment.draws, base: options.stateWriteBackoff, cap: options.stateWriteBackoffCap)
        super.init(instance: instance, environment: environment)
    }

    func start() {
        let broker = self.broker
        if options.intake == .queued {
            for index in 0..<options.consumers {
                tasks.append(background("intake-consumer[\(index)]") { [self] in
                    let id = await broker.subscribe("orders.intake", prefetch: options.prefetch)
                    consumers.append(("orders.intake", id))
                    await consume("orders.intake", id)
                })
            }
        }
        tasks.append(background("payment-results") { [self] in
            let id = await broker.subscribe("payment.results", prefetch: options.resultsPrefetch)
            consumers.append(("payment.results", id))
            await consume("payment.results", id)
        })
        reconciler()
    }

    func stop() {
        for task in tasks { task.cancel() }
        tasks.removeAll()
        let broker = self.broker
        let registered = consumers
        consumers.removeAll()
        // The consumers' channels close: their unacked messages are requeued.
        for (queue, id) in registered { broker.isolatedOnWorldThread((queue, id)) { broker, pair in broker.cancel(pair.0, consumer: pair.1) } }
    }

    private func consume(_ queue: String, _ consumer: ConsumerID) async {
        let broker = self.broker
        // Crashed before the subscription was made: close it (stop() never saw it).
        if Task.isCancelled { return await broker.cancel(queue, consumer: consumer) }
        let queueKey = StableHash.of(queue)
        while !Task.isCancelled, let delivery = await broker.receive(queue, consumer: consumer) {
            var ok = true
            // Keyed by the message's content (the same in every run, redeliveries included).
            switch delivery.payload {
            case .intake(let request):
                let result = await keyed(StableHash.combine(queueKey, UInt64(bitPattern: request.key))) { await create(request) }
                if case .failure(let failure) = result, failure.isTransient { ok = false }
                // A task's latency through queued intake: from the gateway's publish to
                // the consumer done with it (an unprocessable one never is).
                if ok { intakeLatency.record(sim.executor.now - delivery.publishedAt.nanoseconds) }
            case .paymentResult(let order, let success, let chargedAt):
                let key = StableHash.combine(StableHash.combine(queueKey, UInt64(bitPattern: order)), success ? 1 : 0)
                ok = await keyed(key) { await apply(order, .paid(success: success, chargedAt: chargedAt)) } // false: crashed, redelivered
            case .orderPlaced:
                break
            }
            if Task.isCancelled { return }
            if ok { await broker.ack(queue, delivery.tag) } else { await broker.nack(queue, delivery.tag, requeue: true) }
        }
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        switch call {
        case .createOrder(let request):
            return await create(request)
        case .orderStatus(let key):
            switch await withConnection({ await $0.order(forKey: key) }) {
            case .success(let record?): return .success(.order(OrderView(id: record.id, state: record.state)))
            case .success(nil): return .failure(.refused(.notFound))
            case .failure(let failure): return .failure(failure)
            }
        case .cancelOrder(let key):
            let read = await withConnection { await $0.order(forKey: key) }
            guard case .success(let found) = read else { return .failure(read.failure!) }
            guard let record = found else { return .failure(.refused(.notFound)) }
            guard record.state.isCancellable else { return .failure(.refused(.invalidState)) }
            await end(record, .cancel(.customer))
            return .success(.ok)
        case .orderEvent(let order, let event):
            return await apply(order, event) ? .success(.ok) : .failure(.unavailable)
        default:
            return .failure(.error)
        }
    }

    /// Creates an order: idempotency check, insert, stock, payment.
    private func create(_ request: OrderRequest) async -> Result<Reply, Failure> {
        // A payload it cannot parse (a `poison` fault): it fails every time, before any
        // statement (a queued one is nacked, redelivered and finally dead-lettered).
        if request.malformed {
            malformed.add()
            return .failure(.error)
        }
        // Two statements on one connection: look the key up, insert (the key is unique
        // when idempotency is on, so two racing creates insert one order).
        let inserted = await withConnection { [options] session -> (record: OrderRecord, isNew: Bool) in
            if options.idempotency, let existing = await session.order(forKey: request.key) {
                return (existing, false)
            }
            return await session.insertOrder(request, idempotent: options.idempotency)
        }
        guard case .success(let (record, isNew)) = inserted else { return .failure(inserted.failure!) }
        if !isNew {
            duplicatesAbsorbed.add()
            return .success(.order(OrderView(id: record.id, state: record.state)))
        }
        // Stock.
        switch await call(.inventory, .deduct(order: record.id, item: request.item, quantity: request.quantity)) {
        case .success:
            await transition(record.id, .reserved)
        case .failure(.refused(.outOfStock)):
            await transition(record.id, .fail(.outOfStock))
            return .failure(.refused(.outOfStock))
        case .failure(let failure):
            // The deduction may or may not have happened: give back whatever it took.
            await end(record, .fail(.inventory), restock: true)
            return .failure(failure)
        }
        // Payment, unless the order ended meanwhile (the customer cancelled).
        guard await transition(record.id, .paymentStarted) else {
            return .failure(.refused(.invalidState))
        }
        switch await call(.payment, .charge(order: record.id, amount: request.amount)) {
        case .success(let reply):
            // The payment service's reply carries the charge's instant (any other success
            // reply — none today — is taken as charged now).
            let chargedAt: Int64
            if case .charged(let at) = reply { chargedAt = at } else { chargedAt = now }
            _ = await apply(record.id, .paid(success: true, chargedAt: chargedAt))
        case .failure(.refused(.paymentDeclined)):
            _ = await apply(record.id, .paid(success: false, chargedAt: now))
        case .failure:
            // Unknown outcome: the result will arrive by callback or through the broker;
            // until `payment_wait` passes, the order stays payment-pending.
            watchPayment(record.id)
        }
        switch await currentState(record.id) {
        case .success(.failed?): return .failure(.refused(.paymentDeclined))
        case .success(let state?): return .success(.order(OrderView(id: record.id, state: state)))
        case .success(nil): return .failure(.refused(.notFound))
        case .failure(let failure): return .failure(failure) // a retry with the key finds the order
        }
    }
}
