import Platform
import SimKernel
import Testing
import World

/// Each kind of fault does what it says, inside its window and not outside it.
@Suite("Faults")
struct FaultTests {

    @Test("added latency on a dependency of the order service makes its calls time out, and the breaker opens")
    func latency() throws {
        let outcome = try runSmall([#"faults=[{"kind": "latency", "target": "inventory", "at": "2m", "for": "1m", "extra": {"constant": "8.2s"}}]"#])
        #expect(outcome.value("order.calls.inventory.failed.deadline", in: minutes(2, 3)) > 0)
        #expect(outcome.value("order.calls.inventory.failed.deadline", in: minutes(0, 1.9)) == 0)
        #expect(outcome.value("order.calls.inventory.breaker.to_open") >= 1)
        #expect(outcome.value("order.calls.inventory.failed.breaker_open") > 0)
        #expect(outcome.value("orders.failed_ratio", in: minutes(2, 3)) > outcome.value("orders.failed_ratio", in: minutes(0, 2)))
    }

    @Test("injected errors on the payment gateway decline payments in the window only")
    func errors() throws {
        let outcome = try runSmall([#"faults=[{"kind": "errors", "target": "payment_gateway", "at": "1m", "for": "1m", "ratio": 1.0}]"#,
                                    #"dependencies={"payment_gateway": {"errors": 0}}"#])
        #expect(outcome.value("payment.declined", in: minutes(1, 2)) > 20)
        #expect(outcome.value("payment.declined", in: minutes(2.5, 5)) == 0)
        #expect(outcome.value("orders.failed.payment") > 20)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 })
    }

    @Test("a crashed instance keeps receiving calls until its registration expires, then traffic moves on")
    func crash() throws {
        let outcome = try runSmall([
            #"faults=[{"kind": "crash", "target": "order#0", "at": "1m", "restart_after": "2m"}]"#,
            #"infrastructure={"registry": {"heartbeat": "5s", "ttl": "15s"}}"#,
        ])
        #expect(outcome.value("order.crashes") == 1)
        #expect(outcome.value("order.restarts") == 1)
        // Calls to order#0 are lost until the registry drops it (≤ 15 s + one heartbeat).
        let lost = outcome.value("gateway.calls.order.failed.deadline", in: minutes(1, 1.5))
        #expect(lost > 0)
        #expect(outcome.value("gateway.calls.order.failed.deadline", in: minutes(1.6, 2.9)) == 0,
                "after the registration expired, only order#1 is called")
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 })
    }

    @Test("a paused instance makes no progress: its callers time out while it is stopped")
    func pause() throws {
        let outcome = try runSmall([#"faults=[{"kind": "pause", "target": "menu#0", "at": "1m", "for": "30s"}]"#,
                                    #"traffic.app={"timeout": "2s", "attempts": 1, "browse_pages": {"constant": 3}}"#,
                                    #"services.menu.instances=2"#, #"services.gateway.calls={"menu": {"timeout": "1s"}}"#])
        #expect(outcome.value("gateway.calls.menu.failed.deadline", in: minutes(1, 1.5)) > 0)
        #expect(outcome.value("gateway.calls.menu.failed.deadline", in: minutes(2, 4)) == 0)
    }

    @Test("a cache flush sends the next reads to the database")
    func cacheFlush() throws {
        let outcome = try runSmall([#"faults=[{"kind": "cache_flush", "at": "2m"}]"#,
                                    #"traffic.journeys=[{"kind": "browse"}]"#,
                                    #"traffic.app={"browse_pages": {"constant": 5}}"#])
        #expect(outcome.value("cache.flushes") == 1)
        // Before the flush the 50 items are cached; right after it they are loaded again.
        #expect(outcome.value("menu.database_loads", in: minutes(1.5, 2)) == 0)
        #expect(outcome.value("menu.database_loads", in: minutes(2, 2.5)) > 10)
    }

    @Test("a partition between order and inventory fails those calls only while it lasts")
    func partition() throws {
        let outcome = try runSmall([#"faults=[{"kind": "partition", "between": ["order", "inventory"], "at": "1m", "for": "1m"}]"#])
        #expect(outcome.value("order.calls.inventory.failed.deadline", in: minutes(1, 2)) > 0)
        #expect(outcome.value("order.calls.inventory.failed.deadline", in: minutes(2.5, 5)) == 0)
        #expect(outcome.value("order.calls.payment.failed.deadline", in: minutes(1, 2)) <= 0, "other links are unaffected")
    }

    @Test("a database slowdown stretches every query in its window")
    func databaseSlowdown() throws {
        let outcome = try runSmall([#"faults=[{"kind": "database_slowdown", "at": "2m", "for": "1m", "factor": 20}]"#])
        let before = outcome.value("database.query.p50", in: minutes(1, 2))
        let during = outcome.value("database.query.p50", in: minutes(2, 3))
        #expect(before > 0)
        #expect(during > 10 * before)
    }

    @Test("a traffic surge multiplies arrivals in its window")
    func surge() throws {
        let outcome = try runSmall([#"faults=[{"kind": "surge", "at": "2m", "for": "1m", "factor": 3}]"#])
        // The profile's 2 a second is 120 a minute (Poisson: ±11); tripled, 360 (±19).
        let before = outcome.value("customers.arrived", in: minutes(0, 2))
        let during = outcome.value("customers.arrived", in: minutes(2, 3))
        #expect((200...280).contains(before), "before \(before)")
        #expect((310...410).contains(during), "during \(during)")
    }

    @Test("bad traffic for products that do not exist reaches the database unless the menu defends itself")
    func penetration() throws {
        let attack = [#"traffic.bad_traffic="20/s""#, #"traffic.journeys=[{"kind": "browse"}]"#]
        let open = try runSmall(attack)
        let bloom = try runSmall(attack + ["services.menu.bloom_filter=true"])
        let negative = try runSmall(attack + [#"services.menu.negative_ttl="5m""#])
        #expect(open.value("menu.penetrating") > 1_000)
        // The filter (sized for 0.1% false positives) lets almost nothing through.
        #expect(bloom.value("menu.penetrating") < 0.01 * open.value("menu.penetrating"))
        #expect(bloom.value("menu.bloom_rejected") > 1_000)
        // Negative caching stops repeats, but the bad ids are random: most are new, so it
        // saves next to nothing — within the noise of two runs whose database timings
        // differ (the cache answers change what the shared database draws next).
        let openLoads = open.value("menu.database_loads"), negativeLoads = negative.value("menu.database_loads")
        #expect(openLoads > 1_000)
        #expect(abs(negativeLoads - openLoads) <= 0.01 * openLoads, "negative \(negativeLoads), open \(openLoads)")
    }
}
