import Foundation
import Report
import Testing

/// compare.html: two runs overlaid, aligned on one grid.
@Suite("Compare page")
struct ComparePageTests {
    @Test("two runs of different lengths and intervals are overlaid on one grid, timelines side by side")
    func differentRuns() throws {
        let a = try smallIncident.get()
        // The same incident with coarser rows, a later fault and a longer run.
        let b = try runArtifacts("worlds/incidents/double12.json", overrides: [
            "duration=2m30s", "metrics.interval=20s",
            #"traffic.bad_traffic=[{"for":"50s","rate":0},{"for":"50s","rate":"113/s"}]"#, "expect=[]",
        ], path: "output/double12-late/12")
        let html = ComparePage(a.bundle, b.bundle).html
        let page = PageStructure(html)
        #expect(page.wellFormed, "\(page.error ?? "")")
        #expect(page.external.isEmpty)
        #expect(page.timelines.count == 2)
        #expect(page.timelines[0].map(\.text) == Timeline.entries(a.bundle).map(\.text))
        #expect(page.timelines[1].map(\.text) == Timeline.entries(b.bundle).map(\.text))
        for chart in ["load", "latency.order", "orders.flow", "broker.ready"] {
            #expect(page.charts.contains(chart))
            // Both runs' lines, B's dashed; both runs' fault windows (they differ: A F1, B F1).
            #expect(page.dashed[chart, default: 0] >= 1 && page.lines[chart, default: 0] > page.dashed[chart, default: 0], "\(chart)")
            #expect(page.faultWindows[chart] == 2, "\(chart)")
        }
        #expect(html.contains("Both runs are on cells of 20 s (whole merges of each run"))
        #expect(html.contains("<code>orders.created</code>"), "the summary table lists every figure")
    }

    @Test("the grid is a common multiple of both intervals when a small one exists")
    func commonGrid() {
        let second: Int64 = 1_000_000_000
        #expect(ComparePage.commonInterval(10 * second, 20 * second) == (20 * second, true))
        #expect(ComparePage.commonInterval(10 * second, 15 * second) == (30 * second, true))
        #expect(ComparePage.commonInterval(7 * second, 10 * second) == (10 * second, false))
    }

    @Test("comparing a run with itself shows no difference in any figure")
    func itself() throws {
        let a = try smallIncident.get()
        let html = ComparePage(a.bundle, a.bundle).html
        #expect(!html.contains("<td class=\"num up\">") && !html.contains("<td class=\"num down\">"))
        #expect(PageStructure(html).faultWindows["load"] == 1, "identical fault windows are drawn once")
    }
}
