/// The files a sweep writes, all computed from the plan and the records, so the same
/// runs give the same bytes whether they ran on one thread, many, or in shards merged
/// afterwards:
///
/// - `sweep.json`: the plan;
/// - `runs.jsonl`: one record per run (what `sweep merge` joins);
/// - `sweep.csv`: one row per configuration and seed: the varied parameters, the seed,
///   how the run ended, each chosen metric's warm-up deletion, then every metric in
///   sorted name order;
/// - `sweep-summary.csv`: per configuration and metric, the mean and 95% interval;
/// - `sweep-differences.csv`: paired differences of the chosen metrics between
///   neighbouring configurations, with the unpaired interval beside them;
/// - `sweep.txt`: the table and the answer to the tuning question, as printed;
/// - `sweep.html`: the chosen metrics charted against each varied parameter.
public enum SweepFiles {
    /// Every file of the sweep, in the order written.
    public static func files(_ analysis: SweepAnalysis, shard: Shard? = nil) -> [(name: String, contents: String)] {
        var files: [(String, String)] = [
            ("sweep.json", analysis.plan.json(shard: shard)),
            ("runs.jsonl", analysis.records.map(\.jsonLine).joined(separator: "\n") + (analysis.records.isEmpty ? "" : "\n")),
        ]
        // A shard holds only part of the grid: its tables would be misleading, and the
        // merge writes them.
        guard shard == nil else { return files }
        files.append(("sweep.csv", runsCSV(analysis)))
        files.append(("sweep-summary.csv", summaryCSV(analysis)))
        files.append(("sweep-differences.csv", differencesCSV(analysis)))
        files.append(("sweep.txt", SweepReport.text(analysis)))
        files.append(("sweep.html", SweepHTML.page(analysis)))
        return files
    }

    /// Names a sweep folder may hold (a folder holding only these may be replaced).
    public static let names = ["sweep.json", "runs.jsonl", "sweep.csv", "sweep-summary.csv", "sweep-differences.csv",
                               "sweep.txt", "sweep.html"]

    static func parameterColumns(_ plan: SweepPlan) -> [String] {
        plan.parameters.map(\.path)
    }

    static func line(_ cells: [String]) -> String { cells.map(SweepNumber.csv).joined(separator: ",") }

    /// `sweep.csv`.
    public static func runsCSV(_ analysis: SweepAnalysis) -> String {
        let plan = analysis.plan
        var header = ["configuration"] + parameterColumns(plan) + ["seed", "digest", "stop", "passed", "events", "simulated_s"]
        for metric in plan.metrics { header += ["\(metric)@warmup_s", "\(metric)@judged"] }
        header += analysis.metricNames
        var lines = [line(header)]
        for record in analysis.records {
            var cells = [String(record.configuration)] + plan.values(of: record.configuration)
            cells += [String(record.seed), record.digest, record.stop, String(record.passed), String(record.events),
                      SweepNumber.text(record.simulatedSeconds)]
            for metric in plan.metrics {
                let steady = record.steady.first { $0.metric == metric }
                cells += [SweepNumber.text(steady?.deletedSeconds), SweepNumber.text(steady?.value)]
            }
            for metric in analysis.metricNames {
                cells.append(SweepNumber.text(record.value(metric, counterNames: analysis.counterNames)))
            }
            lines.append(line(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sweep-summary.csv`: the chosen metrics first (as judged), then every metric.
    public static func summaryCSV(_ analysis: SweepAnalysis) -> String {
        let plan = analysis.plan
        var lines = [line(["configuration"] + parameterColumns(plan)
            + ["metric", "basis", "n", "mean", "ci95_low", "ci95_high", "half_width", "meets_slo", "cost"])]
        let metrics = plan.metrics + analysis.metricNames.filter { !plan.metrics.contains($0) }
        for configuration in 0..<plan.configurationCount {
            let meets = plan.objectives.isEmpty ? "" : String(analysis.meetsObjectives(configuration))
            let cost = SweepNumber.text(analysis.cost(configuration))
            for metric in metrics {
                let cell = analysis.cell(configuration, metric)
                guard let interval = cell.interval else { continue }
                let low = interval.halfWidth.map { interval.mean - $0 }, high = interval.halfWidth.map { interval.mean + $0 }
                lines.append(line([String(configuration)] + plan.values(of: configuration)
                    + [metric, cell.basis.rawValue, String(interval.count), SweepNumber.text(interval.mean),
                       SweepNumber.text(low), SweepNumber.text(high), SweepNumber.text(interval.halfWidth), meets, cost]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sweep-differences.csv`.
    public static func differencesCSV(_ analysis: SweepAnalysis) -> String {
        let plan = analysis.plan
        var lines = [line(["parameter", "from", "to", "metric", "n", "mean_difference", "paired_half_width",
                           "unpaired_half_width", "unpaired_over_paired"])]
        for difference in analysis.differences {
            let axis = difference.axis
            let ratio = difference.unpairedHalfWidth.flatMap { unpaired in
                difference.paired.halfWidth.flatMap { $0 > 0 ? unpaired / $0 : nil }
            }
            lines.append(line([plan.parameters[axis].path, plan.label(of: difference.from), plan.label(of: difference.to),
                               difference.metric, String(difference.paired.count), SweepNumber.text(difference.paired.mean),
                               SweepNumber.text(difference.paired.halfWidth), SweepNumber.text(difference.unpairedHalfWidth),
                               SweepNumber.text(ratio)]))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
