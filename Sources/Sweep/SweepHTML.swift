import Report

/// `sweep.html`: one self-contained page (inline SVG, no scripts or links) with each
/// chosen metric plotted against each varied parameter — the mean and its 95% interval,
/// one line per combination of the other parameters — and, where the world is one pooled
/// M/M/c service, Erlang C's estimate dashed beside the simulated curve. The table and
/// the answer follow as text.
public enum SweepHTML {
    /// The most lines per chart; further combinations of the other axes are left out (the
    /// CSV files have them all).
    public static let maxSeries = 8

    /// The page for `analysis`.
    public static func page(_ analysis: SweepAnalysis) -> String {
        let plan = analysis.plan
        let charts = plan.metrics.flatMap { metric in plan.parameters.indices.compactMap { chart(analysis, metric: metric, axis: $0) } }
        var body = charts.map { "<figure>\($0.svg)</figure>\n" }.joined()
        // The dashed lines are explained only where there are some (an M/M/c world).
        let theory = charts.contains { $0.series.contains(where: \.dashed) } ? " Dashed: Erlang C's estimate for the same M/M/c service." : ""
        if body.isEmpty { body = "<p>Nothing to plot: charts need a varied parameter and a chosen metric.</p>\n" }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>sweep \(Html.escape(plan.worldName))</title>
        <style>body{font-family:sans-serif;margin:24px;color:#222}figure{margin:12px 0}pre{font-size:12px;background:#f6f6f6;padding:12px;overflow-x:auto}</style>
        </head><body>
        <h1>Sweep of \(Html.escape(plan.worldName))</h1>
        <p>Means with 95% intervals (\(analysis.plan.seeds.count == 1 ? "batch means within the run" : "Student t over \(plan.seeds.count) seeds")).\(theory)</p>
        \(body)<h2>Table</h2>
        <pre>\(Html.escape(SweepReport.text(analysis)))</pre>
        </body></html>

        """
    }

    /// `metric` against axis `axis`, one line per combination of the other axes' values.
    static func chart(_ analysis: SweepAnalysis, metric: String, axis: Int) -> SweepChart? {
        let plan = analysis.plan
        let values = plan.parameters[axis].values
        let numeric = values.map(SweepParameter.numeric)
        let isNumeric = numeric.allSatisfy { $0 != nil }
        func x(_ index: Int) -> Double { isNumeric ? numeric[index]! : Double(index) }
        // Group configurations by their values on the other axes, in grid order.
        var groups: [(key: [Int], configurations: [Int])] = []
        for configuration in 0..<plan.configurationCount {
            var key = plan.valueIndices(of: configuration)
            key[axis] = -1
            if let index = groups.firstIndex(where: { $0.key == key }) { groups[index].configurations.append(configuration) }
            else { groups.append((key, [configuration])) }
        }
        var series: [SweepChart.Series] = []
        var theory: [SweepChart.Series] = []
        for (colour, group) in groups.prefix(maxSeries).enumerated() {
            let name = plan.parameters.indices.filter { $0 != axis }
                .map { "\(plan.columnName($0))=\(plan.parameters[$0].values[group.key[$0]])" }.joined(separator: " ")
            var points: [SweepChart.Point] = [], estimate: [SweepChart.Point] = []
            for configuration in group.configurations {
                let index = plan.valueIndices(of: configuration)[axis]
                if let interval = analysis.cell(configuration, metric).interval {
                    points.append(SweepChart.Point(x: x(index), y: interval.mean, halfWidth: interval.halfWidth))
                }
                if let exact = analysis.records(of: configuration).first?.values[ErlangCFigures.prefix + metric] {
                    estimate.append(SweepChart.Point(x: x(index), y: exact, halfWidth: nil))
                }
            }
            if !points.isEmpty { series.append(SweepChart.Series(name: name.isEmpty ? "simulated" : name, points: points, colour: colour)) }
            if estimate.count >= 2 {
                theory.append(SweepChart.Series(name: "Erlang C" + (name.isEmpty ? "" : " " + name), points: estimate, dashed: true, colour: colour))
            }
        }
        guard !series.isEmpty else { return nil }
        return SweepChart(title: "\(metric) against \(plan.columnName(axis))", xLabel: plan.parameters[axis].path,
                          yLabel: metric, series: series + theory, categories: isNumeric ? nil : values)
    }
}

/// Erlang C's figures recorded beside a run's metrics when its world is one pooled M/M/c
/// service without faults, named `erlang_c.<metric>` after the measured metric they
/// estimate: `<service>.wait.mean` and `<service>.latency.mean` (ms), `<service>.queue.mean`,
/// `<service>.busy.mean`.
public enum ErlangCFigures {
    /// The prefix of the estimates' names.
    public static let prefix = "erlang_c."
}
