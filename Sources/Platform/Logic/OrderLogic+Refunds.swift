import SimKernel

/// Ending an order early, and what it undoes: stock given back, a charge refunded.
extension OrderLogic {
    /// Ends an order early: moves it, gives back stock and refunds a charge — including
    /// one that may have happened: an order ended while its payment was pending closes the
    /// payment with a refund, which hands back a charge that landed and declines one still
    /// on its way (the gateway's close-order). What to undo is decided from the state the
    /// order actually left, read in the same database statement as the move.
    @discardableResult
    func end(_ record: OrderRecord, _ transition: OrderState.Transition, restock: Bool = false) async -> Bool {
        guard let previous = await move(record.id, transition) else { return false }
        let held = previous.holdsStock || restock
        let mayBeCharged = previous.isCharged || previous == .paymentPending
        if held {
            _ = await call(.inventory, .restock(order: record.id, item: record.request.item, quantity: record.request.quantity))
        }
        if mayBeCharged, await requestRefund(record.id) { refund(record.id) }
        return true
    }

    /// Records that `order`'s refund is owed (a durable write: it lands, whatever the
    /// pool); false when it already was, or the instance crashed first.
    func requestRefund(_ order: Int64) async -> Bool {
        await durable.write { await withConnection { await $0.requestRefund(order) } } ?? false
    }

    /// Refunds `order`'s charge, retrying in the background until the payment service
    /// confirms it (at most `refund_attempts` tries, `refund_spacing` × attempt apart): money
    /// owed back is not dropped because one call failed. The request is durable (in the
    /// database): a loop lost in a crash or given up is driven again by the reconciler.
    func refund(_ order: Int64) {
        background("refund(\(order))") { [self] in
            await keyed(loopKey("refund", order)) {
                for attempt in 1...options.refundAttempts {
                    if Task.isCancelled { return } // the instance crashed: the retries are lost with it
                    // Not noted (no connection): at worst the reconciler resumes it alongside
                    // (refunds are idempotent at the gateway).
                    _ = await withConnection { await $0.noteRefundAttempt(order) }
                    if case .success = await call(.payment, .refund(order: order)) {
                        _ = await durable.write { await withConnection { await $0.confirmRefund(order) } }
                        return
                    }
                    refundRetries.add()
                    guard attempt < options.refundAttempts else { break }
                    try? await sim.clock.sleep(for: options.refundSpacing * attempt)
                }
                refundsAbandoned.add()
            }
        }
    }
}
