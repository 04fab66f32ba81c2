public import SimKernel
import World

/// The time series of a run as JSON Lines (`timeseries.jsonl`), complete enough to be
/// re-merged exactly: histogram buckets, not percentiles, and every metric's descriptor.
///
/// Line 1, the header (keys sorted, as every line):
/// ```
/// {"counters":[M...],"end_ns":915000000000,"format":"delivery-sim.timeseries","gauges":[M...],
///  "histograms":[M...],"interval_ns":10000000000,"version":1}
/// ```
/// where each `M` is `{"name":..., "unit":"count"|"nanoseconds", "service":..., "figure":...,
/// "callee":..., "reason":...}` (only `name` for a metric made without a descriptor;
/// `callee` and `reason` only when set), in the order the run registered them.
///
/// Then one line per interval, oldest first:
/// ```
/// {"c":[12,0,null,...],"g":[[mean,max,last],null,...],"h":[[i,count,sum,min,max,b,n,b,n...],...],"t":[start_ns,end_ns]}
/// ```
/// - `c`: counter increments, position = index in `counters`; `null` for a counter not
///   registered yet; trailing `null`s dropped.
/// - `g`: gauges as time-weighted mean, maximum and value at the end; same alignment.
/// - `h`: the non-empty histograms only: index in `histograms`, count, exact sum (an
///   integer, or a decimal string beyond 64 bits), min, max, then (bucket, count)
///   pairs of ``CompactHistogram`` (1/32 octave) with bucket indices delta-encoded (the
///   first absolute, each next one the difference from the previous).
/// Doubles are written in their shortest round-trip form, so the file reads back to the
/// very values the run held.
public enum TimeSeriesJSONL {
    /// The format's name in the header.
    public static let format = "delivery-sim.timeseries"
    /// The format's version.
    public static let version = 1

