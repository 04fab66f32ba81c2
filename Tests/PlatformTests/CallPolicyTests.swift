@testable import Platform
import SimKernel
import Testing
import World

/// The client side of calls as worlds select it: fallbacks when a breaker opens,
/// deadlines that travel with calls, and misrouted calls.
@Suite("Call policies")
struct CallPolicyTests {


    /// Browsing customers, a gateway whose breaker for the menu opens quickly, and the
    /// menu failing every call from 2 to 3 minutes.
    func failingMenu(fallback: String) -> [String] {
        [#"traffic.journeys=[{"kind": "browse"}]"#,
         #"traffic.app={"browse_pages": {"constant": 4}, "attempts": 1}"#,
         #"faults=[{"kind": "errors", "target": "menu", "ratio": 1.0, "at": "2m", "for": "1m"}]"#,
         #"services.gateway.calls={"menu": {"timeout": "1s", "fallback": \#(fallback), "#
            + #""breaker": {"kind": "resilience4j", "size": 10, "min_calls": 5, "failure_rate": "50%", "wait_open": "10s", "half_open_calls": 2}}}"#]
    }

    @Test("with the breaker open, a cached fallback serves the last good reply for the same product")
    func cachedFallback() throws {
        let outcome = try runSmall(failingMenu(fallback: #""cached""#))
        #expect(outcome.result.stop.isSuccess)
        #expect(try outcome.required("gateway.calls.menu.breaker.to_open") >= 1)
        let served = try outcome.required("gateway.calls.menu.fallback.cached", in: minutes(2, 3.2))
        #expect(served > 20)
        #expect(try outcome.required("gateway.calls.menu.fallback.cached", in: minutes(0, 1.9)) == 0, "nothing to degrade before the fault")
        // The caller's handles say what they measure, so a report can group them without parsing names.
        let handle = try #require(outcome.metrics.counters.first { $0.name == "gateway.calls.menu.fallback.cached" })
        #expect(handle.descriptor == MetricDescriptor(.counter, unit: .count, service: "gateway", figure: "calls.fallback",
                                                      callee: "menu", reason: "cached"))
        let latency = try #require(outcome.metrics.histograms.first { $0.name == "gateway.calls.menu.latency" })
        #expect(latency.descriptor?.unit == .nanoseconds && latency.descriptor?.callee == "menu")
        // Served answers reach the app: during the outage most menu pages still load.
        let ok = try outcome.required("app.menu.ok", in: minutes(2.2, 3))
        let failed = try outcome.required("app.menu.failed.error", in: minutes(2.2, 3))
        #expect(ok > failed, "ok \(ok), failed \(failed)")
    }

    @Test("a default fallback answers every rejected product call with the default (product found)")
    func defaultFallback() throws {
        let outcome = try runSmall(failingMenu(fallback: #""default""#))
        let rejected = try outcome.required("gateway.calls.menu.failed.breaker_open")
        let served = try outcome.required("gateway.calls.menu.fallback.default")
        #expect(rejected > 20)
        #expect(served == rejected, "every rejection is degraded: a product has a default")
        #expect(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value("gateway.calls.menu.fallback.missed") == nil,
                "never missed, so never counted")
    }

    @Test("on_failure degrades failed calls too, not only rejected ones")
    func fallbackOnFailure() throws {
        let outcome = try runSmall(failingMenu(fallback: #"{"mode": "default", "on_failure": true}"#))
        let served = try outcome.required("gateway.calls.menu.fallback.default")
        let rejected = try outcome.required("gateway.calls.menu.failed.breaker_open")
        let failed = try outcome.required("gateway.calls.menu.failed.error")
        #expect(failed > 0)
        #expect(served == rejected + failed)
        #expect(try outcome.required("app.menu.ok", in: minutes(2, 3)) > 20)
        #expect(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value("app.menu.failed.error") == nil,
                "no menu page failed to load")
    }

    @Test("a deferred payment callback is published for the order service's consumers and answered accepted")
    func deferredFallback() throws {
        let outcome = try runSmall([
            #"faults=[{"kind": "errors", "target": "order", "ratio": 0.5, "at": "1m", "for": "2m"}]"#,
            #"services.payment.calls={"order": {"timeout": "500ms", "fallback": "defer", "#
                + #""breaker": {"kind": "resilience4j", "size": 4, "min_calls": 4, "failure_rate": "50%", "wait_open": "20s", "half_open_calls": 1}}}"#,
        ])
        #expect(outcome.result.stop.isSuccess)
        #expect(try outcome.required("payment.calls.order.fallback.defer", in: minutes(1, 3.1)) > 5)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants.violations)")
    }

    @Test("a slow callee with a long queue sheds calls whose caller already gave up instead of running them")
    func deadlineShedding() throws {
        let outcome = try runSmall([
            #"traffic.rate=[{"for": "3m", "rate": "6/s"}]"#,
            #"traffic.journeys=[{"kind": "browse"}]"#,
            #"traffic.app={"browse_pages": {"constant": 3}, "attempts": 1}"#,
            #"services.menu={"workers": 1, "queue": 10000, "work": {"constant": "200ms"}, "deadlines": "honour"}"#,
            #"services.gateway.calls={"menu": {"timeout": "500ms"}}"#,
        ])
        #expect(outcome.result.stop.isSuccess)
        let shed = try outcome.required("menu.rejected.expired")
        let completed = try outcome.required("menu.completed")
        #expect(shed > completed, "most of the queue was dead work: shed \(shed), completed \(completed)")
        // A call a worker takes has not expired: it ends at most one piece of work (and the
        // menu's cache read) after its caller's deadline, however long the queue was.
        #expect(try outcome.required("menu.latency.max") < 500 + 200 + 50)
        #expect(try outcome.required("menu.wait.max") < 500)
    }

    /// The small world, with the gateway retrying and breaking its menu calls, and a
    /// probe that makes a gateway instance send `call` to `callee` after 1 s.
    func runMisrouted(_ callee: String, _ call: Call) throws -> WorldOutcome {
        let spec = try smallWorld([#"services.gateway.calls={"default": {"retry": {"attempts": 3}, "#
                                   + #""breaker": {"kind": "resilience4j", "size": 2, "min_calls": 2}}}"#])
        let world = try PlatformWorld(spec: spec)
        let gateway = try #require(world.platform.services["gateway"])
        world.sim.spawn("misrouting probe") { [sim = world.sim] in
            try? await sim.clock.sleep(for: .seconds(1))
            let instance = gateway.isolatedOnWorldThread((), { service, _ in service.pickListed() })!
            _ = await instance.call(callee, call)
        }
        let outcome = world.run()
        world.sim.shutdown()
        return outcome
    }

    @Test("a service that ignores deadlines runs every queued call, however late")
    func deadlinesIgnored() throws {
        let outcome = try runSmall([
            #"traffic.rate=[{"for": "3m", "rate": "6/s"}]"#,
            #"traffic.journeys=[{"kind": "browse"}]"#,
            #"traffic.app={"browse_pages": {"constant": 3}, "attempts": 1}"#,
            #"services.menu={"workers": 1, "queue": 10000, "work": {"constant": "200ms"}}"#,
            #"services.gateway.calls={"menu": {"timeout": "500ms"}}"#,
        ])
        #expect(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value("menu.rejected.expired") == nil,
                "nothing shed")
        #expect(try outcome.required("menu.latency.max") > 10_000, "calls ran long after their caller gave up")
    }

    @Test("a call sent to a service whose role does not handle it stops the run with a clear message")
    func misroutedCallStopsTheRun() throws {
        let outcome = try runMisrouted("menu", .dispatch(order: 1, merchant: 0))
        guard case .failed(let message) = outcome.result.stop else {
            Issue.record("the run ended with \(outcome.result.stop), not a failure")
            return
        }
        #expect(message == "misrouted call: gateway sent dispatch to menu, whose role (menu) does not handle it")
        #expect(outcome.result.endTime == 1_000_000_000, "stopped at the misrouted call, not at the end")
        let query = MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime)
        #expect(query.value("gateway.calls.menu.retries") == nil, "not retried")
        #expect(try #require(query.value("gateway.calls.menu.attempts")) >= 1, "the misrouted attempt was made")
        #expect(query.value("gateway.calls.menu.failed.error") == nil && query.value("gateway.calls.menu.failed.unavailable") == nil,
                "not counted as a failure of the menu")
    }

    @Test("a call sent to a callee the world does not have stops the run")
    func unknownCalleeStopsTheRun() throws {
        let outcome = try runMisrouted("menus", .product(item: 1))
        #expect(outcome.result.stop == .failed(
            "misrouted call: gateway sent product to \"menus\", which is neither a service nor a dependency of this world"))
        #expect(!outcome.passed)
    }
}
