import Platform
import Testing
import World

/// The retry storm: a database slowdown (the trigger, the only cause injected) and
/// retries without backoff or budget at every layer (the sustaining effect) keep the
/// order service overloaded after the slowdown has ended — a metastable failure — while
/// jittered backoff within a retry budget lets it recover; and whether it recovers
/// without the fix depends on how long the trigger lasted.
///
/// Reduced size: half the traffic on one gateway and one order instance (the same
/// capacity per instance, so the same dynamics), two minutes, the slowdown from 30 s.
@Suite("Incident: retry storm")
struct RetryStormIncidentTests {
    static func reduced(slowdown: String) -> [String] {
        ["traffic.rate=22/s", "services.order.instances=1", "services.gateway.instances=1",
         "duration=120s", "faults[0].for=\(slowdown)", "expect=[]"]
    }
    static let before: ClosedRange<Duration> = .seconds(10) ... .seconds(30)
    /// Long after a 30 s slowdown (it ends at 60 s).
    static let after: ClosedRange<Duration> = .seconds(100) ... .seconds(120)

    static func run(_ path: String, slowdown: String) throws -> WorldOutcome {
        try runWorld(try loadWorld(path, overrides: reduced(slowdown: slowdown)))
    }

    @Test("without backoff or budget the storm outlives its trigger, with them goodput comes back")
    func stormOutlivesTriggerUnlessRetriesAreBudgeted() throws {
        let storm = try Self.run("worlds/incidents/retry-storm.json", slowdown: "30s")
        let fixed = try Self.run("worlds/incidents/retry-storm-fixed.json", slowdown: "30s")
        let goodputBefore = try storm.required("app.order.ok.per_second", in: Self.before)
        #expect(goodputBefore > 15)
        // As it happened: the database is fast again, yet almost no customer gets an answer.
        #expect(try storm.required("app.order.ok.per_second", in: Self.after) < 0.1 * goodputBefore)
        // ...because the retries keep the order service full: the orders are still created
        // (too late to answer), and each costs the gateway many attempts.
        let created = try storm.required("orders.created", in: Self.after)
        let attempts = try storm.required("gateway.calls.order.attempts", in: Self.after)
        #expect(created > 0)
        #expect(attempts > 5 * created)
        // Fixed: back to the rate before the slowdown, retries refused by the budget.
        #expect(try fixed.required("app.order.ok.per_second", in: Self.after) > 0.8 * goodputBefore)
        #expect(try fixed.required("gateway.calls.order.retry_budget_exhausted") > 0)
        #expect(try fixed.required("gateway.calls.order.attempts", in: Self.after) < 1.5 * fixed.required("orders.created", in: Self.after))
    }

    @Test("the trigger's length has a threshold: a short slowdown heals by itself, a long one does not")
    func triggerLengthThreshold() throws {
        let short = try Self.run("worlds/incidents/retry-storm.json", slowdown: "5s")
        let long = try Self.run("worlds/incidents/retry-storm.json", slowdown: "30s")
        let goodputBefore = try short.required("app.order.ok.per_second", in: Self.before)
        #expect(try short.required("app.order.ok.per_second", in: Self.after) > 0.8 * goodputBefore)
        #expect(try long.required("app.order.ok.per_second", in: Self.after) < 0.1 * goodputBefore)
    }
}
