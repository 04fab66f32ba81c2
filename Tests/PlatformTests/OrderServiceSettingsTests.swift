import Platform
import SimKernel
import Testing
import World

@Suite("Order service settings")
struct OrderServiceSettingsTests {
    /// Half the charges hang, and both order instances crash at 3 m while waiting for
    /// them: only the reconciler ends those orders.
    private let lostPaymentWaits = [
        #"dependencies={"payment_gateway": {"hangs": 0.5, "errors": 0}}"#,
        #"services.order.payment_wait="60s""#, #"traffic.app.patience={"constant": "30m"}"#,
        #"traffic.journeys=[{"kind": "order", "weight": 1}]"#,
        #"faults=[{"kind": "crash", "target": "order", "at": "3m", "restart_after": "30s"}]"#,
    ]

    @Test("reconcile_interval sets how often the reconciler looks: every 30 s it finishes the lost payment waits within the run, every hour not before the run ends")
    func reconcileInterval() throws {
        let often = try runSmall(lostPaymentWaits)
        let recovered = try #require(often.metric("order.payment_waits_recovered"))
        #expect(recovered > 5)
        // A restarted instance looks once at start (before the lost waits are due), then
        // not again within the 12 minutes of the run.
        let rarely = try runSmall(lostPaymentWaits + [#"services.order.reconcile_interval="1h""#])
        #expect(rarely.metric("order.payment_waits_recovered") == nil, "no tick came when the waits were due")
        let stillWaiting = try #require(rarely.metric("orders.in_flight_at_end"))
        #expect(stillWaiting >= recovered, "the waits the frequent reconciler ended are still open")
    }

    /// The payment service fails every call for the whole run: each refund call fails.
    /// The order waits 1 s for a payment whose charge takes up to 8 s, so orders fail
    /// and ask for refunds.
    private let failingRefunds = [
        #"services.payment.work={"uniform": ["0s", "8s"]}"#, "services.payment.workers=256",
        #"services.order.payment_wait="1s""#, #"traffic.journeys=[{"kind": "order", "weight": 1}]"#,
        #"faults=[{"kind": "errors", "target": "payment", "at": "0s", "for": "1h", "ratio": 1.0}]"#,
    ]

    @Test("refund_attempts bounds the tries of one refund loop: 1 try gives up at the first failure, the default 8 tries each loop eight times")
    func refundAttempts() throws {
        let once = try runSmall(failingRefunds + ["services.order.refund_attempts=1"])
        let abandonedOnce = try #require(once.metric("order.refunds_abandoned"))
        #expect(abandonedOnce > 10)
        #expect(try #require(once.metric("order.refund_retries")) == abandonedOnce, "one failed call per loop")

        let eight = try runSmall(failingRefunds)
        let abandoned = try #require(eight.metric("order.refunds_abandoned"))
        let failedCalls = try #require(eight.metric("order.refund_retries"))
        #expect(abandoned > 10)
        // Loops still trying at the end add failed calls without an abandonment.
        #expect(failedCalls >= 8 * abandoned)
        #expect(failedCalls < 8 * abandoned + 8 * (try #require(eight.metric("orders.failed"))))
    }
}
