import Platform
import SimKernel
import Testing
import World

/// The client side of calls as worlds select it: fallbacks when a breaker opens,
/// deadlines that travel with calls, and misrouted calls.
@Suite("Call policies")
struct CallPolicyTests {
    func minutes(_ from: Double, _ to: Double) -> ClosedRange<Duration> {
        .seconds(from * 60) ... .seconds(to * 60)
    }

    /// A metric that must exist (a missing one fails the test).
    func metric(_ outcome: WorldOutcome, _ name: String, in window: ClosedRange<Duration>? = nil) throws -> Double {
        try #require(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value(name, in: window), "no metric \(name)")
    }

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
        #expect(try metric(outcome, "gateway.calls.menu.breaker.to_open") >= 1)
        let served = try metric(outcome, "gateway.calls.menu.fallback.cached", in: minutes(2, 3.2))
        #expect(served > 20)
        #expect(try metric(outcome, "gateway.calls.menu.fallback.cached", in: minutes(0, 1.9)) == 0, "nothing to degrade before the fault")
        // Served answers reach the app: during the outage most menu pages still load.
        let ok = try metric(outcome, "app.menu.ok", in: minutes(2.2, 3))
        let failed = try metric(outcome, "app.menu.failed.error", in: minutes(2.2, 3))
        #expect(ok > failed, "ok \(ok), failed \(failed)")
    }

    @Test("a default fallback answers every rejected product call with the default (product found)")
    func defaultFallback() throws {
        let outcome = try runSmall(failingMenu(fallback: #""default""#))
        let rejected = try metric(outcome, "gateway.calls.menu.failed.breaker_open")
        let served = try metric(outcome, "gateway.calls.menu.fallback.default")
        #expect(rejected > 20)
        #expect(served == rejected, "every rejection is degraded: a product has a default")
        #expect(outcome.value("gateway.calls.menu.fallback.missed") < 0, "never missed, so never counted")
    }

    @Test("on_failure degrades failed calls too, not only rejected ones")
    func fallbackOnFailure() throws {
        let outcome = try runSmall(failingMenu(fallback: #"{"mode": "default", "on_failure": true}"#))
        let served = try metric(outcome, "gateway.calls.menu.fallback.default")
        let rejected = try metric(outcome, "gateway.calls.menu.failed.breaker_open")
        let failed = try metric(outcome, "gateway.calls.menu.failed.error")
        #expect(failed > 0)
        #expect(served == rejected + failed)
        #expect(try metric(outcome, "app.menu.failed.error", in: minutes(2, 3)) == 0)
    }

    @Test("a deferred payment callback is published for the order service's consumers and answered accepted")
    func deferredFallback() throws {
        let outcome = try runSmall([
            #"faults=[{"kind": "partition", "between": ["payment", "order"], "at": "1m", "for": "2m"}]"#,
            #"services.payment.calls={"order": {"timeout": "500ms", "fallback": "defer", "#
                + #""breaker": {"kind": "sentinel", "error_count": 2, "min_requests": 2, "window": "20s"}}}"#,
        ])
        #expect(outcome.result.stop.isSuccess)
        #expect(try metric(outcome, "payment.calls.order.fallback.defer", in: minutes(1, 3.1)) > 5)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants.violations)")
    }

    @Test("a slow callee with a long queue sheds calls whose caller already gave up instead of running them")
    func deadlineShedding() throws {
        let outcome = try runSmall([
            #"traffic.rate=[{"for": "3m", "rate": "6/s"}]"#,
            #"traffic.journeys=[{"kind": "browse"}]"#,
            #"traffic.app={"browse_pages": {"constant": 3}, "attempts": 1}"#,
            #"services.menu={"workers": 1, "queue_capacity": 10000, "work": {"constant": "200ms"}}"#,
            #"services.gateway.calls={"menu": {"timeout": "500ms"}}"#,
        ])
        #expect(outcome.result.stop.isSuccess)
        let shed = try metric(outcome, "menu.rejected.expired")
        let completed = try metric(outcome, "menu.completed")
        #expect(shed > completed, "most of the queue was dead work: shed \(shed), completed \(completed)")
        // A call a worker takes has not expired: it ends at most one piece of work (and the
        // menu's cache read) after its caller's deadline, however long the queue was.
        #expect(try metric(outcome, "menu.latency.max") < 500 + 200 + 50)
        #expect(try metric(outcome, "menu.wait.max") < 500)
    }

    @Test("a call sent to a service whose role does not handle it stops the run with a clear message")
    func misroutedCallStopsTheRun() throws {
        let outcome = try runSmall([#"services.menu={"role": "generic", "workers": 8}"#])
        guard case .failed(let message) = outcome.result.stop else {
            Issue.record("the run ended with \(outcome.result.stop), not a failure")
            return
        }
        #expect(message.contains("misrouted call"))
        #expect(message.contains("gateway sent product to menu"))
        #expect(outcome.value("gateway.calls.menu.retries") < 0 && outcome.value("gateway.calls.menu.failed.unavailable") < 0,
                "neither retried nor counted as a transient failure")
        #expect(outcome.result.endTime < 60_000_000_000, "stopped at the first misrouted call, not at the end")
    }
}
