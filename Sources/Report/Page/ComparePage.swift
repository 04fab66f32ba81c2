/// `compare.html`: two runs side by side, from their bundles — facts, the two
/// timelines, every chart with both runs overlaid (A solid, B dashed, same colour for
/// the same quantity), breaker bands of both, and every summary figure with both
/// values and the difference.
///
/// The runs are aligned on one grid: a cell length that is a whole multiple of both
/// runs' intervals when one exists within four times the longer (their least common
/// multiple), so each run's cells are exact merges of its rows; otherwise the longer
/// interval, with each row counted in the cell it starts in (said on the page).
/// The time axis runs to the longer run's end.
public struct ComparePage: Sendable {
    /// The first run (solid lines).
    public let a: RunBundle
    /// The second run (dashed lines).
    public let b: RunBundle

    /// The comparison of `a` and `b`.
    public init(_ a: RunBundle, _ b: RunBundle) {
        self.a = a
        self.b = b
    }

    /// The common interval of two runs' rows, and whether it is exact for both.
    public static func commonInterval(_ x: Int64, _ y: Int64) -> (interval: Int64, exact: Bool) {
        guard x > 0, y > 0 else { return (max(x, y, 1), true) }
        func gcd(_ p: Int64, _ q: Int64) -> Int64 { q == 0 ? p : gcd(q, p % q) }
        let lcm = x / gcd(x, y) * y
        if lcm <= 4 * max(x, y) { return (lcm, true) }
        return (max(x, y), false)
    }

    /// The page.
    public var html: String {
        let common = Self.commonInterval(a.series.interval, b.series.interval)
        let step = RunView.step(interval: common.interval, end: max(a.series.end, b.series.end))
        let viewA = RunView(a, step: step), viewB = RunView(b, step: step)
        let xMax = max(viewA.xMax, viewB.xMax)
        let windowsA = FaultWindow.of(a.world, runEnd: a.end), windowsB = FaultWindow.of(b.world, runEnd: b.end)
        let sameFaults = windowsA == windowsB
        let shaded = sameFaults ? windowsA.map(\.shaded)
            : windowsA.map { var s = $0.shaded; s.tag = "A " + s.tag; return s } + windowsB.map { var s = $0.shaded; s.tag = "B " + s.tag; return s }
        let sectionsA = ReportCharts.sections(viewA), sectionsB = ReportCharts.sections(viewB)
        let palettes = PageParts.palettes(sectionsA.flatMap(\.charts) + sectionsB.flatMap(\.charts))

        var body = "<h1>Comparing \(Html.escape(a.title)) (A) with \(Html.escape(b.title)) (B)</h1>\n"
        body += "<p class=\"lead\">A is drawn solid, B dashed; the same quantity has the same colour in both. "
            + "Both runs are on cells of \(TimeText.span(step))"
            + (common.exact ? " (whole merges of each run's rows)." : " (the runs' intervals have no small common multiple: each row is counted in the cell it starts in).")
            + "</p>\n"
        body += "<section id=\"section-runs\"><h2>The runs</h2><div class=\"columns\">"
            + "<div><h3>A</h3>\(PageParts.facts(a))<p class=\"note\">\(Html.escape(a.world.description))</p></div>"
            + "<div><h3>B</h3>\(PageParts.facts(b))<p class=\"note\">\(Html.escape(b.world.description))</p></div></div></section>\n"
        body += "<section id=\"section-timeline\"><h2>Timelines</h2><div class=\"columns\">"
            + "<div><h3>A: \(Html.escape(a.title))</h3>\(PageParts.timeline(Timeline.entries(a)))</div>"
            + "<div><h3>B: \(Html.escape(b.title))</h3>\(PageParts.timeline(Timeline.entries(b)))</div></div></section>\n"
        body += "<section id=\"section-faults\"><h2>Faults</h2>"
            + (sameFaults ? PageParts.faults(windowsA)
                : "<div class=\"columns\"><div><h3>A</h3>\(PageParts.faults(windowsA))</div><div><h3>B</h3>\(PageParts.faults(windowsB))</div></div>")
            + "</section>\n"

        var sectionOrder: [String] = []
        for section in sectionsA + sectionsB where !sectionOrder.contains(section.id) { sectionOrder.append(section.id) }
        for id in sectionOrder {
            let left = sectionsA.first { $0.id == id }, right = sectionsB.first { $0.id == id }
            // The note of the run that has charts here ("no service rejected anything"
            // is true of one run only).
            let info = [left, right].compactMap { $0 }.first { !$0.charts.isEmpty } ?? (left ?? right)!
            var chartOrder: [String] = []
            for chart in (left?.charts ?? []) + (right?.charts ?? []) where !chartOrder.contains(chart.id) { chartOrder.append(chart.id) }
            let figures = chartOrder.map { chartID -> String in
                let specA = left?.charts.first { $0.id == chartID }, specB = right?.charts.first { $0.id == chartID }
                let spec = (specA ?? specB)!
                func lines(_ spec: ChartSpec?, _ run: String, dashed: Bool) -> [ChartLine] {
                    (spec?.lines ?? []).map { line in
                        ChartLine(label: "\(run): \(line.label)", colour: PageParts.colour(spec!.palette, line.key, palettes), dashed: dashed, points: line.points)
                    }
                }
                let chart = LineChart(title: spec.title, unit: spec.unit,
                                      lines: lines(specA, "A", dashed: false) + lines(specB, "B", dashed: true),
                                      windows: shaded, xMax: xMax, yFloor: spec.yFloor)
                return PageParts.figure(chartID, chart.html)
            }
            body += PageParts.section(id, info.title, info.note, figures)
        }
        let bandsA = ReportCharts.breakers(viewA), bandsB = ReportCharts.breakers(viewB)
        if !bandsA.isEmpty || !bandsB.isEmpty {
            var keys: [String] = []
            for band in bandsA + bandsB where !keys.contains(band.key) { keys.append(band.key) }
            var rows: [BandRow] = []
            for key in keys {
                if let band = bandsA.first(where: { $0.key == key }) { rows.append(BandRow(label: "A: " + band.label, cells: band.cells)) }
                if let band = bandsB.first(where: { $0.key == key }) { rows.append(BandRow(label: "B: " + band.label, cells: band.cells)) }
            }
            let chart = BandChart(title: "Breaker state", rows: rows, windows: shaded, xMax: xMax)
            body += PageParts.section("breakers", "Breakers", "Each caller's breaker for a callee, A above B.", [PageParts.figure("breakers", chart.html)])
        }
        body += "<section id=\"section-summary\"><h2>Every summary figure</h2><p class=\"note\">"
            + "Each number in the two summary.json files, by its path; B − A and the change relative to A. Figures equal in both are grey.</p>"
            + SummaryDiff.html(a.summary, b.summary) + "</section>\n"
        body += "<section id=\"section-expectations\"><h2>Expectations</h2><div class=\"columns\">"
            + "<div><h3>A</h3>\(PageParts.expectations(a))<h3>Invariants</h3>\(PageParts.invariants(a))</div>"
            + "<div><h3>B</h3>\(PageParts.expectations(b))<h3>Invariants</h3>\(PageParts.invariants(b))</div></div></section>\n"
        body += "<p class=\"note\">Rendered by delivery-sim compare from the bundles in \(Html.escape(a.path)) and \(Html.escape(b.path)).</p>"
        return PageParts.document(title: "\(a.title) vs \(b.title) — delivery-sim compare", body: body)
    }
}
