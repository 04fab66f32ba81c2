import Platform
import SimKernel
import Testing
import World

/// The invariant checks find what they exist to find: each violation is produced by a
/// world built to produce it, and absent when the defence is switched on.
@Suite("Invariants")
struct InvariantTests {
    /// Flash-sale traffic on one item with 5 units: many concurrent deductions of the
    /// last units.
    /// The sale opens: 300 customers a second for 5 s go for one item with 5 units.
    let flashSale = [
        #"traffic.journeys=[{"kind": "flash_sale"}]"#,
        #"traffic.rate=[{"for": "5s", "rate": "300/s"}]"#,
        "catalog.flash_stock=5",
        #"traffic.app={"timeout": "60s", "attempts": 1, "browse_pages": {"constant": 0}, "poll_interval": "1m", "patience": {"constant": "3m"}}"#,
    ]

    @Test("the small world is clean: every invariant holds and orders end")
    func cleanWorld() throws {
        let outcome = try runSmall()
        #expect(outcome.result.stop.isSuccess)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
        #expect(outcome.value("orders.created") > 300)
        #expect(outcome.value("orders.delivered") > 200)
    }

    @Test("a charge whose answer never reached the platform is refunded when the order's payment times out")
    func timedOutChargesRefunded() throws {
        // The gateway takes 2 s, the payment service waits 1 s: the money moves, the answer
        // is lost, and the order gives up after payment_wait.
        let outcome = try runSmall([#"dependencies={"payment_gateway": {"latency": {"constant": "2s"}, "errors": 0}}"#,
                                    #"services.order.payment_wait="20s""#, "services.payment.workers=256",
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        #expect(outcome.value("order.payment_timeouts") > 50)
        #expect(outcome.value("payment_gateway.requests") > 50)
        #expect(outcome.invariants.unrefundedCharges == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("a crash loses an instance's refund retries, but refunds are durable: the restarted instance drives them again")
    func refundsSurviveCrash() throws {
        // Refund calls fail while the gateway is slow (2 s against the payment service's
        // 1 s timeout), so order instances keep retrying them; both crash mid-retry.
        let outcome = try runSmall([#"dependencies={"payment_gateway": {"latency": {"constant": "2s"}, "errors": 0}}"#,
                                    #"services.order.payment_wait="20s""#, "services.payment.workers=256",
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#,
                                    #"faults=[{"kind": "crash", "target": "order", "at": "3m", "restart_after": "30s"}]"#])
        #expect(outcome.value("order.crashes") == 2)
        #expect(outcome.value("order.refunds_resumed") > 10)
        #expect(outcome.invariants.unrefundedCharges == 0)
    }

    @Test("a refund that overtakes a slow charge closes the payment: the charge is declined, nothing is left unrefunded")
    func refundOvertakesCharge() throws {
        // Payment's own work takes up to 8 s, the order waits 1 s: refunds race charges.
        let outcome = try runSmall([#"services.payment.work={"uniform": ["0s", "8s"]}"#, "services.payment.workers=256",
                                    #"services.order.payment_wait="1s""#, #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        #expect(outcome.value("order.payment_timeouts") > 50)
        #expect(outcome.invariants.unrefundedCharges == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("payment waits lost in a crash are finished by the reconciler: no order is left waiting for its payment")
    func lostPaymentWaitsRecovered() throws {
        // Half the charges hang (no answer, no outbox row): only the order's payment wait
        // ends those orders, and both order instances crash while waiting.
        let outcome = try runSmall([#"dependencies={"payment_gateway": {"hangs": 0.5, "errors": 0}}"#,
                                    #"services.order.payment_wait="60s""#, #"traffic.app.patience={"constant": "30m"}"#,
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#,
                                    #"faults=[{"kind": "crash", "target": "order", "at": "3m", "restart_after": "30s"}]"#])
        #expect(outcome.value("order.payment_waits_recovered") > 5)
        // Every order that waited for its payment was paid or failed: none still waits.
        #expect(outcome.value("orders.payment_pending") == outcome.value("orders.paid") + outcome.value("orders.failed.payment_timeout"))
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("dispatch is idempotent per order: a caller retrying after its timeout never gets a second rider")
    func dispatchIdempotent() throws {
        // The order service gives up on dispatch after 1 s and asks again while the first
        // search goes on; riders are scarce, so searches overlap for long.
        let overrides = [#"services.order.calls={"default": {"timeout": "3s"}, "dispatch": {"timeout": "1s"}}"#,
                         "riders.count=20", "riders.capacity=1", #"traffic.journeys=[{"kind": "order", "weight": 1}]"#]
        let outcome = try runSmall(overrides)
        #expect(outcome.value("dispatch.duplicates_absorbed") + outcome.value("dispatch.search_in_progress") > 10)
        #expect(outcome.invariants.doubleAssignments == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("a rider found after the order service stopped waiting still moves the order: nothing is left stuck")
    func lateDispatchReplyMovesOrder() throws {
        // Scarce riders and quick kitchens: searches often finish after the order
        // service's dispatch call has timed out, so the reply is lost on the way back.
        let outcome = try runSmall(["riders.count=15", "riders.capacity=1", #"merchants.prepare={"constant": "20s"}"#,
                                    #"riders.to_merchant={"constant": "10s"}"#, #"riders.to_customer={"constant": "10s"}"#])
        #expect(outcome.result.stop == .completed, "\(outcome.result.stop)")
        #expect(outcome.value("orders.in_flight_at_end") == 0)
        #expect(outcome.value("orders.delivered") > 300)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("dispatch loops lost in a crash are started again by the reconciler, without double assignments")
    func dispatchLoopsRecovered() throws {
        let outcome = try runSmall(["riders.count=20", "riders.capacity=1", #"traffic.app.patience={"constant": "30m"}"#,
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#,
                                    #"faults=[{"kind": "crash", "target": "order", "at": "3m", "restart_after": "30s"}]"#])
        #expect(outcome.value("order.dispatch_recovered") > 50)
        #expect(outcome.invariants.doubleAssignments == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("a payment that succeeds after its order gave up is refunded")
    func latePaymentsRefunded() throws {
        // The gateway answers in 4.5 s; the order service's call gives up at 3 s and its
        // payment wait at 1 s more, so the success (by callback and broker) comes late.
        let outcome = try runSmall([#"dependencies={"payment_gateway": {"latency": {"constant": "4500ms"}, "errors": 0}}"#,
                                    #"services.payment.calls={"payment_gateway": {"timeout": "10s"}}"#,
                                    #"services.order.payment_wait="1s""#, "services.payment.workers=256",
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        let failed = outcome.value("orders.failed.payment_timeout")
        #expect(failed > 50 && failed == outcome.value("orders.created"), "every order gave up on its payment")
        #expect(outcome.value("payment.charged") > 50, "and yet the charges went through, later")
        #expect(outcome.invariants.unrefundedCharges == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    @Test("without a lock, check-then-act deductions oversell the last units")
    func oversellWithoutLock() throws {
        let outcome = try runSmall(flashSale + [#"services.inventory.locking="none""#])
        #expect(outcome.invariants.oversold > 0)
        #expect(outcome.value("invariants.oversold") == Double(outcome.invariants.oversold))
    }

    @Test("a row lock or a distributed lock with fencing sells exactly the stock")
    func noOversellWithLocks() throws {
        for locking in ["row", "distributed"] {
            let outcome = try runSmall(flashSale + ["services.inventory.locking=\"\(locking)\""])
            #expect(outcome.invariants.oversold == 0, "\(locking)")
            #expect(outcome.value("inventory.deducted") >= 5, "\(locking): the stock was sold")
        }
    }

    /// The incident of the documents: a holder paused (GC) longer than the lock's TTL
    /// still writes after another holder took the lock.
    /// A slower flash sale (10 customers a second, 10 units) on a slow database (300 ms a
    /// read, so a holder spends most of its lock reading); inventory#0 stops for 20 s,
    /// far longer than the 1 s lock TTL, holding a lock and a stale stock figure, while
    /// inventory#1 takes the lock after it expires and sells the rest. Every order read
    /// costs 300 ms too: the order service gets enough workers that merchants' reports do
    /// not queue behind creates waiting for the lock.
    let pausedHolder = [
        #"traffic.rate=[{"for": "20s", "rate": "10/s"}]"#,
        "services.order.workers=64",
        "catalog.flash_stock=10",
        "services.inventory.lock_ttl=\"1s\"",
        "services.inventory.lock_wait=\"30s\"",
        #"services.order.calls.inventory={"timeout": "50s"}"#,
        #"infrastructure={"database": {"read": {"constant": "300ms"}}}"#,
        #"faults=[{"kind": "pause", "target": "inventory#0", "at": "2500ms", "for": "20s"}]"#,
    ]

    @Test("a lock holder paused past its TTL oversells without fencing")
    func pauseWithoutFencing() throws {
        let outcome = try runSmall(flashSale + pausedHolder + ["services.inventory.fencing=false"])
        #expect(outcome.invariants.oversold > 0)
        #expect(outcome.value("inventory.lock_lost_while_held") > 0)
    }

    @Test("with fencing, the paused holder's late write is rejected and nothing is oversold")
    func pauseWithFencing() throws {
        let outcome = try runSmall(flashSale + pausedHolder + ["services.inventory.fencing=true"])
        #expect(outcome.invariants.oversold == 0)
        #expect(outcome.value("database.stale_writes_rejected") > 0)
        #expect(outcome.value("inventory.deducted") == 10, "exactly the stock was sold")
    }

    /// The payment gateway is slower than the payment service's timeout: the first charge
    /// goes through but its reply is abandoned, and the retry charges again.
    let slowGateway = [
        #"dependencies={"payment_gateway": {"latency": {"constant": "300ms"}}}"#,
        #"services.payment.calls={"payment_gateway": {"timeout": "200ms", "retry": {"attempts": 3, "base": "10ms"}}}"#,
        #"services.order.calls.payment={"timeout": "5s"}"#,
    ]

    @Test("retries without an idempotency key charge customers twice")
    func doubleCharge() throws {
        let outcome = try runSmall(slowGateway + ["services.payment.idempotency_key=false"])
        #expect(outcome.invariants.doubleCharges > 0)
    }

    @Test("with the idempotency key, retries charge once")
    func noDoubleCharge() throws {
        let outcome = try runSmall(slowGateway + ["services.payment.idempotency_key=true"])
        #expect(outcome.invariants.doubleCharges == 0)
        #expect(outcome.value("payment.calls.payment_gateway.retries") > 0, "the retries did happen")
    }

    /// Few riders, three dispatchers, and a slow network: the gap between reading a
    /// rider's load and assigning (a round trip to the rider's app) is wide enough for
    /// concurrent dispatchers to pick the same free rider.
    let fewRiders = [
        #"riders={"count": 4, "capacity": 1, "to_merchant": {"constant": "30s"}, "to_customer": {"constant": "30s"}}"#,
        "services.dispatch.instances=3",
        #"traffic.rate=[{"for": "3m", "rate": "3/s"}]"#,
        #"infrastructure={"network_latency": {"constant": "100ms"}}"#,
        #"traffic.app={"timeout": "20s", "attempts": 2, "browse_pages": {"constant": 0}, "poll_interval": "1m", "patience": {"constant": "5m"}}"#,
    ]

    @Test("without a lock per rider, concurrent dispatchers overload a rider")
    func riderOverCapacity() throws {
        let outcome = try runSmall(fewRiders + ["services.dispatch.rider_lock=false"])
        #expect(outcome.invariants.riderOverCapacity > 0)
    }

    @Test("with a lock per rider, no rider carries more than its capacity")
    func riderLock() throws {
        let outcome = try runSmall(fewRiders + ["services.dispatch.rider_lock=true"])
        #expect(outcome.invariants.riderOverCapacity == 0)
        #expect(outcome.value("dispatch.assigned") > 10)
    }

    @Test("queued intake with a drop-head length limit loses accepted orders")
    func ordersLost() throws {
        let outcome = try runSmall([
            #"services.order.intake="queued""#, "services.order.consumers=1", "services.order.prefetch=1",
            "services.order.instances=1",
            #"infrastructure={"broker": {"max_length": 3, "overflow": "drop-head"}}"#,
            #"traffic.rate=[{"for": "1m", "rate": "20/s"}]"#,
        ])
        #expect(outcome.invariants.ordersLost > 0)
        #expect(outcome.value("broker.orders.intake.dead_lettered.maxlen") > 0)
        #expect(outcome.invariants.messagesLost == 0, "dropped messages are dead-lettered, not lost")
    }

    @Test("queued intake without a length limit loses nothing")
    func queuedIntakeKeepsOrders() throws {
        let outcome = try runSmall([#"services.order.intake="queued""#, "services.order.consumers=2"])
        #expect(outcome.invariants.ordersLost == 0)
        #expect(outcome.value("orders.created") > 300)
        // The broker's intake queue held orders for the consumers and was empty at the end.
        let ready = try #require(outcome.metrics.existingGauge("broker.orders.intake.ready"))
        let unacked = try #require(outcome.metrics.existingGauge("broker.orders.intake.unacked"))
        #expect(unacked.maximum >= 1 && unacked.maximum <= 2 * 2 * 10, "at most instances × consumers × prefetch in flight")
        #expect(ready.value == 0 && unacked.value == 0)
    }
}
