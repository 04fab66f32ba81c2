import Platform
import SimKernel
import Testing
import World

@Suite("Stalls")
struct StallTests {
    @Test("a world whose replies never come is reported as stalled, naming the stuck customers, and does not hang")
    func stalledWorld() throws {
        // The payment gateway never answers, and nobody on the path has a timeout: the
        // leaked-goroutine pitfall of the documents.
        let outcome = try runSmall([
            #"dependencies={"payment_gateway": {"hangs": 1.0}}"#,
            #"services.payment.calls={"default": {"timeout": null}}"#,
            #"services.order.calls={"default": {"timeout": null}}"#,
            #"services.gateway.calls={"default": {"timeout": null}}"#,
            #"traffic.app={"timeout": null, "attempts": 1}"#,
            #"traffic.journeys=[{"kind": "order"}]"#,
            #"traffic.rate=[{"for": "10s", "rate": "1/s"}]"#,
            "duration=null",
        ])
        guard case .stalled(let report) = outcome.result.stop else {
            Issue.record("expected a stall, got \(outcome.result.stop)")
            return
        }
        let stuck = report.waiting.filter { !$0.daemon }
        let customers = stuck.filter { $0.name.hasPrefix("customer-") }
        #expect(customers.count >= 5, "every customer of the 10 s of traffic is stuck")
        #expect(customers.allSatisfy { $0.waitingOn == "a reply from gateway" }, "\(customers)")
        // The handlers are listed too: the chain of waits down to the payment gateway.
        #expect(stuck.contains { $0.name.hasPrefix("gateway#") && $0.waitingOn == "a reply from order" })
        #expect(stuck.contains { $0.name.hasPrefix("order#") && $0.waitingOn == "a reply from payment" })
        #expect(stuck.contains { $0.name.hasPrefix("payment#") && $0.waitingOn == "a reply from payment_gateway" })
        #expect(report.description.contains("customer-0 waiting on a reply from gateway"))
        // A busy handler is named by the call it serves, made when the report asks.
        let handlers = stuck.filter { $0.name.contains("#") }
        #expect(handlers.contains { $0.name.wholeMatch(of: /gateway#\d+ handling app\.order/) != nil }, "\(handlers.map(\.name))")
        #expect(handlers.allSatisfy { $0.name.wholeMatch(of: /[a-z_]+#\d+ handling [a-z_.]+/) != nil }, "\(handlers.map(\.name))")
    }
}
