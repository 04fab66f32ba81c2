public import SimKernel

/// The time series of a run as CSV (`timeseries.csv`): one row per interval, one column
/// per figure, so windows can be charted or checked with any tool.
///
/// Columns: `start_s,end_s`, then for each counter `<name>` (increments in the interval),
/// for each histogram `<name>.count,<name>.mean_ms,<name>.p50_ms,<name>.p99_ms,<name>.max_ms`,
/// for each gauge `<name>.mean,<name>.max`. Metrics that appeared later are empty in
/// earlier rows.
public enum TimeSeriesCSV {
    /// The CSV text for `metrics`' time series (a header only when none was kept).
    public static func text(_ metrics: Metrics) -> String {
        var header = ["start_s", "end_s"]
        for counter in metrics.counters { header.append(counter.name) }
        for histogram in metrics.histograms {
            for field in ["count", "mean_ms", "p50_ms", "p99_ms", "max_ms"] { header.append("\(histogram.name).\(field)") }
        }
        for gauge in metrics.gauges { header.append("\(gauge.name).mean"); header.append("\(gauge.name).max") }
        var lines = [header.map(escape).joined(separator: ",")]
        for row in metrics.timeSeries?.rows ?? [] {
            var cells = [seconds(row.start), seconds(row.end)]
            let counters = Dictionary(row.counters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            for counter in metrics.counters { cells.append(counters[counter.name].map { String($0) } ?? "") }
            let histograms = Dictionary(row.histograms.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            for histogram in metrics.histograms {
                guard let h = histograms[histogram.name], h.count > 0 else {
                    cells.append(contentsOf: [histograms[histogram.name] == nil ? "" : "0", "", "", "", ""])
                    continue
                }
                cells.append(String(h.count))
                cells.append(number(h.mean! / 1e6))
                cells.append(number(Double(h.quantile(0.5)!) / 1e6))
                cells.append(number(Double(h.quantile(0.99)!) / 1e6))
                cells.append(number(Double(h.max) / 1e6))
            }
            let gauges = Dictionary(row.gauges.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            for gauge in metrics.gauges {
                if let g = gauges[gauge.name] {
                    cells.append(number(g.mean))
                    cells.append(number(g.max))
                } else {
                    cells.append(contentsOf: ["", ""])
                }
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ nanoseconds: Int64) -> String { number(Double(nanoseconds) / 1e9) }

    /// Shortest round-trip form, as in the JSON files (deterministic).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escape(_ cell: String) -> String {
        cell.contains(",") || cell.contains("\"") ? "\"" + cell.replacingOccurrences("\"", "\"\"") + "\"" : cell
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
