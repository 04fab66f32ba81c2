@testable import Platform
import SimKernel
import Testing
import World

/// The infrastructure fails like services do: crashes lose what the process would lose,
/// partitions make callers time out, slowdowns stretch its time; fault factors come back
/// to exactly 1.
@Suite("Infrastructure faults")
struct InfrastructureFaultTests {

    @Test("slowdown and surge factors are undone exactly, however they overlap")
    func factorsUndoneExactly() {
        let state = FaultState(draws: RandomDraws(sim: Simulation(seed: 1)))
        for factor in [3.0, 7.0, 1.1] { state.slowDown("database", by: factor, true) }
        #expect(state.databaseSlowdown == 3.0 * 7.0 * 1.1)
        for factor in [7.0, 1.1, 3.0] { state.slowDown("database", by: factor, false) }
        #expect(state.databaseSlowdown == 1)
        for factor in [3.0, 1.1] { state.scaleTraffic(by: factor, true) }
        state.scaleTraffic(by: 3.0, false)
        #expect(state.surge == 1.1)
        state.scaleTraffic(by: 1.1, false)
        #expect(state.surge == 1)
        // 1.1 · (1/1.1) is not 1 in floating point: what the old multiplication left.
        let scales: [Double] = [3.0, 7.0, 1.1, 1 / 3.0, 1 / 7.0, 1 / 1.1]
        #expect(scales.reduce(1, *) != 1)
    }

    /// A slower flash sale (10 customers a second for 20 s, 10 units) with a slow
    /// database (a holder keeps its lock for a 300 ms read and a write): the lock server
    /// flaps through the sale, crashing every 700 ms and restarting 100 ms later, losing
    /// the lock while its holder is still reading stock; the next buyer takes it at once.
    let lockCrash = [
        #"traffic.journeys=[{"kind": "flash_sale"}]"#,
        #"traffic.rate=[{"for": "20s", "rate": "10/s"}]"#,
        "catalog.flash_stock=10",
        #"traffic.app={"timeout": "60s", "attempts": 1, "browse_pages": {"constant": 0}, "poll_interval": "1m", "patience": {"constant": "3m"}}"#,
        "services.inventory.locking=\"distributed\"",
        "services.inventory.lock_ttl=\"10s\"",
        "services.inventory.lock_wait=\"30s\"",
        #"services.order.calls.inventory={"timeout": "50s"}"#,
        #"infrastructure={"database": {"read": {"constant": "1s"}}}"#,
        "faults=[" + stride(from: 2_500, through: 14_500, by: 500).map {
            #"{"kind": "crash", "target": "locks", "at": "\#($0)ms", "restart_after": "50ms"}"#
        }.joined(separator: ",") + "]",
    ]

    @Test("a lock-server crash drops the lock keys, and the fenced shop still never oversells")
    func lockCrashFenced() throws {
        let outcome = try runSmall(lockCrash + ["services.inventory.fencing=true"])
        #expect(outcome.value("locks.crashes") == 25)
        #expect(outcome.value("locks.keys_lost") >= 1, "a lock was held when the server crashed")
        // Fencing only the write (Kleppmann's check) lets the older holder write first and
        // the newer one then write a stock figure it read before that write: two sales of
        // the last unit. The stock row is a ``FencedResource`` whose reads are fenced too
        // (``FencedResource/read(with:)``): the holders are ordered by token, and a stale
        // read is refused.
        #expect(outcome.invariants.oversold == 0)
        #expect(outcome.value("inventory.deducted") == 10, "exactly the stock was sold")
        let refused = ["database.stale_reads_rejected", "database.stale_writes_rejected"]
            .compactMap { outcome.metrics.existingCounter($0)?.total }.reduce(0, +)
        #expect(refused > 0, "the fence refused the holder that lost its lock")
    }

    @Test("the same crash without fencing lets two holders write (observed, not built in)")
    func lockCrashUnfenced() throws {
        let outcome = try runSmall(lockCrash + ["services.inventory.fencing=false"])
        #expect(outcome.value("locks.keys_lost") >= 1)
        #expect(outcome.invariants.oversold > 0)
    }

