import SimKernel

/// The order service's reconciler: what in-memory loops lost in a crash would have done.
extension OrderLogic {
    /// The durations and counts are the world's (`services.order`: `reconcile_interval`,
    /// `reconcile_grace`, `refund_idle`, `refund_max_idle`, `refund_resumes`).
    ///
    /// Every `reconcileInterval`, on every order instance, finishes what in-memory loops
    /// lost in a crash would have finished: a payment wait past `payment_wait` + a grace
    /// fails its order (and closes the payment), a requested refund nobody has tried for
    /// `refundIdle` (doubling per resume up to `refundMaxIdle`) is driven again (at most
    /// `refundResumes` times: over an hour of outage), and an order waiting
    /// for a rider whose dispatch loop went quiet gets a new loop. All are safe to run
    /// twice: ends are guarded by the order's state, refunds and dispatch are idempotent.
    /// Each query is one statement on a pooled connection, reading only the rows due (the
    /// tables index them); a query without a connection waits for the next tick.
    func reconciler() {
        // A payment wait starts after the charge call returns: allow for the slowest
        // charge call the policy permits (every attempt timing out, every backoff at its
        // cap). Without a timeout a charge may wait forever, and no wait is presumed lost.
        let charge = instance.spec.calls.policy(for: serviceName(.payment))
        let attempts = Int64(charge.retry?.attempts ?? 1)
        let slowestCharge = charge.timeout.map { $0.nanoseconds &* attempts &+ (charge.retry?.cap.nanoseconds ?? 0) &* (attempts - 1) }
        let grace = slowestCharge.map { $0 &+ options.paymentWait.nanoseconds &+ options.reconcileGrace.nanoseconds }
        // A live dispatch loop asks at least once per call timeout + its longest pause
        // (`dispatch_backoff_cap`; counted as at least one more timeout).
        let dispatchTimeout = instance.spec.calls.policy(for: serviceName(.dispatch)).timeout ?? .seconds(60)
        let longestPause = max(dispatchTimeout, dispatchBackoff.cap)
        let dispatchIdle = (dispatchTimeout + longestPause).nanoseconds &+ options.reconcileGrace.nanoseconds
        background("reconciler", chore: true) { [self] in
            while !Task.isCancelled {
                await keyed(tickKey("reconciler")) { await reconcile(grace: grace, dispatchIdle: dispatchIdle) }
                try? await sim.clock.sleep(for: options.reconcileInterval)
            }
        }
    }

    /// One tick of the reconciler (see ``reconciler()``).
    private func reconcile(grace: Int64?, dispatchIdle: Int64) async {
        let started = now
        if let grace, case .success(let stalled) = await withConnection({ await $0.stalledPayments(changedBefore: started &- grace) }) {
            for record in stalled where !Task.isCancelled {
                if await end(record, .fail(.paymentTimeout)) { paymentWaitsRecovered.add() }
            }
        }
        if Task.isCancelled { return }
        if case .success(let idle) = await withConnection({
            await $0.refundsToResume(idle: options.refundIdle.nanoseconds, maxIdle: options.refundMaxIdle.nanoseconds,
                                     maxResumes: options.refundResumes)
        }) {
            for order in idle {
                refundsResumed.add()
                refund(order)
            }
        }
        if Task.isCancelled { return }
        // Dispatch is idempotent per order, so a second loop is harmless.
        let cutoff = now &- dispatchIdle
        if case .success(let waiting) = await withConnection({ await $0.ordersAwaitingRider(loopIdleSince: cutoff) }) {
            for record in waiting {
                dispatchRecovered.add()
                requestDispatch(record)
            }
        }
    }
}
