/// The sweep's table and answer as text (printed, and written to `sweep.txt`): one line
/// per configuration with each chosen metric's mean ± 95% half-width, the seeds meeting
/// every objective and the cost; then the cheapest configuration meeting them, the knee of
/// the latency curve, and how much narrower common random numbers make the intervals of
/// differences.
public enum SweepReport {
    /// The report of `analysis`.
    public static func text(_ analysis: SweepAnalysis) -> String {
        let plan = analysis.plan
        var out: [String] = []
        let seeds = plan.seeds.count
        out.append("sweep \(plan.worldName): \(plan.configurationCount) configuration(s) × \(seeds) seed(s) = \(plan.runCount) runs (seeds \(seedList(plan.seeds)))")
        if !plan.metrics.isEmpty {
            if plan.warmupDeletion {
                let deleted = analysis.records.flatMap { $0.steady.map(\.deletedSeconds) }
                let mean = deleted.isEmpty ? 0 : deleted.reduce(0, +) / Double(deleted.count)
                let most = deleted.max() ?? 0
                out.append("chosen metrics judged after MSER-5 warm-up deletion (per run: mean \(SweepNumber.short(mean)) s deleted, at most \(SweepNumber.short(most)) s; sweep.csv has each run's)")
            } else {
                out.append("chosen metrics judged over whole runs (warm-up deletion off)")
            }
            if seeds == 1 { out.append("one seed: intervals from batch means within each run (\(BatchMeans.defaultBatches) batches of the per-interval series)") }
        }
        if !plan.objectives.isEmpty { out.append("objectives (every seed): " + plan.objectives.map(\.text).joined(separator: "; ")) }
        if let cost = plan.cost { out.append("cost: \(cost.text)") }
        if plan.adaptive {
            let tried = Set(analysis.records.map(\.configuration)).count
            let how = AdaptiveSearch(plan: plan).bisects ? "bisecting the axis to its objective boundary" : "cheapest first, stopping at the first that meets every objective"
            out.append("adaptive: \(analysis.records.count) of \(plan.runCount) runs made, \(tried) configuration(s) tried (\(how); a configuration stops at its first seed missing an objective; configurations not run are left out)")
        }
        out.append("")

        var header = plan.parameters.indices.map { plan.columnName($0) }
        header += plan.metrics.map { "\($0) (mean ± 95%)" }
        if !plan.objectives.isEmpty { header.append("meets SLO") }
        if plan.cost != nil { header.append("cost") }
        var rows: [[String]] = []
        for configuration in 0..<plan.configurationCount {
            if plan.adaptive, analysis.records(of: configuration).isEmpty { continue }
            var row = plan.values(of: configuration)
            for metric in plan.metrics {
                guard let interval = analysis.cell(configuration, metric).interval else { row.append("–"); continue }
                row.append(SweepNumber.short(interval.mean) + (interval.halfWidth.map { " ± " + SweepNumber.short($0) } ?? ""))
            }
            if !plan.objectives.isEmpty {
                let meeting = analysis.seedsMeeting(configuration)
                row.append("\(analysis.meetsObjectives(configuration) ? "yes" : "no ") \(meeting)/\(analysis.records(of: configuration).count)")
            }
            if plan.cost != nil { row.append(SweepNumber.short(analysis.cost(configuration))) }
            rows.append(row)
        }
        out.append(contentsOf: table(header: header, rows: rows, numericFrom: 0))
        out.append("")

        if !plan.objectives.isEmpty {
            let feasible = (0..<plan.configurationCount).filter(analysis.meetsObjectives).count
            if let best = analysis.cheapest {
                let what = plan.cost == nil ? "first configuration (grid order)" : "cheapest configuration"
                let cost = analysis.cost(best).map { " (cost \(SweepNumber.short($0)))" } ?? ""
                let tried = plan.adaptive ? Set(analysis.records.map(\.configuration)).count : plan.configurationCount
                out.append("\(what) meeting every objective in every seed: \(plan.label(of: best))\(cost); \(feasible) of \(tried)\(plan.adaptive ? " tried" : "") meet them")
            } else {
                out.append("no configuration meets every objective in every seed")
            }
        }
        // The knee needs every point of the curve with all its seeds: not after an adaptive search.
        if let metric = analysis.kneeMetric, !plan.adaptive {
            for knee in analysis.knees {
                let held = plan.parameters.indices.filter { $0 != knee.axis }
                let others = held.isEmpty ? "" : " (with " + held.map { "\(plan.columnName($0))=\(plan.values(of: knee.configuration)[$0])" }.joined(separator: " ") + ")"
                let mean = analysis.cell(knee.configuration, metric).interval?.mean
                out.append("knee of \(metric) along \(plan.columnName(knee.axis)): \(plan.values(of: knee.configuration)[knee.axis])\(others), mean \(SweepNumber.short(mean))")
            }
        }
        for metric in plan.metrics {
            let ratios = analysis.differences.filter { $0.metric == metric }.compactMap { difference -> Double? in
                guard let paired = difference.paired.halfWidth, paired > 0, let unpaired = difference.unpairedHalfWidth else { return nil }
                return unpaired / paired
            }.sorted()
            guard !ratios.isEmpty else { continue }
            let median = ratios.count % 2 == 1 ? ratios[ratios.count / 2] : (ratios[ratios.count / 2 - 1] + ratios[ratios.count / 2]) / 2
            out.append("\(metric): differences between neighbouring configurations, paired by seed, have 95% intervals a median \(SweepNumber.short(median))× narrower than unpaired (\(ratios.count) pair\(ratios.count == 1 ? "" : "s"); sweep-differences.csv)")
        }
        let stopped = analysis.records.filter { $0.stop != "completed" && $0.stop != "end-time" }
        if !stopped.isEmpty {
            out.append("\(stopped.count) run(s) did not end normally (stop column of sweep.csv): "
                + stopped.prefix(3).map { "\(plan.label(of: $0.configuration)) seed \($0.seed): \($0.stop)" }.joined(separator: "; "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func seedList(_ seeds: [UInt64]) -> String {
        if seeds.count > 2, zip(seeds, seeds.dropFirst()).allSatisfy({ $1 == $0 + 1 }) { return "\(seeds.first!)–\(seeds.last!)" }
        return seeds.map(String.init).joined(separator: ",")
    }

    /// Columns padded to their widest cell, right-aligned.
    static func table(header: [String], rows: [[String]], numericFrom: Int) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in String(repeating: " ", count: widths[index] - cell.count) + cell }
                .joined(separator: "  ")
        }
        return [render(header)] + rows.map(render)
    }
}