    @Test("a database crash stops order writes until it restarts, then orders flow again")
    func databaseCrash() throws {
        let outcome = try runSmall([#"faults=[{"kind": "crash", "target": "database", "at": "2m", "restart_after": "1m"}]"#])
        #expect(outcome.value("database.crashes") == 1)
        #expect(outcome.value("database.restarts") == 1)
        #expect(outcome.value("orders.created", in: minutes(2.1, 3)) == 0)
        #expect(outcome.value("orders.created", in: minutes(3.5, 5)) > 50)
    }

    @Test("a partition from the cache turns menu reads into misses after the client timeout")
    func cachePartition() throws {
        let outcome = try runSmall([#"faults=[{"kind": "partition", "between": ["menu", "cache"], "at": "2m", "for": "1m"}]"#])
        #expect(outcome.value("cache.unanswered", in: minutes(2, 3)) > 20)
        #expect(outcome.value("cache.unanswered", in: minutes(0, 1.9)) == 0)
        #expect(outcome.value("cache.hits", in: minutes(2.1, 2.9)) == 0)
        #expect(outcome.value("cache.hits", in: minutes(3.2, 5)) > 0)
    }

    @Test("a cache crash empties it: misses right after, hits again once refilled")
    func cacheCrash() throws {
        let outcome = try runSmall([#"faults=[{"kind": "crash", "target": "cache", "at": "2m", "restart_after": "10s"}]"#])
        #expect(outcome.value("cache.crashes") == 1)
        #expect(outcome.value("cache.unanswered", in: minutes(2, 2.2)) > 0)
        #expect(outcome.value("cache.hits", in: minutes(2.5, 5)) > 0)
    }

    @Test("a broker crash requeues unacknowledged deliveries, which are redelivered after the restart")
    func brokerCrash() throws {
        // Slow notification pushes (10 s each) keep deliveries unacknowledged at the crash.
        let outcome = try runSmall([#"services.notification.work={"constant": "10s"}"#,
                                    #"faults=[{"kind": "crash", "target": "broker", "at": "2m", "restart_after": "20s"}]"#])
        #expect(outcome.value("broker.crashes") == 1)
        #expect(outcome.value("broker.restarts") == 1)
        #expect(outcome.value("broker.orders.placed.requeued_on_crash") > 0)
        // Publishes while it was down got no confirm; none after the restart.
        #expect(outcome.value("broker.orders.placed.unconfirmed", in: minutes(2, 2.3)) > 0)
        #expect(outcome.value("broker.orders.placed.unconfirmed", in: minutes(2.5, 12)) == 0)
        // Every requeued message is still in the broker's books (delivered again or waiting).
        #expect(outcome.invariants.messagesLost == 0)
    }

    @Test("an ack of a delivery a broker crash requeued settles nothing and is not counted: each message is acked once")
    func brokerCrashAcksCountOnce() throws {
        // Pushes of 30 s outlive a 10 s outage: consumers ack pre-crash deliveries after
        // the restart, when those messages are already requeued (and delivered again).
        let outcome = try runSmall([#"services.notification.work={"constant": "30s"}"#, "services.notification.consumers=200",
                                    #"faults=[{"kind": "crash", "target": "broker", "at": "2m", "restart_after": "10s"}]"#])
        #expect(outcome.value("broker.orders.placed.requeued_on_crash") > 0)
        let published = outcome.value("broker.orders.placed.published"), acked = outcome.value("broker.orders.placed.acked")
        #expect(published > 0)
        #expect(acked > 0)
        #expect(acked == published, "acked \(acked) of \(published) published: every message once, when the world has ended")
    }

    @Test("a partition between inventory and the lock server: lock calls go unanswered and deductions are refused, then recover")
    func locksPartition() throws {
        let outcome = try runSmall(["services.inventory.locking=\"distributed\"",
                                    #"faults=[{"kind": "partition", "between": ["inventory", "locks"], "at": "2m", "for": "1m"}]"#])
        #expect(outcome.value("inventory.rejected.lock_unavailable", in: minutes(2, 3.1)) > 0)
        #expect(outcome.value("inventory.rejected.lock_unavailable", in: minutes(0, 1.9)) == 0)
        #expect(outcome.value("inventory.deducted", in: minutes(3.5, 5)) > 20)
    }

    @Test("a partition between order and the database holds its statements until it heals")
    func databasePartition() throws {
        let outcome = try runSmall([#"faults=[{"kind": "partition", "between": ["order", "database"], "at": "2m", "for": "30s"}]"#])
        #expect(outcome.value("orders.created", in: minutes(2.05, 2.45)) == 0)
        #expect(outcome.value("orders.created", in: minutes(3, 5)) > 50)
    }

    @Test("a partition that heals while the database is down does not bring it back before its restart")
    func partitionHealsDuringCrash() throws {
        let outcome = try runSmall([#"faults=[{"kind": "partition", "between": ["order", "database"], "at": "1m50s", "for": "20s"}, {"kind": "crash", "target": "database", "at": "2m", "restart_after": "1m"}]"#])
        #expect(outcome.value("database.crashes") == 1)
        #expect(outcome.value("database.restarts") == 1, "only the crash's own restart brings it back")
        #expect(outcome.value("orders.created", in: minutes(2.2, 2.95)) == 0, "still down after the partition healed at 2m10s")
        #expect(outcome.value("orders.created", in: minutes(3.5, 5)) > 50)
    }

    @Test("a database slowdown (the general slowdown kind) stretches queries in its window only")
    func databaseSlowdown() throws {
        let outcome = try runSmall([#"faults=[{"kind": "slowdown", "target": "database", "factor": 20, "at": "2m", "for": "1m"}]"#])
        let query = MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime)
        let before = try #require(query.value("database.query.p50", in: minutes(1, 2)))
        let during = try #require(query.value("database.query.p50", in: minutes(2, 3)))
        #expect(during > 10 * before)
    }

    @Test("a lock-server slowdown stretches the time to take a stock lock")
    func locksSlowdown() throws {
        let base = ["services.inventory.locking=\"distributed\"",
                    #"infrastructure={"locks": {"latency": {"constant": "5ms"}}}"#]
        let calm = try runSmall(base)
        let slow = try runSmall(base + [#"faults=[{"kind": "slowdown", "target": "locks", "factor": 40, "at": "0s", "for": "10m"}]"#])
        let calmLatency = try #require(MetricQuery(metrics: calm.metrics, end: calm.result.endTime).value("inventory.latency.p50"))
        let slowLatency = try #require(MetricQuery(metrics: slow.metrics, end: slow.result.endTime).value("inventory.latency.p50"))
        #expect(slowLatency > calmLatency + 0.3, "40 × 5 ms each way, twice per deduction")
    }
}

/// The DNS lookup in front of external dependencies, and the incident it causes.
@Suite("DNS lookups")
struct DNSTests {

    @Test("answers are cached for their TTL: one lookup per calling service and host per TTL")
    func cachedAnswers() throws {
        let outcome = try runSmall([#"infrastructure={"dns": {"lookup": {"constant": "2ms"}, "ttl": "60s"}}"#])
        let lookups = outcome.value("dns.lookups")
        // payment → payment_gateway and auth → wechat, over about 6 minutes of traffic.
        #expect(lookups >= 6 && lookups <= 20, "\(lookups)")
        #expect(outcome.value("payment_gateway.requests") > 10 * lookups)
    }

    @Test("a slow lookup makes calls to the payment gateway time out while it lasts")
    func slowLookup() throws {
        let outcome = try runSmall([
            #"infrastructure={"dns": {"lookup": {"constant": "2ms"}, "ttl": "5s"}}"#,
            #"faults=[{"kind": "slowdown", "target": "dns", "factor": 2500, "at": "2m", "for": "1m"}]"#,
        ])
        // 2 ms × 2500 = 5 s per lookup, beyond the payment service's 1 s call timeout.
        #expect(outcome.value("payment.calls.payment_gateway.failed.deadline", in: minutes(2, 3.2)) > 0)
        #expect(outcome.value("payment.calls.payment_gateway.failed.deadline", in: minutes(0, 1.9)) == 0)
        let query = MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime)
        #expect(try #require(query.value("dns.lookup.max", in: minutes(0, 1.9))) == 2, "2 ms before the fault")
        #expect(try #require(query.value("dns.lookup.max", in: minutes(2, 3))) == 5_000, "5 s during it")
    }
}
