/// `report.html`: one run, rendered from its bundle alone — what ran, the timeline,
/// the charts with fault windows shaded, expectations and invariants, the world. One
/// self-contained file: inline SVG and CSS, no script, nothing fetched.
public struct ReportPage: Sendable {
    /// The run.
    public let bundle: RunBundle

    /// The report of `bundle`.
    public init(_ bundle: RunBundle) { self.bundle = bundle }

    /// The page.
    public var html: String {
        let view = RunView(bundle, step: RunView.step(interval: bundle.series.interval, end: bundle.series.end))
        let windows = FaultWindow.of(bundle.world, runEnd: bundle.end)
        let shaded = windows.map(\.shaded)
        let sections = ReportCharts.sections(view)
        let palettes = PageParts.palettes(sections.flatMap(\.charts))
        var body = "<h1>\(Html.escape(bundle.title)) <span class=\"badge \(bundle.passed ? "pass" : "fail")\">\(bundle.passed ? "passed" : "failed")</span></h1>\n"
        if !bundle.world.description.isEmpty { body += "<p class=\"lead\">\(Html.escape(bundle.world.description))</p>\n" }
        body += PageParts.facts(bundle)
        body += "<section id=\"section-timeline\"><h2>Timeline</h2><p class=\"note\">Derived from the run's own data: "
            + "faults from the world, everything else from the time series (times are the start of the interval a change was seen in).</p>"
            + PageParts.timeline(Timeline.entries(bundle)) + "</section>\n"
        body += "<section id=\"section-faults\"><h2>Faults</h2>" + PageParts.faults(windows) + "</section>\n"
        for section in sections {
            let figures = section.charts.map { spec in
                PageParts.figure(spec.id, LineChart(title: spec.title, unit: spec.unit, lines: spec.lines.map { line in
                    ChartLine(label: line.label, colour: PageParts.colour(spec.palette, line.key, palettes), points: line.points)
                }, windows: shaded, xMax: view.xMax, yFloor: spec.yFloor).html)
            }
            body += PageParts.section(section.id, section.title, section.note, figures)
        }
        let breakers = ReportCharts.breakers(view)
        if !breakers.isEmpty {
            let chart = BandChart(title: "Breaker state", rows: breakers.map { BandRow(label: $0.label, cells: $0.cells) }, windows: shaded, xMax: view.xMax)
            body += PageParts.section("breakers", "Breakers", "Each caller's breaker for a callee, as bands over time.", [PageParts.figure("breakers", chart.html)])
        }
        body += "<section id=\"section-expectations\"><h2>Expectations</h2>" + PageParts.expectations(bundle) + "</section>\n"
        body += "<section id=\"section-invariants\"><h2>Invariants</h2>" + PageParts.invariants(bundle) + "</section>\n"
        body += "<section id=\"section-world\"><h2>World</h2>" + PageParts.services(bundle.world) + PageParts.worldSource(bundle) + "</section>\n"
        body += "<p class=\"note\">Rendered by delivery-sim from the run bundle (world.json, summary.json, timeseries.jsonl); "
            + "<code>delivery-sim report \(Html.escape(bundle.path))</code> renders it again.</p>"
        return PageParts.document(title: "\(bundle.title) — delivery-sim report", body: body)
    }
}
