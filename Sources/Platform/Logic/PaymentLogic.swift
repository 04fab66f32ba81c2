import SimKernel
import World

/// The payment service: charges through the external payment gateway (with or without an
/// idempotency key), records each result in its local message table in the same
/// database transaction, reports it to the order service by callback, and relays the
/// table to the broker so the result arrives even when the callback is lost (eventual
/// consistency instead of 2PC, as in the documents). With `charge_in_transaction` the
/// charge runs inside the database transaction that records it, holding a pooled
/// connection across the external call: the documents' payment pool exhaustion.
final class PaymentLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: PaymentOptions
    private var relay: Task<Void, Never>?

    /// Where the relay publishes payment results.
    private let broker: Broker
    /// Every figure below, declared when the world is built (``LogicFigures``).
    static let figures = LogicFigures(counters: ["outbox_publish_refused", "charged", "declined", "refunds"])
    /// Relayed results the broker refused; charges made and declined; refunds made (each
    /// made on first use).
    private lazy var outboxPublishRefused = logicMetrics.counter("outbox_publish_refused")
    private lazy var charged = logicMetrics.counter("charged")
    private lazy var declined = logicMetrics.counter("declined")
    private lazy var refunds = logicMetrics.counter("refunds")

    init(instance: ServiceInstance, options: PaymentOptions, environment: LogicEnvironment, broker: Broker) {
        self.options = options
        self.broker = broker
        super.init(instance: instance, environment: environment)
    }

    func start() {
        let interval = options.relayInterval
        relay = background("outbox-relay", chore: true) { [self] in
            while !Task.isCancelled {
                try? await sim.clock.sleep(for: interval)
                if Task.isCancelled { return }
                await keyed(tickKey("outbox-relay")) { await relayBatch() }
            }
        }
    }

    /// One round of the relay: claim a batch, publish each row, delete what the broker
    /// confirmed. Each statement on a pooled connection of its own: no connection, no
    /// batch this round; a release or delete that found none leaves the row to its lease
    /// (published again later: at least once, consumers dedupe).
    private func relayBatch() async {
        guard case .success(let batch) = await withConnection({ await $0.claimOutbox(limit: options.outboxBatch, lease: options.claimLease) }) else { return }
        for (index, row) in batch.enumerated() {
            var published = false
            if !Task.isCancelled {
                published = await broker.publish("payment.results", .paymentResult(order: row.order, success: row.success, chargedAt: row.chargedAt))
            }
            guard published else {
                // Crashed, or not confirmed (queue full, reject-publish): the rows stay in
                // the table; release the claims not tried so the next relay (this one, or
                // another instance's) takes them at once.
                if !Task.isCancelled { outboxPublishRefused.add() }
                let unpublished = batch[index...].map(\.id)
                _ = await withConnection { await $0.releaseOutbox(unpublished) }
                return
            }
            _ = await withConnection { await $0.confirmOutbox(row.id) }
        }
    }

    func stop() { relay?.cancel() }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        switch call {
        case .charge(let order, _):
            guard options.chargeInTransaction else { return await charge(order, in: nil) }
            // BEGIN; charge; INSERT the local message; COMMIT: the transaction's connection
            // is held while the gateway answers (the hold leak detection reports). No
            // connection within the pool's acquire timeout: no charge is attempted.
            let charged = await withConnection { transaction in await charge(order, in: transaction) }
            return charged.flatMap { $0 }
        case .refund(let order):
            let refunded = await instance.call("payment_gateway", .refund(order: order))
            if case .success = refunded { refunds.add() }
            return refunded
        default:
            await misrouted(call, from: caller)
        }
    }

    /// Charges `order` through the gateway and records the result in the local message
    /// table: on `transaction`'s connection, or on a connection of its own taken after the
    /// gateway answered.
    private func charge(_ order: Int64, in transaction: DatabaseSession?) async -> Result<Reply, Failure> {
        let key: Int64? = options.idempotencyKey ? order : nil
        let charged = await instance.call("payment_gateway", .gatewayCharge(order: order, idempotencyKey: key))
        let success: Bool
        switch charged {
        case .success: success = true
        case .failure(.error): success = false
        case .failure(let failure):
            // No answer: the outcome is unknown here too; the gateway's reconciliation
            // is out of scope, the order service waits and compensates.
            return .failure(failure)
        }
        // The result's instant travels with it (outbox row, callback, broker message).
        let chargedAt = now
        if let transaction {
            await transaction.appendOutbox(order: order, success: success, chargedAt: chargedAt)
        } else {
            let recorded = await withConnection { await $0.appendOutbox(order: order, success: success, chargedAt: chargedAt) }
            guard case .success = recorded else { return .failure(recorded.failure!) }
        }
        (success ? self.charged : declined).add()
        if options.callback { callback(order, success, chargedAt) }
        return success ? .success(.charged(at: chargedAt)) : .failure(.refused(.paymentDeclined))
    }

    /// Tells the order service, without waiting for it.
    private func callback(_ order: Int64, _ success: Bool, _ chargedAt: Int64) {
        background("callback(\(order))") { [self] in
            _ = await call(.order, .orderEvent(order: order, event: .paid(success: success, chargedAt: chargedAt)))
        }
    }
}
