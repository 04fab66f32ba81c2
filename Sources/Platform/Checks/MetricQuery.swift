public import SimKernel
public import World

/// Answers "what was metric X (in window W)?" for expectations and reports.
///
/// Names:
/// - a counter: its total (in a window: the increments of the intervals overlapping it);
///   `<counter>.per_second` divides by the window's length;
/// - a histogram with `.count`, `.mean`, `.p50`, `.p90`, `.p99`, `.p999`, `.max` (values in
///   milliseconds);
/// - a gauge with `.mean` or `.max`;
/// - ratios: `orders.failed_ratio`, `orders.cancelled_ratio`, `orders.completed_ratio`
///   (over orders created), `cache.hit_ratio`, `<service>.rejected_ratio` (every
///   `<service>.rejected.*` over the calls offered: `<service>.requests` plus those its
///   callers' breakers shed), `app.<route>.failure_ratio`.
///
/// Windows use the time series, so their edges are rounded out to whole intervals.
public struct MetricQuery: Sendable {
    let metrics: Metrics
    let end: Int64

    /// The statistics a histogram's name takes (`order.latency.p99`), as ``value(_:in:)``
    /// reads them; the names an expectation, a sweep or a suggestion may use.
    public static let histogramStatistics = ["count", "mean", "p50", "p90", "p99", "p999", "max"]
    /// The statistics a gauge's name takes (`order.queue.mean`).
    public static let gaugeStatistics = ["mean", "max"]

    /// Queries over `metrics` of a run that ended at `end` (nanoseconds).
    public init(metrics: Metrics, end: Int64) {
        self.metrics = metrics
        self.end = end
    }

    /// The value, or nil when no metric has that name.
    public func value(_ name: String, in window: ClosedRange<Duration>? = nil) -> Double? {
        let row = window.flatMap { metrics.timeSeries?.window(from: $0.lowerBound.nanoseconds, to: $0.upperBound.nanoseconds) }
        if window != nil, row == nil { return nil }
        let seconds = window.map { ($0.upperBound - $0.lowerBound).nanoseconds } ?? end
        func counter(_ name: String) -> Double? {
            if let row { return row.counters.first { $0.name == name }.map { Double($0.value) } ?? (metrics.existingCounter(name) != nil ? 0 : nil) }
            return metrics.existingCounter(name).map { Double($0.total) }
        }
        func counters(prefix: String) -> Double {
            if let row { return row.counters.filter { $0.name.hasPrefix(prefix) }.reduce(0) { $0 + Double($1.value) } }
            return metrics.counters(withPrefix: prefix).reduce(0) { $0 + Double($1.total) }
        }
        let formulas = CounterFormulas(seconds: Double(seconds) / 1e9, counter: counter, counters: { counters(prefix: $0) })
        if let value = formulas.value(name) { return value }
        // Histogram and gauge statistics.
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let base = String(name[..<dot]), statistic = String(name[name.index(after: dot)...])
        if let full = metrics.existingHistogram(base)?.total {
            // The whole run reads the full-precision histogram, so an expectation sees
            // exactly the figure summary.json reports; a window reads the interval rows
            // (1/32-octave buckets, as in timeseries.csv).
            let window = row.map { $0.histograms.first { $0.name == base }?.value ?? CompactHistogram() }
            let count = window?.count ?? full.count
            func quantile(_ q: Double) -> Double {
                guard let value = window.map({ $0.quantile(q) }) ?? full.quantile(q) else { return 0 }
                return Double(value) / 1e6
            }
            switch statistic {
            case "count": return Double(count)
            case "mean": return (window.map { $0.mean } ?? full.mean).map { $0 / 1e6 } ?? 0
            case "p50": return quantile(0.5)
            case "p90": return quantile(0.9)
            case "p99": return quantile(0.99)
            case "p999": return quantile(0.999)
            case "max": return count == 0 ? 0 : Double(window?.max ?? full.max) / 1e6
            default: return nil
            }
        }
        if let gauge = metrics.existingGauge(base) {
            if let row, let window = row.gauges.first(where: { $0.name == base })?.value {
                return statistic == "mean" ? window.mean : statistic == "max" ? window.max : nil
            }
            return statistic == "mean" ? gauge.mean(at: end) : statistic == "max" ? gauge.maximum : nil
        }
        return nil
    }

    /// Every name a query can start from (for "did you mean" suggestions).
    public var knownNames: [String] {
        metrics.counters.map(\.name) + metrics.histograms.map { "\($0.name).p99" } + metrics.gauges.map { "\($0.name).mean" }
            + CounterFormulas.fixedRatios
    }
}

/// The outcome of one expectation.
public struct ExpectationResult: Sendable, Equatable {
    /// The expectation as written.
    public var expectation: Expectation
    /// The measured value (nil when the metric does not exist).
    public var actual: Double?
    /// Whether it held.
    public var passed: Bool
    /// "ok" or what went wrong.
    public var message: String
}

extension MetricQuery {
    /// Checks `expectations`.
    public func check(_ expectations: [Expectation]) -> [ExpectationResult] {
        expectations.map { expectation in
            if let window = expectation.window, window.lowerBound.nanoseconds >= end {
                return ExpectationResult(expectation: expectation, actual: nil, passed: false,
                                         message: "the window starts at or after the end of the run (\(Duration.nanoseconds(end).formattedShort))")
            }
            guard let actual = value(expectation.metric, in: expectation.window) else {
                if knownNames.contains(expectation.metric) {
                    return ExpectationResult(expectation: expectation, actual: nil, passed: false,
                                             message: "\"\(expectation.metric)\" has no value: what it is computed from was never recorded in this run")
                }
                let near = NearestName.nearest(to: expectation.metric, in: knownNames.filter { $0 != expectation.metric }).map { " (did you mean \"\($0)\"?)" } ?? ""
                return ExpectationResult(expectation: expectation, actual: nil, passed: false,
                                         message: "no metric named \"\(expectation.metric)\"\(near)")
            }
            let passed = expectation.holds(for: actual)
            return ExpectationResult(expectation: expectation, actual: actual, passed: passed,
                                     message: passed ? "ok" : "measured \(actual)")
        }
    }
}
