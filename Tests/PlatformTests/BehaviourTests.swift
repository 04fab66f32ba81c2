import Platform
import SimKernel
import Testing
import World

/// The people and services behave as DOMAIN.md describes: each test changes one knob of
/// the small world and checks the figure that knob should move.
@Suite("Platform behaviour")
struct BehaviourTests {
    @Test("a call that queues for a worker is measured from its arrival: wait recorded, Little's law holds")
    func callPathWait() throws {
        // One menu worker and 300 ms of work per call: browsing customers queue.
        let outcome = try runSmall(["services.menu.workers=1", #"services.menu.work={"exp": "300ms"}"#,
                                    #"traffic.journeys=[{"kind": "browse", "weight": 1}]"#])
        let waited = outcome.value("menu.waited")
        let wait = try #require(outcome.metrics.existingHistogram("menu.wait")?.total)
        let latency = try #require(outcome.metrics.existingHistogram("menu.latency")?.total)
        let service = try #require(outcome.metrics.existingHistogram("menu.service")?.total)
        #expect(waited > 100, "calls waited for the single worker")
        #expect(wait.count == latency.count, "every answered call has a wait")
        // latency = wait + time on a worker, on average.
        #expect(abs(latency.mean! - (wait.mean! + service.mean!)) / latency.mean! < 0.05,
                "latency \(latency.mean!) vs wait \(wait.mean!) + service \(service.mean!)")
        // L (time-averaged queue + busy) = λ·W over the run.
        let end = Double(outcome.result.endTime)
        let inSystem = (outcome.metrics.existingGauge("menu.queue")!.mean(at: outcome.result.endTime)
            + outcome.metrics.existingGauge("menu.busy")!.mean(at: outcome.result.endTime))
        let lambdaW = Double(latency.count) / end * latency.mean!
        #expect(abs(inSystem - lambdaW) / lambdaW < 0.02, "L \(inSystem) vs λW \(lambdaW)")
    }

    @Test("answers are split into successes and failures by reason; callers' breakers and deadlines count on the callee")
    func successesAndRejections() throws {
        // Inventory slower than the order service's 1 s timeout: calls time out, the
        // breaker opens and sheds calls.
        let outcome = try runSmall([#"faults=[{"at": "1m", "for": "3m", "kind": "latency", "target": "inventory", "extra": {"constant": "2s"}}]"#])
        let requests = outcome.value("inventory.requests")
        let succeeded = outcome.value("inventory.succeeded")
        #expect(succeeded > 0 && succeeded <= requests)
        #expect(outcome.value("inventory.rejected.deadline") > 0, "the order service gave up on slow deductions")
        #expect(outcome.value("inventory.rejected.breaker_open") > 0, "its breaker shed calls to inventory")
        #expect(outcome.value("inventory.rejected.breaker_open") == outcome.value("order.calls.inventory.failed.breaker_open"))
        let ratio = outcome.value("inventory.rejected_ratio")
        #expect(ratio > 0 && ratio < 1)
    }

    @Test("customers whose patience runs out before a rider has the order cancel it")
    func patience() throws {
        // No riders: nobody picks any order up, so every customer runs out of patience.
        let outcome = try runSmall(["riders.count=0", #"traffic.app.patience={"constant": "90s"}"#,
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        let gaveUp = outcome.value("customers.gave_up")
        #expect(gaveUp > 50)
        #expect(outcome.value("orders.cancelled.customer") == gaveUp)
        #expect(outcome.metric("orders.delivered") == nil, "none delivered (the counter never started)")
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 })
    }

    @Test("merchants refuse their share of orders; refused orders are cancelled and compensated")
    func merchantRefusal() throws {
        let outcome = try runSmall(["merchants.refuse=0.5", #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        let refused = outcome.value("merchants.refused")
        let created = outcome.value("orders.created")
        #expect(refused > 0.35 * created && refused < 0.65 * created, "refused \(refused) of \(created)")
        #expect(outcome.value("orders.cancelled.merchant_refused") == refused)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "stock and payments compensated")
    }

    @Test("riders work shifts: the number on duty drops during breaks")
    func riderShifts() throws {
        let outcome = try runSmall(["riders.shift=\"4m\"", "riders.off_duty=\"4m\""])
        let onDuty = try #require(outcome.metrics.existingGauge("riders.on_duty"))
        #expect(onDuty.maximum == 300)
        let mean = onDuty.mean(at: outcome.result.endTime)
        #expect(mean > 100 && mean < 200, "about half on duty on average, measured \(mean)")
        let always = try runSmall([])
        #expect(always.metrics.existingGauge("riders.on_duty")?.mean(at: always.result.endTime) == 300)
    }

    @Test("the gateway's per-route limiter refuses excess requests with 429s")
    func gatewayLimiter() throws {
        let outcome = try runSmall([#"services.gateway.limits={"menu": {"kind": "token_bucket", "rate": "1/s", "burst": 2}}"#,
                                    #"traffic.journeys=[{"kind": "browse", "weight": 1}]"#])
        let limited = outcome.value("gateway.rejected.limited")
        #expect(limited > 50)
        #expect(outcome.value("gateway.menu.limited") == limited, "only the menu route has a limiter")
        #expect(outcome.value("app.menu.failed.limited") > 0, "the app sees the 429s")
    }

    @Test("an app retry with the same idempotency key does not create a second order")
    func idempotentRetry() throws {
        // The order service answers after the app's timeout: the app retries the same order.
        let outcome = try runSmall([#"traffic.app.timeout="1s""#, "traffic.app.attempts=3",
                                    #"services.order.work={"constant": "1500ms"}"#,
                                    #"traffic.journeys=[{"kind": "order", "weight": 1}]"#])
        #expect(outcome.value("order.duplicates_absorbed") > 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "no double charge, no lost order")
    }

    @Test("a local cache in front of the cache server takes most menu reads")
    func localCache() throws {
        let outcome = try runSmall([#"services.menu.local_cache={"capacity": 100, "ttl": "1m"}"#,
                                    #"traffic.journeys=[{"kind": "browse", "weight": 1}]"#])
        let hits = outcome.value("menu.local_cache.hits"), misses = outcome.value("menu.local_cache.misses")
        #expect(hits > 2 * misses, "hits \(hits), misses \(misses)")
        let without = try runSmall([#"traffic.journeys=[{"kind": "browse", "weight": 1}]"#])
        #expect(outcome.value("cache.hits") + outcome.value("cache.misses") < without.value("cache.hits") + without.value("cache.misses"),
                "fewer reads reach the cache server")
    }
    @Test("with token_check auth, every token goes to auth, whose token cache answers most of them")
    func authTokenCache() throws {
        let local = try runSmall([])
        #expect(local.metric("auth.token_cache.hits") == nil, "stateless JWT: the gateway verifies valid tokens itself")
        #expect(local.value("gateway.jwt_verified") > 0)
        let outcome = try runSmall([#"services.gateway.token_check="auth""#])
        let hits = outcome.value("auth.token_cache.hits"), misses = outcome.value("auth.token_cache.misses")
        #expect(hits > 3 * misses, "hits \(hits), misses \(misses)")
        #expect(outcome.value("auth.requests") > 2 * local.value("auth.requests"), "auth is on the hot path")
        #expect(outcome.metric("gateway.jwt_verified") == nil, "(the local run above counted them under this name)")
    }
}
