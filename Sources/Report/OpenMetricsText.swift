public import SimKernel

/// The time series of a run in the OpenMetrics text format (`metrics.om`), with a
/// timestamp on every sample, so `promtool tsdb create-blocks-from openmetrics` turns it
/// into Prometheus blocks and a team can look at a simulated incident in the Grafana
/// dashboards they already have.
///
/// - Time: a sample's timestamp is the end of its time-series interval, in seconds of
///   simulated time since the Unix epoch 0 (the run starts at 1970-01-01T00:00:00Z).
///   A fixed epoch keeps the file byte-identical for the same world and seed; promtool
///   accepts any timestamp, and Prometheus keeps the blocks when its retention reaches
///   back to 1970 (`--storage.tsdb.retention.time=100y`, see the README).
///   Timestamps have millisecond precision (Prometheus's); intervals that end within the
///   same millisecond are written as one sample.
/// - Names: `deliverysim_<figure>` with the metric's descriptor (``MetricDescriptor``)
///   as labels `service`, `callee`, `reason`, so `gateway.calls.menu.failed.deadline`
///   is `deliverysim_calls_failed_total{service="gateway",callee="menu",reason="deadline"}`.
///   A metric without a descriptor keeps its whole name and has no labels.
/// - Counters: `_total`, cumulative since the start of the run.
/// - Histograms (latencies): cumulative `_bucket{le=…}`, `_count` and `_sum` in seconds
///   (`# UNIT seconds`), at the bounds in ``bucketBounds``. A bucket's count is exact
///   to within the run's 1/32-octave histogram precision (about 2%). Histograms, not
///   summaries: buckets can be summed over services and intervals and give any quantile
///   (`histogram_quantile`), which precomputed quantiles cannot.
/// - Gauges: the time-weighted mean over the interval ending at the timestamp, and its
///   maximum as a second family `<name>_max`.
///
/// Families are written whole, one after another (never interleaved), each series' samples
/// in increasing time, and the text ends with `# EOF`.
public enum OpenMetricsText {
    /// Upper bounds of the histogram buckets, in seconds (then `+Inf`): from a
    /// millisecond (a service's work) to an hour (an order's delivery).
    public static let bucketBounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600,
    ]

    /// Prefix of every family name.
    public static let namespace = "deliverysim_"

    /// The OpenMetrics text for `metrics`' time series.
    public static func text(_ metrics: Metrics) -> String {
        let families = Family.group(metrics)
        let rows = Self.rows(metrics)
        var out = ""
        out.reserveCapacity(1 << 16)
        for family in families {
            family.write(rows: rows, to: &out)
        }
        out += "# EOF\n"
        return out
    }

    /// The rows to write (none when the run kept no time series: every world keeps one).
    static func rows(_ metrics: Metrics) -> [TimeSeries.Row] { metrics.timeSeries?.rows ?? [] }

    /// Milliseconds of a nanosecond instant (rounded down, as Prometheus stores them).
    static func milliseconds(_ nanoseconds: Int64) -> Int64 { nanoseconds / 1_000_000 }

    /// `12.345` for 12,345 ms.
    static func timestamp(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return String(milliseconds / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// A sample value: integers without a fraction, shortest round-trip otherwise,
    /// OpenMetrics' spellings of the non-finite values.
    static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return TimeSeriesCSV.number(value)
    }

    /// `[a-zA-Z0-9_]` kept, everything else (dots, dashes) becomes `_`.
    static func sanitized(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            result.unicodeScalars.append(ok ? scalar : "_")
        }
        return result
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}

extension OpenMetricsText {
    /// One metric family: a name, a type, and the series (label sets) in it, each the
    /// metric of the run it comes from.
    struct Family {
        enum Kind { case counter, histogram, gauge, gaugeMax }

