import Sweep
import Testing

@Suite("Sweep parameters: --vary")
struct SweepParameterTests {
    @Test("a list keeps its values in order; commas inside JSON values do not split")
    func lists() throws {
        let workers = try SweepParameter(parsing: "services.order.workers=8,16,32,64", position: 1)
        #expect(workers.path == "services.order.workers")
        #expect(workers.values == ["8", "16", "32", "64"])
        let work = try SweepParameter(parsing: #"services.backend.work={"exp": "1s"},{"constant": "2s"}"#, position: 1)
        #expect(work.values == [#"{"exp": "1s"}"#, #"{"constant": "2s"}"#])
        #expect(work.override(1) == #"services.backend.work={"constant": "2s"}"#)
    }

    @Test("ranges of whole numbers, decimals and durations include their end when a step lands on it")
    func ranges() throws {
        #expect(try SweepParameter(parsing: "infrastructure.database.max_open=10..100/10", position: 1).values
            == ["10", "20", "30", "40", "50", "60", "70", "80", "90", "100"])
        #expect(try SweepParameter(parsing: "a.b=10..25/10", position: 1).values == ["10", "20"])
        #expect(try SweepParameter(parsing: "a.b=0.1..0.5/0.1", position: 1).values == ["0.1", "0.2", "0.3", "0.4", "0.5"])
        #expect(try SweepParameter(parsing: "a.timeout=250ms..1s/250ms", position: 1).values == ["250ms", "500ms", "750ms", "1s"])
    }

    @Test("an empty range, a zero step, an empty value or a repeated value is refused, naming the --vary")
    func refusals() {
        func message(_ text: String) -> String? {
            do { _ = try SweepParameter(parsing: text, position: 2); return nil } catch { return error.description }
        }
        #expect(message("a.b=10..5/1") == "--vary #2 (a.b=10..5/1): the range is empty (its end is below its start)")
        #expect(message("a.b=1..5/0")?.contains("the step must be above 0") == true)
        #expect(message("a.b=1..5")?.contains("a range needs a step") == true)
        #expect(message("a.b=8,,9")?.contains("value 2 is empty") == true)
        #expect(message("a.b=8,9,8")?.contains("listed twice") == true)
        #expect(message("a.b")?.contains("no '='") == true)
        #expect(message("a.b=1..2000000/1")?.contains("at most 10000") == true)
    }

    @Test("numeric values of parameters: numbers, durations in milliseconds, percentages")
    func numericValues() {
        #expect(SweepParameter.numeric("16") == 16)
        #expect(SweepParameter.numeric("500ms") == 500)
        #expect(SweepParameter.numeric("\"2s\"") == 2000)
        #expect(SweepParameter.numeric("20%") == 0.2)
        #expect(SweepParameter.numeric("fifo") == nil)
    }
}

@Suite("Sweep objectives and costs")
struct SweepObjectiveTests {
    @Test("an SLO takes a duration unit, a percentage or a plain number")
    func objectives() throws {
        let latency = try ServiceLevelObjective(parsing: "app.order.latency.p99 < 800ms", position: 1)
        #expect(latency.metric == "app.order.latency.p99")
        #expect(latency.threshold == 800)
        #expect(latency.holds(for: 799.9) && !latency.holds(for: 800))
        #expect(try ServiceLevelObjective(parsing: "orders.failed_ratio < 1%", position: 1).threshold == 0.01)
        #expect(try ServiceLevelObjective(parsing: "x.wait.p99 <= 1.5s", position: 1).threshold == 1500)
        #expect(throws: SweepError.self) { try ServiceLevelObjective(parsing: "orders.p99 < fast", position: 1) }
        #expect(throws: SweepError.self) { try ServiceLevelObjective(parsing: "orders.p99 ≤ 5", position: 1) }
    }

    @Test("a cost expression follows precedence and parentheses, over the varied paths")
    func costs() throws {
        let paths = ["services.order.workers", "infrastructure.database.max_open"]
        let cost = try CostExpression(parsing: "services.order.workers + 2 * (infrastructure.database.max_open - 4) / 4", parameters: paths)
        let value = cost.evaluate { $0 == "services.order.workers" ? 16 : 20 }
        #expect(value == 16 + 2 * (20 - 4) / 4)
        #expect(try CostExpression(parsing: "-services.order.workers * 3", parameters: paths).evaluate { _ in 2 } == -6)
        #expect(throws: SweepError.self) { try CostExpression(parsing: "services.order.worker + 1", parameters: paths) }
        #expect(throws: SweepError.self) { try CostExpression(parsing: "(services.order.workers + 1", parameters: paths) }
        #expect(throws: SweepError.self) { try CostExpression(parsing: "services.order.workers +", parameters: paths) }
    }
}
