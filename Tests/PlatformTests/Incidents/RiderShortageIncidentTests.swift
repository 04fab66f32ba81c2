import Platform
import SimKernel
import Testing
import World

/// Incident 6 (issue 11): a rider fleet sized below the dinner peak. The pair runs at
/// reduced size — arrivals and riders scaled to about 30%, the same peak shape — and the
/// fixed world's larger fleet must make orders wait less for a rider and cancel less,
/// while neither world ever gives an order to two riders.
@Suite("Incident: rider shortage")
struct RiderShortageIncidentTests {
    /// The evening at about 30% of the worlds' rates and shortened: shoulders at 0.15
    /// arrivals/s, a 12-minute peak at 0.45/s, 70 minutes in all.
    static let reduced = [
        #"traffic.rate=[{"for": "5m", "rate": "0.15/s"}, {"for": "8m", "from": "0.15/s", "to": "0.45/s"}, {"for": "12m", "rate": "0.45/s"}, {"for": "8m", "from": "0.45/s", "to": "0.15/s"}]"#,
        #"duration="70m""#,
    ]

    static func asItHappened(_ extra: [String] = []) throws -> WorldOutcome {
        try runWorld(try loadWorld("worlds/incidents/rider-shortage.json", overrides: reduced + ["riders.count=70"] + extra))
    }

    static func fixed() throws -> WorldOutcome {
        try runWorld(try loadWorld("worlds/incidents/rider-shortage-fixed.json", overrides: reduced + ["riders.count=112"]))
    }

    @Test("a fleet sized for the peak makes orders wait less for a rider, cancel and refund less, and deliver more; no order ever gets two riders")
    func fixedFleetWaitsAndCancelsLess() throws {
        let shortage = try Self.asItHappened()
        let fixed = try Self.fixed()
        // The cause is the same customers against fewer riders: the same orders arrive.
        #expect(shortage.value("orders.created") == fixed.value("orders.created"))
        // Waiting for a rider: the whole distribution moves down.
        #expect(fixed.value("orders.rider_wait.p50") < shortage.value("orders.rider_wait.p50") / 2)
        #expect(fixed.value("orders.rider_wait.p90") < shortage.value("orders.rider_wait.p90"))
        // Customers whose patience ran out cancel (each cancel refunds the charge).
        #expect(shortage.value("customers.gave_up") > 50)
        #expect(fixed.value("customers.gave_up") < shortage.value("customers.gave_up") / 2)
        #expect(fixed.value("payment.refunds") < shortage.value("payment.refunds") / 2)
        #expect(fixed.value("orders.completed") > shortage.value("orders.completed"))
        // The short fleet is saturated through the peak: every place on every bike taken.
        #expect(shortage.value("riders.carrying.mean", in: minutes(15, 40)) >= 0.95 * 70 * 2)
        // The invariant the rider locks protect, in both worlds.
        for outcome in [shortage, fixed] {
            #expect(outcome.value("invariants.double_assignments") == 0)
            #expect(outcome.value("invariants.rider_over_capacity") == 0)
            #expect(outcome.value("invariants.unrefunded_charges") == 0)
        }
    }

    @Test("the order service's dispatch loop backs off: a shortage does not become a storm of dispatch requests")
    func dispatchLoopBacksOff() throws {
        // Fewer dispatch workers, so searches (each holding a worker up to 30 s) fill its
        // queue and refusals come back at once: the case a loop without backoff storms.
        let saturated = ["services.dispatch.workers=8"]
        let backingOff = try Self.asItHappened(saturated)
        let steady = try Self.asItHappened(saturated + [#"services.order.dispatch_backoff="5s""#, #"services.order.dispatch_backoff_cap="5s""#])
        let accepted = try backingOff.required("orders.accepted")
        let requests = try backingOff.required("dispatch.requests")
        // With a backoff doubling from 2 s to 30 s (equal jitter: each pause at least half
        // its value), an order that waits W asks at most about 5 + W / 15 s times; the
        // orders here wait minutes, the storm asks every 2.5–5 s.
        #expect(requests / accepted < 15)
        #expect(requests * 2 < steady.value("dispatch.requests"))
        // The storm's signature: dispatch's queue overflowing with repeated requests.
        #expect(steady.value("dispatch.rejected.queue_full") > 1_000)
        #expect(backingOff.value("dispatch.rejected.queue_full") * 10 < steady.value("dispatch.rejected.queue_full"))
        // Asking less often does not deliver fewer orders: the riders are the bottleneck.
        #expect(backingOff.value("orders.completed") >= 0.95 * steady.value("orders.completed"))
        #expect(backingOff.value("invariants.double_assignments") == 0)
    }
}
