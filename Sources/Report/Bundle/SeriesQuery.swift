import SimKernel
import Platform

/// The expectation language's metric names (see docs/worlds.md, "Metric names")
/// evaluated over one row of a bundle's series — a row as stored, or a window merged
/// from rows. A window gives what the live run's `MetricQuery` gives for the same window:
/// the same counters, the same re-merged buckets, the same gauge arithmetic.
public struct SeriesQuery: Sendable {
    /// The series whose metrics are named.
    public let series: RunSeries

    /// Queries over `series`.
    public init(_ series: RunSeries) { self.series = series }

    /// The value of `name` over `row` (nil when no metric has that name). Rates divide
    /// by `seconds` when given — an expectation's window as written, whose edges the rows
    /// round out — and otherwise by the row's own length.
    public func value(_ name: String, over row: SeriesRow, seconds: Double? = nil) -> Double? {
        let seconds = seconds ?? Double(row.end - row.start) / 1e9
        func counter(_ name: String) -> Double? {
            guard let index = series.counter(name) else { return nil }
            return Double(row.counter(index) ?? 0)
        }
        func counters(prefix: String) -> Double {
            var total = 0.0
            for (index, metric) in series.counters.enumerated() where metric.name.hasPrefix(prefix) && index < row.counters.count {
                total += Double(row.counters[index] ?? 0)
            }
            return total
        }
        let formulas = CounterFormulas(seconds: seconds, counter: counter, counters: { counters(prefix: $0) })
        if let value = formulas.value(name) { return value }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let base = String(name[..<dot]), statistic = String(name[name.index(after: dot)...])
        if let index = series.histogram(base) {
            let histogram = row.histogram(index) ?? CompactHistogram()
            func quantile(_ q: Double) -> Double { histogram.quantile(q).map { Double($0) / 1e6 } ?? 0 }
            switch statistic {
            case "count": return Double(histogram.count)
            case "mean": return histogram.mean.map { $0 / 1e6 } ?? 0
            case "p50": return quantile(0.5)
            case "p90": return quantile(0.9)
            case "p99": return quantile(0.99)
            case "p999": return quantile(0.999)
            case "max": return histogram.count == 0 ? 0 : Double(histogram.max) / 1e6
            default: return nil
            }
        }
        if let index = series.gauge(base), let window = row.gauge(index) {
            return statistic == "mean" ? window.mean : statistic == "max" ? window.max : nil
        }
        return nil
    }

    /// Whether `name` is a plain counter (its expectation is about a total, which a
    /// timeline follows cumulatively rather than interval by interval).
    public func isCounter(_ name: String) -> Bool { series.counter(name) != nil }
}
