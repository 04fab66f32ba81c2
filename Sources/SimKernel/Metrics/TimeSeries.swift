/// Metrics per interval of virtual time, in bounded memory.
public struct TimeSeries: Sendable {
    /// A gauge over one interval.
    public struct GaugeWindow: Sendable, Equatable {
        /// Time-weighted mean.
        public var mean: Double
        /// Highest value held.
        public var max: Double
        /// Value at the end of the interval.
        public var last: Double

        /// A gauge window with the given figures (a bundle reader rebuilds rows with it).
        public init(mean: Double, max: Double, last: Double) {
            self.mean = mean
            self.max = max
            self.last = last
        }
    }

    /// One interval: [start, end) in nanoseconds, and each metric over it.
    public struct Row: Sendable {
        public var start: Int64
        public var end: Int64
        /// Counter increments within the interval.
        public var counters: [(name: String, value: Int64)] = []
        /// Values recorded within the interval (compact form, see ``CompactHistogram``).
        public var histograms: [(name: String, value: CompactHistogram)] = []
        /// Gauges over the interval.
        public var gauges: [(name: String, value: GaugeWindow)] = []

        /// Merges the next row into this one (for coarsening and for windows).
        mutating func absorb(_ next: Row) {
            let span = Double(end - start), nextSpan = Double(next.end - next.start)
            end = next.end
            counters = Self.zipByName(counters, next.counters) { $0 + $1 }
            histograms = Self.zipByName(histograms, next.histograms) { var h = $0; h.merge($1); return h }
            gauges = Self.zipByName(gauges, next.gauges) { a, b in
                let total = span + nextSpan
                return GaugeWindow(
                    mean: total > 0 ? (a.mean * span + b.mean * nextSpan) / total : b.mean,
                    max: Swift.max(a.max, b.max), last: b.last)
            }
        }

        /// Metrics registered later appear only in later rows; merge by name, keeping
        /// the registration order of the longer list.
        static func zipByName<V>(_ a: [(name: String, value: V)], _ b: [(name: String, value: V)],
                                 _ combine: (V, V) -> V) -> [(name: String, value: V)] {
            var result = b
            for (index, entry) in result.enumerated() {
                if index < a.count, a[index].name == entry.name {
                    result[index].value = combine(a[index].value, entry.value)
                } else if let match = a.first(where: { $0.name == entry.name }) {
                    result[index].value = combine(match.value, entry.value)
                }
            }
            return result
        }
    }

    /// Rows kept before neighbouring rows are merged.
    public static let defaultMaxRows = 1024

    /// Current interval length, nanoseconds (doubles whenever rows are merged).
    public private(set) var interval: Int64
    /// Closed rows, oldest first.
    public private(set) var rows: [Row] = []
    /// Start of the interval being recorded.
    public private(set) var currentStart: Int64 = 0
    let maxRows: Int

    init(interval: Int64, maxRows: Int) {
        self.interval = interval
        self.maxRows = Swift.max(maxRows, 2)
    }

    mutating func append(_ row: Row) {
        rows.append(row)
        currentStart = row.end
        if rows.count > maxRows { coarsen() }
    }

    /// Halves the number of rows by merging pairs, and doubles the interval.
    private mutating func coarsen() {
        var merged: [Row] = []
        merged.reserveCapacity(rows.count / 2 + 1)
        var index = 0
        while index < rows.count {
            var row = rows[index]
            if index + 1 < rows.count { row.absorb(rows[index + 1]) }
            merged.append(row)
            index += 2
        }
        rows = merged
        interval *= 2
    }

    /// The rows overlapping [from, to) merged into one (nil when none overlap).
    public func window(from: Int64, to: Int64) -> Row? {
        var result: Row?
        for row in rows where row.end > from && row.start < to {
            if result == nil { result = row } else { result!.absorb(row) }
        }
        return result
    }
}