    /// The JSON Lines text of `metrics`' time series (`end`: when the run stopped).
    public static func text(_ metrics: Metrics, end: Int64) -> String {
        let counters = metrics.counters.map { SeriesMetric(name: $0.name, kind: .counter, descriptor: $0.descriptor) }
        let histograms = metrics.histograms.map { SeriesMetric(name: $0.name, kind: .histogram, descriptor: $0.descriptor) }
        let gauges = metrics.gauges.map { SeriesMetric(name: $0.name, kind: .gauge, descriptor: $0.descriptor) }
        var counterIndex: [String: Int] = [:], histogramIndex: [String: Int] = [:], gaugeIndex: [String: Int] = [:]
        for (index, metric) in counters.enumerated() { counterIndex[metric.name] = index }
        for (index, metric) in histograms.enumerated() { histogramIndex[metric.name] = index }
        for (index, metric) in gauges.enumerated() { gaugeIndex[metric.name] = index }
        let interval = metrics.timeSeries?.interval ?? 0
        var lines = [CanonicalJSON.string(.object([
            ("format", .string(format)), ("version", .int(version)),
            ("interval_ns", .int(Int(interval))), ("end_ns", .int(Int(end))),
            ("counters", .array(counters.map(header))), ("histograms", .array(histograms.map(header))),
            ("gauges", .array(gauges.map(header))),
        ]), style: .compact)]
        for row in metrics.timeSeries?.rows ?? [] {
            var c: [Int64?] = Array(repeating: nil, count: counters.count)
            for entry in row.counters { if let index = counterIndex[entry.name] { c[index] = entry.value } }
            var g: [TimeSeries.GaugeWindow?] = Array(repeating: nil, count: gauges.count)
            for entry in row.gauges { if let index = gaugeIndex[entry.name] { g[index] = entry.value } }
            var h: [(Int, CompactHistogram)] = []
            for entry in row.histograms where entry.value.count > 0 {
                if let index = histogramIndex[entry.name] { h.append((index, entry.value)) }
            }
            h.sort { $0.0 < $1.0 }
            while c.last.map({ $0 == nil }) == true { c.removeLast() }
            while g.last.map({ $0 == nil }) == true { g.removeLast() }
            lines.append(CanonicalJSON.string(.object([
                ("t", .array([.int(Int(row.start)), .int(Int(row.end))])),
                ("c", .array(c.map { $0.map { .int(Int($0)) } ?? .null })),
                ("g", .array(g.map { $0.map { .array([.double($0.mean), .double($0.max), .double($0.last)]) } ?? .null })),
                ("h", .array(h.map { histogram($0.0, $0.1) })),
            ]), style: .compact))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func header(_ metric: SeriesMetric) -> JSONValue {
        guard let d = metric.descriptor else { return .object([("name", .string(metric.name))]) }
        var fields: [(String, JSONValue)] = [
            ("name", .string(metric.name)), ("unit", .string(d.unit.rawValue)),
            ("service", .string(d.service)), ("figure", .string(d.figure)),
        ]
        if let callee = d.callee { fields.append(("callee", .string(callee))) }
        if let reason = d.reason { fields.append(("reason", .string(reason))) }
        return .object(fields)
    }

    static func histogram(_ index: Int, _ h: CompactHistogram) -> JSONValue {
        let sum: JSONValue = h.sum >= Int128(Int64.min) && h.sum <= Int128(Int64.max) ? .int(Int(Int64(h.sum))) : .string(String(h.sum))
        var values: [JSONValue] = [.int(index), .int(h.count), sum, .int(Int(h.min)), .int(Int(h.max))]
        var previous: Int32 = 0
        for (position, bucket) in h.nonEmptyBuckets.enumerated() {
            values.append(.int(Int(position == 0 ? bucket.index : bucket.index - previous)))
            values.append(.int(Int(bucket.count)))
            previous = bucket.index
        }
        return .array(values)
    }

    // MARK: Reading

    /// Reads the text of a `timeseries.jsonl` (named `file` in errors).
    public static func read(_ text: String, file: String) throws(BundleError) -> RunSeries {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first else { throw BundleError(file, "is empty; expected a header line") }
        let header = try parse(first, file: file, line: 1)
        guard header["format"]?.stringValue == format else {
            throw BundleError(file, line: 1, "expected \"format\": \"\(format)\", found \(header["format"]?.summary ?? "none")")
        }
        guard header["version"]?.numberValue?.int == version else {
            throw BundleError(file, line: 1, "expected \"version\": \(version), found \(header["version"]?.summary ?? "none")")
        }
        guard let interval = header["interval_ns"]?.numberValue?.int64, interval >= 0 else {
            throw BundleError(file, line: 1, "expected \"interval_ns\", an integer >= 0")
        }
        func metrics(_ key: String, _ kind: MetricDescriptor.Kind) throws(BundleError) -> [SeriesMetric] {
            guard let list = header[key]?.arrayValue else { throw BundleError(file, line: 1, "expected \"\(key)\", an array of metrics") }
            var result: [SeriesMetric] = []
            for (position, entry) in list.enumerated() {
                guard let name = entry["name"]?.stringValue else {
                    throw BundleError(file, line: 1, "\(key)[\(position)]: expected a \"name\" string, found \(entry.summary)")
                }
                var descriptor: MetricDescriptor?
                if let service = entry["service"]?.stringValue {
                    guard let unit = entry["unit"]?.stringValue.flatMap(MetricDescriptor.Unit.init(rawValue:)),
                          let figure = entry["figure"]?.stringValue else {
                        throw BundleError(file, line: 1, "\(key)[\(position)] (\(name)): a described metric needs \"unit\" (count or nanoseconds) and \"figure\"")
                    }
                    descriptor = MetricDescriptor(kind, unit: unit, service: service, figure: figure,
                                                  callee: entry["callee"]?.stringValue, reason: entry["reason"]?.stringValue)
                }
                result.append(SeriesMetric(name: name, kind: kind, descriptor: descriptor))
            }
            return result
        }
        let counters = try metrics("counters", .counter)
        let histograms = try metrics("histograms", .histogram)
        let gauges = try metrics("gauges", .gauge)
        var rows: [SeriesRow] = []
        rows.reserveCapacity(lines.count - 1)
        for (offset, text) in lines.dropFirst().enumerated() {
            let line = offset + 2
            let value = try parse(text, file: file, line: line)
            func fail(_ message: String) -> BundleError { BundleError(file, line: line, message) }
            guard let t = value["t"]?.arrayValue, t.count == 2, let start = t[0].numberValue?.int64,
                  let end = t[1].numberValue?.int64, start < end else {
                throw fail("expected \"t\": [start_ns, end_ns] with start < end")
            }
            if let previous = rows.last, previous.end != start {
                throw fail("the interval starts at \(start) ns, not where the previous one ended (\(previous.end) ns)")
            }
            guard let c = value["c"]?.arrayValue, c.count <= counters.count else { throw fail("expected \"c\", at most \(counters.count) counter values") }
            var rowCounters: [Int64?] = []
            for (index, cell) in c.enumerated() {
                if cell.isNull { rowCounters.append(nil); continue }
                guard let number = cell.numberValue?.int64 else { throw fail("c[\(index)]: expected an integer or null, found \(cell.summary)") }
                rowCounters.append(number)
            }
            guard let g = value["g"]?.arrayValue, g.count <= gauges.count else { throw fail("expected \"g\", at most \(gauges.count) gauge values") }
            var rowGauges: [TimeSeries.GaugeWindow?] = []
            for (index, cell) in g.enumerated() {
                if cell.isNull { rowGauges.append(nil); continue }
                guard let parts = cell.arrayValue, parts.count == 3, let mean = parts[0].numberValue?.double,
                      let max = parts[1].numberValue?.double, let last = parts[2].numberValue?.double else {
                    throw fail("g[\(index)]: expected [mean, max, last] or null, found \(cell.summary)")
                }
                rowGauges.append(TimeSeries.GaugeWindow(mean: mean, max: max, last: last))
            }
            guard let h = value["h"]?.arrayValue else { throw fail("expected \"h\", an array of histograms") }
            // A histogram that exists in this row and recorded nothing is an empty one.
            var rowHistograms: [CompactHistogram?] = Array(repeating: CompactHistogram(), count: histograms.count)
            for (position, cell) in h.enumerated() {
                guard let parts = cell.arrayValue, parts.count >= 5, parts.count % 2 == 1,
                      let index = parts[0].numberValue?.int, histograms.indices.contains(index),
                      let count = parts[1].numberValue?.int, let min = parts[3].numberValue?.int64,
                      let max = parts[4].numberValue?.int64,
                      let sum = parts[2].numberValue?.int64.map({ Int128($0) }) ?? parts[2].stringValue.flatMap({ Int128($0, radix: 10) }) else {
                    throw fail("h[\(position)]: expected [index, count, sum, min, max, bucket, count, ...], found \(cell.summary)")
                }
                var buckets: [(index: Int32, count: UInt32)] = []
                var bucket: Int64 = 0
                for pair in stride(from: 5, to: parts.count, by: 2) {
                    guard let delta = parts[pair].numberValue?.int64, let n = parts[pair + 1].numberValue?.int64,
                          delta >= 0, n > 0, n <= Int64(UInt32.max) else { throw fail("h[\(position)]: malformed bucket at element \(pair)") }
                    bucket = pair == 5 ? delta : bucket + delta
                    guard bucket <= Int64(Int32.max) else { throw fail("h[\(position)]: bucket index out of range") }
                    buckets.append((Int32(bucket), UInt32(n)))
                }
                guard let histogram = CompactHistogram(count: count, sum: sum, min: min, max: max, buckets: buckets) else {
                    throw fail("h[\(position)] (\(histograms[index].name)): the buckets do not add up to the count, or min/max disagree")
                }
                rowHistograms[index] = histogram
            }
            rows.append(SeriesRow(start: start, end: end, counters: rowCounters, histograms: rowHistograms, gauges: rowGauges))
        }
        return RunSeries(interval: interval, counters: counters, histograms: histograms, gauges: gauges, rows: rows)
    }

    private static func parse(_ line: Substring, file: String, line number: Int) throws(BundleError) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(line.utf8), file: file, limits: RunBundle.limits)
        } catch {
            throw BundleError(file, line: number, "not valid JSON (\(error.diagnostics.first?.message ?? "\(error)"))")
        }
        guard value.objectValue != nil else { throw BundleError(file, line: number, "expected an object, found \(value.summary)") }
        return value
    }
}
