import Platform
import Testing
import World

/// Peak shaving (seed 002): a burst of orders taken synchronously by the order service
/// against the same burst published to the broker and created by a pool of consumers at
/// their own pace; a consumer crash and malformed (poison) orders during the burst.
///
/// Reduced size: a 3 s burst at 400 orders/s over a calm 10/s, 30 s in all.
@Suite("Incident: peak shaving")
struct PeakShavingIncidentTests {
    /// The calm, the burst (5 s to 8 s) and the calm again; the crash and the poison as
    /// in the shipped worlds, moved into the shorter burst.
    static let reduced = [
        "duration=30s",
        #"traffic.rate=[{"for": "5s", "rate": "10/s"}, {"for": "3s", "rate": "400/s"}, {"for": "17s", "rate": "10/s"}]"#,
        #"faults=[{"kind": "crash", "target": "order#0", "at": "6s", "restart_after": "1s"}, {"kind": "poison", "ratio": "2%", "at": "5s", "for": "3s"}]"#,
        "expect=[]",
    ]
    static let burst: ClosedRange<Duration> = .seconds(5) ... .seconds(8)

    static func run(_ path: String, _ extra: [String] = []) throws -> WorldOutcome {
        try runWorld(try loadWorld(path, overrides: reduced + extra))
    }

    @Test("queued intake answers the burst much faster and accepts far more of it than the synchronous order service")
    func queuedAnswersFasterAndTakesMore() throws {
        let sync = try Self.run("worlds/incidents/peak-shaving.json")
        let queued = try Self.run("worlds/incidents/peak-shaving-fixed.json")
        let syncLatency = try sync.required("app.order.latency.mean", in: Self.burst)
        let queuedLatency = try queued.required("app.order.latency.mean", in: Self.burst)
        #expect(queuedLatency * 10 < syncLatency)
        let syncTaken = try sync.required("app.order.ok", in: Self.burst)
        let queuedTaken = try queued.required("app.order.ok", in: Self.burst)
        #expect(queuedTaken > 3 * syncTaken)
        // The synchronous service refused or timed out part of the burst; the queue none.
        let refused = (sync.metric("app.order.failed.queue_full") ?? 0) + (sync.metric("app.order.failed.deadline") ?? 0)
        #expect(refused > 0)
        #expect(queued.value("gateway.rejected.queue_full") == 0)
    }

    @Test("more intake consumers work the backlog off faster")
    func moreConsumersMoreThroughput() throws {
        let backlog: ClosedRange<Duration> = .seconds(8) ... .seconds(14)
        let two = try Self.run("worlds/incidents/peak-shaving-fixed.json", ["services.order.consumers=2"])
        let eight = try Self.run("worlds/incidents/peak-shaving-fixed.json", ["services.order.consumers=8"])
        let slow = try two.required("broker.orders.intake.acked", in: backlog)
        let fast = try eight.required("broker.orders.intake.acked", in: backlog)
        #expect(fast > 2 * slow)
        #expect(try eight.required("order.intake.latency.mean") < two.required("order.intake.latency.mean"))
    }

    @Test("a consumer crash mid-burst loses no accepted order, and poison messages end dead-lettered")
    func crashLosesNothingAndPoisonIsDeadLettered() throws {
        let queued = try Self.run("worlds/incidents/peak-shaving-fixed.json")
        #expect(try queued.required("order.crashes") == 1)
        // Every message the broker confirmed was processed (acked) or dead-lettered.
        let published = try queued.required("broker.orders.intake.published")
        let acked = try queued.required("broker.orders.intake.acked")
        let deadLettered = try queued.required("broker.orders.intake.dead_lettered.delivery_limit")
        #expect(published == acked + deadLettered)
        #expect(try queued.required("invariants.orders_lost") == 0)
        #expect(try queued.required("invariants.messages_lost") == 0)
        // Each poison message was tried up to the delivery limit (5) before it was parked.
        #expect(deadLettered >= 1)
        #expect(try queued.required("order.malformed") >= deadLettered * 5)
        // Every accepted order that was not poison was created.
        #expect(try queued.required("orders.created") == acked)
    }
}
