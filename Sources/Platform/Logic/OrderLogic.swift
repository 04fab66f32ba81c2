import Resilience
import SimKernel
import World

/// The order service: idempotent create, the order state machine, stock and payment
/// through the inventory and payment services (with this service's call policies:
/// timeouts, retries, breakers), compensation when an order ends early, and the
/// asynchronous paths — queued intake, payment results from the broker, callbacks from
/// merchants and riders, dispatch.
final class OrderLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: OrderOptions
    private var consumers: [(queue: String, id: ConsumerID)] = []
    private var tasks: [Task<Void, Never>] = []

    init(instance: ServiceInstance, options: OrderOptions) {
        self.options = options
        super.init(instance: instance)
    }

    func start() {
        let broker = platform.broker!
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
            let id = await broker.subscribe("payment.results", prefetch: 10)
            consumers.append(("payment.results", id))
            await consume("payment.results", id)
        })
        reconciler()
    }

    /// Every `reconcileInterval`, on every order instance, finishes what in-memory loops
    /// lost in a crash would have finished: a payment wait past `payment_wait` + a grace
    /// fails its order (and closes the payment), a requested refund nobody has tried for
    /// `refundIdle` (doubling per resume up to `refundMaxIdle`) is driven again (at most
    /// `refundResumes` times: over an hour of outage), and an order waiting
    /// for a rider whose dispatch loop went quiet gets a new loop. All are safe to run
    /// twice: ends are guarded by the order's state, refunds and dispatch are idempotent.
    private func reconciler() {
        // A payment wait starts after the charge call returns: allow for the slowest
        // charge call the policy permits (every attempt timing out, every backoff at its
        // cap). Without a timeout a charge may wait forever, and no wait is presumed lost.
        let charge = instance.spec.calls.policy(for: serviceName(.payment))
        let attempts = Int64(charge.retry?.attempts ?? 1)
        let slowestCharge = charge.timeout.map { $0.nanoseconds &* attempts &+ (charge.retry?.cap.nanoseconds ?? 0) &* (attempts - 1) }
        let grace = slowestCharge.map { $0 &+ options.paymentWait.nanoseconds &+ Self.reconcileGrace.nanoseconds }
        // A live dispatch loop asks at least once per call timeout + retry interval.
        let dispatchTimeout = instance.spec.calls.policy(for: serviceName(.dispatch)).timeout ?? .seconds(60)
        let dispatchIdle = (dispatchTimeout * 2).nanoseconds &+ Self.reconcileGrace.nanoseconds
        background("reconciler", chore: true) { [self] in
            while !Task.isCancelled {
                let database = platform.database!
                if let grace {
                    for record in await database.stalledPayments(changedBefore: now &- grace) where !Task.isCancelled {
                        if await end(record, .fail(.paymentTimeout)) { platform.metrics.count("\(service).payment_waits_recovered") }
                    }
                }
                if Task.isCancelled { return }
                for order in await database.refundsToResume(idle: Self.refundIdle.nanoseconds, maxIdle: Self.refundMaxIdle.nanoseconds,
                                                            maxResumes: Self.refundResumes) {
                    platform.metrics.count("\(service).refunds_resumed")
                    refund(order)
                }
                if Task.isCancelled { return }
                // Dispatch is idempotent per order, so a second loop is harmless.
                for record in await database.ordersAwaitingRider(loopIdleSince: now &- dispatchIdle) {
                    platform.metrics.count("\(service).dispatch_recovered")
                    requestDispatch(record)
                }
                try? await sim.clock.sleep(for: Self.reconcileInterval)
            }
        }
    }

    static let reconcileInterval = Duration.seconds(30)
    static let reconcileGrace = Duration.seconds(60)
    static let refundIdle = Duration.seconds(60)
    static let refundMaxIdle = Duration.seconds(600)
    static let refundResumes = 10

    func stop() {
        for task in tasks { task.cancel() }
        tasks.removeAll()
        let broker = platform.broker!
        let registered = consumers
        consumers.removeAll()
        // The consumers' channels close: their unacked messages are requeued.
        for (queue, id) in registered { broker.isolatedOnWorldThread((queue, id)) { broker, pair in broker.cancel(pair.0, consumer: pair.1) } }
    }

    private func consume(_ queue: String, _ consumer: ConsumerID) async {
        let broker = platform.broker!
        // Crashed before the subscription was made: close it (stop() never saw it).
        if Task.isCancelled { return await broker.cancel(queue, consumer: consumer) }
        while !Task.isCancelled, let delivery = await broker.receive(queue, consumer: consumer) {
            var ok = true
            switch delivery.payload {
            case .intake(let request):
                let result = await create(request)
                if case .failure(let failure) = result, failure.isTransient { ok = false }
            case .paymentResult(let order, let success):
                await apply(order, .paid(success: success))
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
            let read = await withDatabase { database in await database.execute(.read); return await database.order(forKey: key) }
            switch read {
            case .success(let record?): return .success(.order(OrderView(id: record.id, state: record.state)))
            case .success(nil): return .failure(.refused(.notFound))
            case .failure(let failure): return .failure(failure)
            }
        case .cancelOrder(let key):
            guard case .success(let record?) = await withDatabase({ database in await database.order(forKey: key) }) else {
                return .failure(.refused(.notFound))
            }
            guard record.state.isCancellable else { return .failure(.refused(.invalidState)) }
            await end(record, .cancel(.customer))
            return .success(.ok)
        case .orderEvent(let order, let event):
            await apply(order, event)
            return .success(.ok)
        default:
            return .failure(.error)
        }
    }

    /// Creates an order: idempotency check, insert, stock, payment.
    private func create(_ request: OrderRequest) async -> Result<Reply, Failure> {
        let inserted = await withDatabase { [options] database -> (OrderRecord, Bool) in
            await database.execute(.read)
            if options.idempotency, let existing = await database.order(forKey: request.key) {
                return (existing, false)
            }
            await database.execute(.write)
            return (await database.insertOrder(request, idempotent: options.idempotency), true)
        }
        guard case .success(let (record, isNew)) = inserted else { return .failure(inserted.failure!) }
        if !isNew {
            platform.metrics.count("\(service).duplicates_absorbed")
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
        case .success:
            await apply(record.id, .paid(success: true))
        case .failure(.refused(.paymentDeclined)):
            await apply(record.id, .paid(success: false))
        case .failure:
            // Unknown outcome: the result will arrive by callback or through the broker;
            // until `payment_wait` passes, the order stays payment-pending.
            watchPayment(record.id)
        }
        let state = await currentState(record.id) ?? .failed(.internalError)
        if case .failed = state { return .failure(.refused(.paymentDeclined)) }
        return .success(.order(OrderView(id: record.id, state: state)))
    }

    private func watchPayment(_ order: Int64) {
        let wait = options.paymentWait
        background("payment-wait(\(order))") { [self] in
            try? await sim.clock.sleep(for: wait)
            if Task.isCancelled { return } // the instance crashed: the watch is lost with it
            if await currentState(order) == .paymentPending {
                platform.metrics.count("\(service).payment_timeouts")
                if let record = await platform.database.order(order) { await end(record, .fail(.paymentTimeout)) }
            }
        }
    }

    /// Applies an event reported by payment, a merchant or a rider.
    private func apply(_ order: Int64, _ event: OrderEvent) async {
        guard let record = await platform.database.order(order) else { return }
        switch event {
        case .paid(let success):
            if success, record.state.isTerminal, !record.state.isCharged {
                // The money arrived after the order was given up (payment timeout, the
                // customer cancelled): hand it back. Refunds are idempotent per order, so
                // the callback and the broker both reporting it is harmless.
                if await platform.database.requestRefund(order) {
                    platform.metrics.count("\(service).late_payments_refunded")
                    refund(order)
                }
                return
            }
            guard record.state == .paymentPending || record.state == .reserved else { return } // already settled
            if success {
                // The callback and the broker both report the result: only the first moves
                // the order and notifies the merchant.
                guard await transition(order, .paid) else { return }
                _ = await platform.broker.publish("orders.placed", .orderPlaced(order: order, merchant: record.request.merchant))
            } else {
                await end(record, .fail(.payment))
            }
        case .merchantAccepted:
            if await transition(order, .accepted) { requestDispatch(record) }
        case .merchantRefused:
            await end(record, .cancel(.merchantRefused))
        case .ready:
            await transition(order, .ready)
        case .riderAssigned:
            await transition(order, .assigned)
        case .pickedUp:
            await transition(order, .pickedUp)
        case .delivered:
            await transition(order, .delivered)
        }
    }

    /// Asks dispatch for a rider until one is assigned or the order ends.
    private func requestDispatch(_ record: OrderRecord) {
        let retry: Duration
        if case .dispatch(let options) = platform.spec.service(playing: .dispatch)?.options { retry = options.retryInterval } else { retry = .seconds(5) }
        background("dispatch(\(record.id))") { [self] in
            while !Task.isCancelled, platform.keepsRunning {
                guard let state = await currentState(record.id), !state.isTerminal, state != .pickedUp else { return }
                if state == .assigned || state == .readyAndAssigned { return }
                await platform.database.noteDispatchLoop(record.id)
                switch await call(.dispatch, .dispatch(order: record.id, merchant: record.request.merchant)) {
                case .success(.rider):
                    await apply(record.id, .riderAssigned(rider: 0))
                    return
                default:
                    platform.metrics.count("\(service).dispatch_retries")
                    try? await sim.clock.sleep(for: retry)
                }
            }
        }
    }

    /// Ends an order early: moves it, gives back stock and refunds a charge — including
    /// one that may have happened: an order ended while its payment was pending closes the
    /// payment with a refund, which hands back a charge that landed and declines one still
    /// on its way (the gateway's close-order). What to undo is decided from the state the
    /// order actually left, read in the same database step as the move.
    @discardableResult
    private func end(_ record: OrderRecord, _ transition: OrderState.Transition, restock: Bool = false) async -> Bool {
        guard let previous = await move(record.id, transition) else { return false }
        let held = previous.holdsStock || restock
        let mayBeCharged = previous.isCharged || previous == .paymentPending
        if held {
            _ = await call(.inventory, .restock(order: record.id, item: record.request.item, quantity: record.request.quantity))
        }
        if mayBeCharged, await platform.database.requestRefund(record.id) { refund(record.id) }
        return true
    }

    /// Refunds `order`'s charge, retrying in the background until the payment service
    /// confirms it (at most `refundAttempts` tries, `refundRetry` × attempt apart): money
    /// owed back is not dropped because one call failed. The request is durable (in the
    /// database): a loop lost in a crash or given up is driven again by the reconciler.
    private func refund(_ order: Int64) {
        background("refund(\(order))") { [self] in
            for attempt in 1...Self.refundAttempts {
                if Task.isCancelled { return } // the instance crashed: the retries are lost with it
                await platform.database.noteRefundAttempt(order)
                if case .success = await call(.payment, .refund(order: order)) {
                    await platform.database.confirmRefund(order)
                    return
                }
                platform.metrics.count("\(service).refund_retries")
                guard attempt < Self.refundAttempts else { break }
                try? await sim.clock.sleep(for: Self.refundRetry * attempt)
            }
            platform.metrics.count("\(service).refunds_abandoned")
        }
    }

    static let refundAttempts = 8
    static let refundRetry = Duration.seconds(5)

    /// Moves `order`; true when it moved.
    @discardableResult
    private func transition(_ order: Int64, _ transition: OrderState.Transition) async -> Bool {
        await move(order, transition) != nil
    }

    /// Moves `order`; the state it left, or nil when it did not move.
    private func move(_ order: Int64, _ transition: OrderState.Transition) async -> OrderState? {
        let write = await withDatabase { database in
            await database.execute(.write)
            return await database.transition(order, transition)
        }
        switch write {
        case .success(let previous):
            return previous
        case .failure:
            // The state store is unreachable (pool timeout): write anyway once the pool
            // recovers would be the real behaviour; count it and apply directly so that
            // orders still reach an end and the invariants stay checkable.
            platform.metrics.count("\(service).state_write_retried")
            return await platform.database.transition(order, transition)
        }
    }

    private func currentState(_ order: Int64) async -> OrderState? {
        await platform.database.order(order)?.state
    }
}
