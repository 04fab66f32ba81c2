import Foundation
import Platform
import Report
import Testing
import World

/// report.html, rendered from the bundle of a small incident.
@Suite("Report page")
struct ReportPageTests {
    @Test("the page is well-formed XHTML with namespaced SVG, and fetches nothing")
    func wellFormed() throws {
        let page = PageStructure(try smallIncident.get().file("report.html"))
        #expect(page.wellFormed, "\(page.error ?? "")")
        #expect(page.svgs > 10 && page.svgs == page.namespacedSVGs)
        #expect(page.external.isEmpty, "\(page.external)")
    }

    @Test("every chart the run's data calls for is there, and each shades the fault window")
    func charts() throws {
        let run = try smallIncident.get()
        let page = PageStructure(run.file("report.html"))
        let metrics = run.outcome.metrics
        var expected = ["load", "load.latency", "load.bad", "utilisation", "db.in_use", "db.wait", "cache.hit_ratio", "orders.flow", "orders.open",
                        "broker.ready", "breakers"]
        if metrics.gauges.contains(where: { $0.name.hasPrefix("broker.") && $0.name.hasSuffix(".unacked") }) { expected.append("broker.unacked") }
        if run.outcome.spec.services.contains(where: { (metrics.existingGauge("\($0.name).queue")?.maximum ?? 0) > 0 }) { expected.append("queue") }
        // One latency chart per service that served requests; one rejection chart per
        // service that rejected anything.
        for service in run.outcome.spec.services where (run.outcome.metrics.existingHistogram("\(service.name).latency")?.total.count ?? 0) > 0 {
            expected.append("latency.\(service.name)")
        }
        for service in run.outcome.spec.services
        where run.outcome.metrics.counters.contains(where: { $0.name.hasPrefix("\(service.name).rejected.") && $0.total > 0 }) {
            expected.append("rejected.\(service.name)")
        }
        #expect(Set(page.charts) == Set(expected), "missing \(Set(expected).subtracting(page.charts)), extra \(Set(page.charts).subtracting(expected))")
        #expect(page.charts.count == Set(page.charts).count, "no chart twice")
        for chart in page.charts {
            #expect(page.faultWindows[chart] == 1, "\(chart): one fault window (the bad traffic) drawn")
            if chart != "breakers" { #expect(page.lines[chart, default: 0] >= 1, "\(chart) draws a line") }
        }
        #expect(page.lines["latency.order"] == 2, "p50 and p99")
        // Services come in the order a request meets them, as the console lists them.
        let latency = page.charts.filter { $0.hasPrefix("latency.") }.map { String($0.dropFirst("latency.".count)) }
        let flow = ["gateway", "auth", "menu", "order", "inventory", "payment", "dispatch", "notification"]
        #expect(latency.count >= 4 && latency == flow.filter(latency.contains), "\(latency)")
    }

    @Test("the timeline follows from the injected fault: its start and end, rejections after it, recovery measured")
    func timeline() throws {
        let run = try smallIncident.get()
        let entries = Timeline.entries(run.bundle)
        #expect(entries.map(\.time) == entries.map(\.time).sorted())
        let fault = entries.filter { $0.kind == .fault }
        #expect(fault.map(\.time) == [30_000_000_000, 80_000_000_000])
        #expect(fault[0].text.hasPrefix("F1 starts: bad traffic: 113/s"))
        #expect(fault[1].text.hasPrefix("F1 ends"))
        // The penetration slows the shared database: the order service's calls start
        // timing out once it begins, not before.
        let rejections = entries.filter { $0.kind == .rejection }
        #expect(!rejections.isEmpty && rejections.allSatisfy { $0.time >= 30_000_000_000 })
        #expect(rejections.contains { $0.text.hasPrefix("order first rejects: deadline") })
        let recovery = try #require(entries.first { $0.kind == .recovery })
        #expect(recovery.time >= 80_000_000_000 && recovery.time < 150_000_000_000)
        #expect(recovery.text.hasPrefix("F1: goodput and p99 latency back "))
        #expect(entries.last?.kind == .end && entries.last?.text == "run ends: end-time at 2m30s")
        // The same entries are on the page.
        let page = PageStructure(run.file("report.html"))
        #expect(page.timelines.count == 1)
        #expect(page.timelines.first?.map(\.text) == entries.map(\.text))
    }

    @Test("expectations and invariants are listed with pass or fail and the measured value")
    func expectations() throws {
        let html = try smallIncident.get().file("report.html")
        #expect(html.contains("<code>orders.failed_ratio &lt;= 0.5</code>"))
        #expect(html.contains("<code>invariants.oversold == 0</code>"))
        #expect(html.contains("✓ holds</td><td>oversold</td>"))
    }

    @Test("the same world and seed give a byte-identical report, and re-rendering the bundle gives it again")
    func deterministic() throws {
        let first = try smallIncident.get()
        let second = try runArtifacts("worlds/incidents/double12.json", overrides: smallIncidentOverrides, path: "output/double12/12")
        #expect(first.file("report.html") == second.file("report.html"))
        #expect(ReportPage(second.bundle).html == first.file("report.html"))
        #expect(first.file("timeseries.jsonl") == second.file("timeseries.jsonl"))
    }

    @Test("a generic world (no platform) gets the charts it has data for, and no invariants")
    func genericWorld() throws {
        let run = try runArtifacts("worlds/validation/mmc.json", overrides: [
            "traffic.customers=600", "metrics.interval=10s",
            #"faults=[{"kind":"crash","target":"backend#0","at":"30s","restart_after":"20s"}]"#,
        ])
        let page = PageStructure(run.file("report.html"))
        #expect(page.wellFormed, "\(page.error ?? "")")
        #expect(page.charts.contains("load") && page.charts.contains("latency.backend") && page.charts.contains("queue"))
        #expect(!page.charts.contains("orders.flow") && !page.charts.contains("breakers"))
        #expect(run.file("report.html").contains("no platform invariants apply"))
        // The backend neither queries a database nor calls anyone: no pool, no policies.
        #expect(run.file("report.html").contains("<td class=\"num\">unbounded</td><td class=\"num\">—</td><td>— (a generic service calls nothing)</td>"))
        let fault = Timeline.entries(run.bundle).filter { $0.kind == .fault }.map(\.text)
        #expect(fault == ["F1 starts: backend#0 crashes, restarts after 20s", "F1 ends: backend#0 crashes, restarts after 20s"])
    }
}
