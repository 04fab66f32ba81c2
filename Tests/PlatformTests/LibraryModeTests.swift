import Platform
import Testing
import World

/// The `Resilience` primitives a world can select, each seen doing its job in the small
/// world: the gateway's limiter kinds, the menu's early refresh, Redlock and the fenced
/// stock row, and the notification consumers' deduplication window.
@Suite("Library modes")
struct LibraryModeTests {
    let browsing = #"traffic.journeys=[{"kind": "browse", "weight": 1}]"#

    private func limited(_ limiter: String, _ extra: [String] = []) throws -> (limited: Double, outcome: WorldOutcome) {
        let outcome = try runSmall([browsing, #"services.gateway.limits={"menu": "# + limiter + "}"] + extra)
        let limited = try #require(outcome.metrics.existingCounter("gateway.menu.limited")).total
        return (Double(limited), outcome)
    }

    @Test("window limiters (log, counter, fixed) refuse menu reads beyond one per two seconds")
    func windowLimitersRefuse() throws {
        for kind in ["sliding_window", "sliding_window_counter", "fixed_window"] {
            let (refused, outcome) = try limited(#"{"kind": "\#(kind)", "limit": 1, "window": "2s"}"#)
            let requests = outcome.value("gateway.requests")
            // About two reads a second arrive; at most one in two seconds passes.
            #expect(refused > 0.5 * requests, "\(kind): \(refused) of \(requests) refused")
            #expect(outcome.value("app.menu.failed.limited") > 0, "\(kind): the app sees the 429s")
        }
    }

    @Test("queueing and warm-up limiters make requests wait their turn instead of refusing them all")
    func queueingLimitersWait() throws {
        let free = try runSmall([browsing])
        let freeMedian = free.value("gateway.latency.p50")
        for limiter in [#"{"kind": "queueing", "rate": "1/s", "max_queueing": "2s"}"#,
                        #"{"kind": "warm_up", "rate": "2/s", "warm_up": "1m", "max_queueing": "2s"}"#] {
            let (refused, outcome) = try limited(limiter)
            let requests = outcome.value("gateway.requests")
            #expect(refused > 0 && refused < 0.3 * requests, "\(limiter): \(refused) of \(requests) refused")
            #expect(outcome.value("gateway.latency.p50") > 5 * freeMedian, "\(limiter): requests waited for their slot")
        }
    }

    /// The menu takes 2 s a read, so about four reads are in flight at once.
    let slowMenu = #"services.menu.work={"constant": "2s"}"#

    @Test("a concurrency limit refuses at once; a bulkhead with a wait queues first and refuses fewer")
    func concurrencyAndBulkhead() throws {
        let (refusedAtOnce, _) = try limited(#"{"kind": "concurrency", "limit": 1}"#, [slowMenu])
        let (bulkheadNoWait, _) = try limited(#"{"kind": "bulkhead", "limit": 1}"#, [slowMenu])
        let (bulkheadWaiting, _) = try limited(#"{"kind": "bulkhead", "limit": 1, "max_wait": "3s"}"#, [slowMenu])
        #expect(refusedAtOnce > 100)
        #expect(bulkheadNoWait == refusedAtOnce, "no wait: the same refusals as the concurrency limit")
        #expect(bulkheadWaiting < 0.9 * refusedAtOnce, "waiting \(bulkheadWaiting), at once \(refusedAtOnce)")
    }

    /// One menu worker at about 90 % load: its queue, and so every round trip, grows.
    let overloadedMenu = ["services.menu.workers=1", #"services.menu.work={"exp": "450ms"}"#,
                          #"services.gateway.calls={"menu": {"timeout": "10s"}}"#]

    @Test("each adaptive algorithm (AIMD, Gradient2, Vegas) lowers its limit as round trips grow and keeps the queue short")
    func adaptiveBacksOff() throws {
        let unlimited = try runSmall([browsing] + overloadedMenu)
        let unlimitedWait = unlimited.value("menu.wait.p99")
        for algorithm in ["aimd", "gradient2", "vegas"] {
            let (refused, outcome) = try limited(
                #"{"kind": "adaptive", "algorithm": "\#(algorithm)", "initial_limit": 20, "min_limit": 1, "max_limit": 20}"#,
                overloadedMenu)
            #expect(refused > 50, "\(algorithm) refused \(refused)")
            #expect(outcome.value("menu.wait.p99") < 0.25 * unlimitedWait,
                    "\(algorithm): p99 wait \(outcome.value("menu.wait.p99")) ms, unlimited \(unlimitedWait) ms")
        }
        let (fixed, _) = try limited(#"{"kind": "concurrency", "limit": 20}"#, [slowMenu])
        #expect(fixed == 0, "a fixed limit of 20 never binds at four in flight")
    }

    @Test("early refresh (XFetch) reloads hot products before they expire: fewer cache misses")
    func earlyRefresh() throws {
        let setup = [browsing, #"services.menu.cache_ttl="20s""#, #"traffic.app.browse_pages={"constant": 5}"#,
                     #"infrastructure={"database": {"read": {"constant": "50ms"}}}"#]
        let plain = try runSmall(setup)
        let early = try runSmall(setup + ["services.menu.early_refresh=100"])
        let plainMisses = try #require(plain.metrics.existingCounter("cache.misses")).total
        let earlyMisses = try #require(early.metrics.existingCounter("cache.misses")).total
        #expect(Double(earlyMisses) < 0.75 * Double(plainMisses), "misses \(earlyMisses) with, \(plainMisses) without")
        #expect(try #require(early.metrics.existingCounter("menu.early_refreshes")).total > 100)
    }

    @Test("Redlock over three lock servers grants the stock locks and the flash sale sells exactly its stock")
    func redlockFlashSale() throws {
        let outcome = try runSmall([
            #"traffic.journeys=[{"kind": "flash_sale"}]"#, #"traffic.rate=[{"for": "5s", "rate": "300/s"}]"#,
            "catalog.flash_stock=5",
            #"traffic.app={"timeout": "60s", "attempts": 1, "browse_pages": {"constant": 0}, "poll_interval": "1m", "patience": {"constant": "3m"}}"#,
            #"services.inventory.locking="redlock""#, #"infrastructure={"locks": {"instances": 3}}"#])
        #expect(try #require(outcome.metrics.existingCounter("locks.redlock.acquired")).total > 1_000)
        #expect(outcome.invariants.oversold == 0)
        #expect(outcome.value("inventory.deducted") == 5)
    }

    @Test("dispatch's rider locks can be Redlock over five lock servers: every order gets a rider, none twice")
    func redlockRiders() throws {
        let outcome = try runSmall([#"services.dispatch.locking="redlock""#, #"infrastructure={"locks": {"instances": 5}}"#])
        let delivered = outcome.value("orders.delivered")
        #expect(delivered > 300)
        // One rider lock per assignment, at least.
        #expect(Double(try #require(outcome.metrics.existingCounter("locks.redlock.acquired")).total) >= delivered)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants)")
    }

    /// Slow pushes (5 s, 20 consumers) keep deliveries unacknowledged when the broker
    /// crashes: it requeues them, and they come back although they were pushed.
    static let brokerCrash = [#"faults=[{"kind": "crash", "target": "broker", "at": "2m", "restart_after": "20s"}]"#,
                              #"services.notification.work={"constant": "5s"}"#, "services.notification.consumers=20"]

    @Test("a deduplication window stops the second pushes of messages a broker crash redelivers")
    func dedupSuppressesRedeliveries() throws {
        let crashes = Self.brokerCrash
        let plain = try runSmall(crashes)
        let deduped = try runSmall(crashes + [#"services.notification.dedup={"capacity": 10000}"#])
        #expect(plain.value("notification.pushed") > plain.value("broker.orders.placed.published"),
                "without the window, redelivered messages are pushed again")
        let suppressed = try #require(deduped.metrics.existingCounter("notification.duplicates_suppressed")).total
        #expect(suppressed > 0)
        #expect(deduped.value("notification.pushed") == deduped.value("broker.orders.placed.published"),
                "with it, each order is pushed once")
    }
}