        /// The family name without the `_total` suffix of counters.
        var name: String
        var kind: Kind
        var help: String
        /// Whether values are nanoseconds, written as seconds (`# UNIT seconds`).
        var seconds: Bool
        /// (label text such as `{service="gateway"}`, metric name in the run, its
        /// position among the run's metrics of its kind — where rows usually hold it).
        var series: [(labels: String, metric: String, position: Int)] = []

        /// The families of `metrics`, in the order their first metric was registered
        /// (counters, then histograms, then gauges), so the file is deterministic.
        static func group(_ metrics: Metrics) -> [Family] {
            var families: [Family] = []
            var index: [String: Int] = [:]
            // Each family's label sets so far, looked up rather than scanned (a scan per
            // metric made a world of N services cost N²).
            var taken: [Int: Set<String>] = [:]
            func add(_ metric: String, _ descriptor: MetricDescriptor?, _ kind: Kind, _ registered: Int) {
                var base = namespace + sanitized(descriptor?.figure ?? metric)
                if kind == .gaugeMax { base += "_max" }
                let seconds = kind == .histogram || descriptor?.unit == .nanoseconds
                if seconds { base += "_seconds" }
                // A name another kind already took gets the kind appended.
                var name = base
                if let existing = index[name], families[existing].kind != kind { name = base + "_" + "\(kind)".lowercased() }
                var labels: [String] = []
                if let descriptor {
                    labels.append("service=\"\(escaped(descriptor.service))\"")
                    if let callee = descriptor.callee { labels.append("callee=\"\(escaped(callee))\"") }
                    if let reason = descriptor.reason { labels.append("reason=\"\(escaped(reason))\"") }
                }
                let position: Int
                if let existing = index[name] {
                    position = existing
                } else {
                    position = families.count
                    index[name] = position
                    families.append(Family(name: name, kind: kind, help: help(metric, descriptor, kind), seconds: seconds))
                }
                var labelText = labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}"
                // Two metrics of one family with the same labels stay apart by their name.
                if taken[position, default: []].contains(labelText) {
                    labels.append("metric=\"\(escaped(metric))\"")
                    labelText = "{" + labels.joined(separator: ",") + "}"
                }
                taken[position, default: []].insert(labelText)
                families[position].series.append((labelText, metric, registered))
            }
            for (position, counter) in metrics.counters.enumerated() { add(counter.name, counter.descriptor, .counter, position) }
            for (position, histogram) in metrics.histograms.enumerated() where histogram.total.count > 0 {
                add(histogram.name, histogram.descriptor, .histogram, position)
            }
            for (position, gauge) in metrics.gauges.enumerated() { add(gauge.name, gauge.descriptor, .gauge, position) }
            for (position, gauge) in metrics.gauges.enumerated() { add(gauge.name, gauge.descriptor, .gaugeMax, position) }
            return families
        }

        static func help(_ metric: String, _ descriptor: MetricDescriptor?, _ kind: Kind) -> String {
            let what = descriptor.map { "\"\($0.figure)\"" + ($0.callee == nil ? "" : " per callee") + ($0.reason == nil ? "" : " by reason") }
                ?? "\"\(metric)\""
            switch kind {
            case .counter: return "DeliverySim counter \(what) (docs/worlds.md, Metric names), since the start of the run"
            case .histogram: return "DeliverySim histogram \(what) in seconds of simulated time, since the start of the run"
            case .gauge: return "DeliverySim gauge \(what), time-weighted mean over the interval ending at the sample"
            case .gaugeMax: return "DeliverySim gauge \(what), maximum over the interval ending at the sample"
            }
        }

        func write(rows: [TimeSeries.Row], to out: inout String) {
            let typeName: String
            switch kind {
            case .counter: typeName = "counter"
            case .histogram: typeName = "histogram"
            case .gauge, .gaugeMax: typeName = "gauge"
            }
            out += "# TYPE \(name) \(typeName)\n"
            if seconds { out += "# UNIT \(name) seconds\n" }
            out += "# HELP \(name) \(help)\n"
            for (labels, metric, position) in series {
                switch kind {
                case .counter: writeCounter(metric, position, labels, rows, &out)
                case .histogram: writeHistogram(metric, position, labels, rows, &out)
                case .gauge, .gaugeMax: writeGauge(metric, position, labels, rows, &out)
                }
            }
        }

