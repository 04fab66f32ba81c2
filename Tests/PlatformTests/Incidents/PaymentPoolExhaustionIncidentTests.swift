import Platform
import Testing
import World

/// Payment pool exhaustion (DOMAIN.md): a slowed payment gateway, with the charge inside
/// a database transaction, holds the payment pool's connections; the wait for one has a
/// cliff at utilisation 1, and the order service's workers pile up behind payment, so
/// failures spread. A short acquire timeout and leak detection keep the rest healthy.
@Suite("Incident: payment pool exhaustion")
struct PaymentPoolExhaustionIncidentTests {
    /// A shorter slowdown (1m to 2m30s) and run (3 minutes): enough for the pool and the
    /// order service to saturate.
    static let reduced = ["duration=3m", "faults[0].for=1m30s", #"traffic.rate=[{"for": "3m", "rate": "12/s"}]"#]

    /// The app's figures are read before the run's last 30 s: the run stops by its
    /// `duration` with customers still polling, and stopping the simulation afterwards
    /// cancels their calls (counted as failures at the end instant).
    static let beforeTheEnd = minutes(0, 2.5)

    static func run(_ variant: String, _ overrides: [String] = []) throws -> WorldOutcome {
        try runWorld(try loadWorld("worlds/incidents/\(variant).json", overrides: reduced + overrides))
    }

    @Test("as it happened, the pool is exhausted and failures spread beyond payment; the fix keeps the rest healthy")
    func exhaustionSpreadsAndTheFixContainsIt() throws {
        let incident = try Self.run("payment-pool-exhaustion")
        let fixed = try Self.run("payment-pool-exhaustion-fixed")
        // The pool: every connection held, callers waiting seconds; the fix fails them fast.
        #expect(incident.value("payment.db.in_use.max") >= 20)
        #expect(incident.value("payment.db.wait.p99") > 1_000)
        #expect(fixed.value("payment.db.wait.max") <= 500)
        #expect(fixed.value("payment.rejected.pool_timeout") > 0)
        // Leak detection reports the connections held across the charge.
        #expect(incident.metric("payment.db.leaks") == nil, "no leak detection as it happened")
        #expect(fixed.value("payment.db.leaks") > 0)
        // Beyond payment: the order service's callers give up on it (its workers sit in
        // payment calls), so order-status polls fail too.
        #expect(incident.value("order.rejected.deadline") > 0)
        let window = Self.beforeTheEnd
        #expect(incident.value("app.status.failure_ratio", in: window) > 0.05)
        #expect(fixed.value("app.status.failure_ratio", in: window) < incident.value("app.status.failure_ratio", in: window) / 10)
        #expect(fixed.value("order.rejected_ratio", in: window) < incident.value("order.rejected_ratio", in: window))
        #expect(fixed.value("app.order.failure_ratio", in: window) < incident.value("app.order.failure_ratio", in: window))
        // Browsing never reaches the order service: healthy in both.
        #expect(incident.value("app.menu.failure_ratio", in: window) == 0)
    }

    @Test("the wait for a connection is flat at moderate utilisation and explodes as it nears 1")
    func waitTimeCliff() throws {
        let slow = minutes(1.5, 2.5)
        let moderate = try Self.run("payment-pool-exhaustion", [#"traffic.rate=[{"for": "3m", "rate": "6/s"}]"#, "duration=2m40s"])
        let high = try Self.run("payment-pool-exhaustion", [#"traffic.rate=[{"for": "3m", "rate": "10/s"}]"#, "duration=2m40s"])
        let moderateUse = moderate.value("payment.db.in_use.mean", in: slow) / 20
        let highUse = high.value("payment.db.in_use.mean", in: slow) / 20
        #expect(moderateUse < 0.8)
        #expect(highUse > 0.95)
        // Little's law makes utilisation grow in proportion to the rate; the wait does not.
        #expect(high.value("payment.db.wait.mean", in: slow) > 100 * max(1, moderate.value("payment.db.wait.mean", in: slow)))
    }
}
