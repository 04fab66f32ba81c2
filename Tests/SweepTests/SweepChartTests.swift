@testable import Sweep
import Testing

@Suite("Sweep charts")
struct SweepChartTests {
    /// The `<text>` labels under the x axis (drawn 16 px below the plot).
    private func xLabels(_ svg: String) -> [String] {
        svg.components(separatedBy: "y=\"271.0\" text-anchor=\"middle\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    @Test("durations a grid puts close together (500 and 2000 ms beside 30 s) keep their ticks but not overlapping labels")
    func crowdedAxis() {
        let points = [500.0, 2000, 5000, 30000].map { SweepChart.Point(x: $0, y: $0 / 10, halfWidth: nil) }
        let chart = SweepChart(title: "payment.db.wait.p99 against acquire_timeout", xLabel: "acquire_timeout",
                               yLabel: "payment.db.wait.p99", series: [SweepChart.Series(name: "max_open=20", points: points)])
        #expect(xLabels(chart.svg) == ["500", "5000", "30000"])
        let ticks = chart.svg.components(separatedBy: "stroke=\"#999\"").count - 1
        #expect(ticks == 4)
        let even = SweepChart(title: "t", xLabel: "workers", yLabel: "y",
                              series: [SweepChart.Series(name: "s", points: [8.0, 9, 10].map { SweepChart.Point(x: $0, y: 1) })])
        #expect(xLabels(even.svg) == ["8", "9", "10"])
    }

    @Test("the page explains dashed Erlang C lines only when a chart has one")
    func theoryNote() throws {
        let world = try sweepWorld("worlds/validation/mmc.json")
        func page(_ metric: String) throws -> String {
            let plan = try makePlan(world, set: ["traffic.customers=400"], vary: ["services.backend.workers=8..9/1"], seeds: 2,
                                    metrics: [metric])
            return SweepHTML.page(try sweep(world, plan))
        }
        let wait = try page("backend.wait.mean")
        #expect(wait.contains("stroke-dasharray") && wait.contains("Dashed: Erlang C's estimate"))
        let completed = try page("backend.completed")
        #expect(!completed.contains("stroke-dasharray") && !completed.contains("Dashed"))
    }
}
