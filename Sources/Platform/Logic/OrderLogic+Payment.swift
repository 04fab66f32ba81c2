import SimKernel

/// The order service's payment side: results reported by the payment service (callback,
/// broker), merchants and riders, and the wait for a result whose charge call gave no
/// answer.
extension OrderLogic {
    /// Waits `payment_wait` for the result of a charge whose call gave no answer, then
    /// fails the order (compensating) if it is still payment-pending.
    func watchPayment(_ order: Int64) {
        let wait = options.paymentWait
        background("payment-wait(\(order))") { [self] in
            await keyed(loopKey("payment-wait", order)) {
                try? await sim.clock.sleep(for: wait)
                if Task.isCancelled { return } // the instance crashed: the watch is lost with it
                // Not read (no connection): the reconciler ends the wait a grace period later.
                guard case .success(let record?) = await withConnection({ await $0.order(order) }),
                      record.state == .paymentPending else { return }
                paymentTimeouts.add()
                await end(record, .fail(.paymentTimeout))
            }
        }
    }

    /// Applies an event reported by payment, a merchant or a rider. An event received is
    /// applied: the read that decides its write, like the write, is retried until it
    /// lands (``DurableWrite``) — a merchant or rider whose report failed gives up on the
    /// order. False only when the instance crashed first (the broker then redelivers).
    func apply(_ order: Int64, _ event: OrderEvent) async -> Bool {
        guard let found = await durable.write({ await withConnection { await $0.order(order) } }) else { return false }
        guard let record = found else { return true }
        switch event {
        case .paid(let success, let chargedAt):
            if success, record.state.isTerminal, !record.state.isCharged {
                // The money arrived after the order was given up (payment timeout, the
                // customer cancelled): hand it back. Refunds are idempotent per order, so
                // the callback and the broker both reporting it is harmless.
                if await requestRefund(order) {
                    latePaymentsRefunded.add()
                    refund(order)
                }
                return true
            }
            guard record.state == .paymentPending || record.state == .reserved else { return true } // already settled
            if success {
                // The callback and the broker both report the result: only the first moves
                // the order and notifies the merchant.
                guard await transition(order, .paid) else { return true }
                // The charge is visible to the order: how long after the gateway took it.
                paymentVisible.record(now &- chargedAt)
                _ = await broker.publish("orders.placed", .orderPlaced(order: order, merchant: record.request.merchant))
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
        return true
    }
}