        /// The entry named `metric` in one row's list. A row lists the metrics registered
        /// by its end, in registration order (a prefix of the run's list), so the entry is
        /// at `position` or, in rows older than the metric, absent; a search covers any
        /// other order.
        private func entry<V>(_ list: [(name: String, value: V)], _ metric: String, _ position: Int) -> V? {
            guard position < list.count else { return nil }
            if list[position].name == metric { return list[position].value }
            return list.first(where: { $0.name == metric })?.value
        }

        /// Each row's value for `metric` (nil in rows before the metric existed), with
        /// the row's end; rows ending in the same millisecond are folded into the last.
        private func samples<V>(_ rows: [TimeSeries.Row], _ pick: (TimeSeries.Row) -> V?,
                                _ fold: (inout V, V) -> Void) -> [(ms: Int64, value: V)] {
            var result: [(ms: Int64, value: V)] = []
            for row in rows {
                guard let value = pick(row) else { continue }
                let ms = milliseconds(row.end)
                if let last = result.last, last.ms == ms {
                    fold(&result[result.count - 1].value, value)
                } else {
                    result.append((ms, value))
                }
            }
            return result
        }

        private func writeCounter(_ metric: String, _ position: Int, _ labels: String, _ rows: [TimeSeries.Row], _ out: inout String) {
            var total: Int64 = 0
            let increments = samples(rows, { entry($0.counters, metric, position) }, { $0 += $1 })
            for (ms, increment) in increments {
                total += increment
                out += "\(name)_total\(labels) \(total) \(timestamp(ms))\n"
            }
        }

        private func writeHistogram(_ metric: String, _ position: Int, _ labels: String, _ rows: [TimeSeries.Row], _ out: inout String) {
            let inner = labels.isEmpty ? "" : String(labels.dropFirst().dropLast()) + ","
            let thresholds = bucketBounds.map { Int64(($0 * 1e9).rounded()) }
            // Canonical float form ("1.0", not "1"), as OpenMetrics asks of `le`.
            let bounds = bucketBounds.map { bound in
                let text = TimeSeriesCSV.number(bound)
                return text.contains(".") ? text : text + ".0"
            }
            var cumulative = [Int](repeating: 0, count: thresholds.count)
            var count = 0
            var sum: Int128 = 0
            let windows = samples(rows, { entry($0.histograms, metric, position) }, { $0.merge($1) })
            for (ms, window) in windows {
                count += window.count
                sum += window.sum
                let time = timestamp(ms)
                for (bucket, threshold) in thresholds.enumerated() {
                    cumulative[bucket] += window.count - window.countAbove(threshold)
                    out += "\(name)_bucket{\(inner)le=\"\(bounds[bucket])\"} \(cumulative[bucket]) \(time)\n"
                }
                out += "\(name)_bucket{\(inner)le=\"+Inf\"} \(count) \(time)\n"
                out += "\(name)_count\(labels) \(count) \(time)\n"
                out += "\(name)_sum\(labels) \(value(Double(sum) / 1e9)) \(time)\n"
            }
        }

        private func writeGauge(_ metric: String, _ position: Int, _ labels: String, _ rows: [TimeSeries.Row], _ out: inout String) {
            let windows = samples(rows, { entry($0.gauges, metric, position) }) { a, b in
                a.max = Swift.max(a.max, b.max)
                a.mean = b.mean
                a.last = b.last
            }
            let scale = seconds ? 1e-9 : 1
            for (ms, window) in windows {
                out += "\(name)\(labels) \(value((kind == .gaugeMax ? window.max : window.mean) * scale)) \(timestamp(ms))\n"
            }
        }
    }
}
