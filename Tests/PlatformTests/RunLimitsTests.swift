import Platform
import Report
import SimKernel
import Testing
import World

/// A world that outgrows its limits stops with reason `budget` and says what grew; an
/// expectation naming a metric the world never makes is found before the run.
@Suite("Run limits and names checked before the run")
struct RunLimitsTests {
    @Test("one worker, 10,000 customers a second and an unbounded queue stop at the limit, naming the queue, with results so far")
    func queueOutgrowsLimit() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=null", "duration=1h", "traffic.rate=10000/s", "services.backend.workers=1",
            #"limits={"max_in_flight": 20000}"#])
        let outcome = try runWorld(spec)
        guard case .overLimit(let message) = outcome.result.stop else {
            Issue.record("expected a stop at the limit, got \(outcome.result.stop)")
            return
        }
        #expect(outcome.result.stop.label == "budget")
        #expect(message.contains("backend#0's queue") && message.contains("limits.max_in_flight (20000)"), "\(message)")
        // It stopped about when the queue passed 20,000 (2 s at 10,000/s), not an hour later.
        #expect(outcome.result.endTime < 3_000_000_000)
        #expect(outcome.value("customers.arrived") > 20000)
        let summary = RunSummary(outcome).text
        #expect(summary.contains("\"reason\": \"budget\"") && summary.contains("backend#0's queue"))
    }

    @Test("the default limit is set without a limits field, and a world may raise it")
    func defaultLimit() throws {
        #expect(try smallWorld().limits.maxInFlight == LimitsSpec.defaultMaxInFlight)
        #expect(try smallWorld([#"limits={"max_in_flight": 5000000}"#]).limits.maxInFlight == 5_000_000)
        #expect(throws: WorldError.self) { try smallWorld([#"limits={"max_in_flight": 0}"#]) }
        #expect(throws: WorldError.self) { try smallWorld([#"limits={"memory": "4GB"}"#]) }
    }

    @Test("a world whose customers outgrow the live-task limit stops at it, naming the tasks")
    func tasksOutgrowLimit() throws {
        let outcome = try runSmall([#"limits={"max_in_flight": 50}"#])
        guard case .overLimit(let message) = outcome.result.stop else {
            Issue.record("expected a stop at the limit, got \(outcome.result.stop)")
            return
        }
        #expect(message.contains("tasks alive at once"), "\(message)")
    }

    @Test("an expectation on a misspelt metric family is found before the run, suggesting the name meant")
    func misspeltExpectation() throws {
        let spec = try loadWorld("worlds/baseline.json", overrides: [
            #"expect=["ordes.failed_ratio <= 0.1", "orders.failed_ratio <= 0.1", "gateway.rejected.queue_full == 0"]"#])
        let problems = try PlatformWorld(spec: spec).expectationsNamingNothing()
        #expect(problems == [#"$.expect[0]: no metric of this world is named "ordes.failed_ratio" (did you mean "orders.failed_ratio"?)"#])
    }

    @Test("a metric with no value is not offered as its own correction")
    func noSelfSuggestion() throws {
        // The M/M/c world has no orders: the ratio is a name queries know, with nothing
        // to compute it from.
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=100", #"expect=["orders.completed_ratio >= 0.5"]"#])
        let world = try PlatformWorld(spec: spec)
        let outcome = world.run()
        world.sim.shutdown()
        let message = outcome.expectations[0].message
        #expect(!message.contains("did you mean \"orders.completed_ratio\""), "\(message)")
        #expect(message.contains("has no value"), "\(message)")
        // A crash of a dependency: it exists, but cannot crash; "wechat" is not offered.
        #expect {
            try smallWorld([#"faults=[{"kind": "crash", "target": "wechat", "at": "1m"}]"#])
        } throws: { error in
            let text = "\(error)"
            return text.contains("\"wechat\" cannot take this kind of fault") && !text.contains("did you mean")
        }
    }
}
