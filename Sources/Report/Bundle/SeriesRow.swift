public import SimKernel

/// One interval of a bundle's time series, [start, end) in nanoseconds: every metric
/// over it, aligned with the series' metric lists (nil for a metric not registered yet
/// in that interval).
public struct SeriesRow: Sendable, Equatable {
    /// Start of the interval (nanoseconds of virtual time).
    public var start: Int64
    /// End of the interval.
    public var end: Int64
    /// Counter increments, by the index of ``RunSeries/counters``.
    public var counters: [Int64?]
    /// Values recorded, by the index of ``RunSeries/histograms`` (empty histograms are
    /// kept as empty ones, never nil, once the metric exists).
    public var histograms: [CompactHistogram?]
    /// Gauges, by the index of ``RunSeries/gauges``.
    public var gauges: [TimeSeries.GaugeWindow?]

    /// A row with the given contents.
    public init(start: Int64, end: Int64, counters: [Int64?], histograms: [CompactHistogram?], gauges: [TimeSeries.GaugeWindow?]) {
        self.start = start
        self.end = end
        self.counters = counters
        self.histograms = histograms
        self.gauges = gauges
    }

    /// Counter `index`'s increment (nil when the counter did not exist yet).
    public func counter(_ index: Int) -> Int64? { index < counters.count ? counters[index] : nil }
    /// Histogram `index` over the interval (nil when it did not exist yet).
    public func histogram(_ index: Int) -> CompactHistogram? { index < histograms.count ? histograms[index] : nil }
    /// Gauge `index` over the interval (nil when it did not exist yet).
    public func gauge(_ index: Int) -> TimeSeries.GaugeWindow? { index < gauges.count ? gauges[index] : nil }

    /// The next row merged into this one, exactly as the live time series merges rows:
    /// counters add, histograms merge bucket by bucket, gauges average weighted by time
    /// and keep the larger maximum and the later last value.
    public mutating func absorb(_ next: SeriesRow) {
        let span = Double(end - start), nextSpan = Double(next.end - next.start)
        end = next.end
        counters = Self.zip(counters, next.counters) { $0 + $1 }
        histograms = Self.zip(histograms, next.histograms) { var merged = $0; merged.merge($1); return merged }
        gauges = Self.zip(gauges, next.gauges) { a, b in
            let total = span + nextSpan
            return TimeSeries.GaugeWindow(mean: total > 0 ? (a.mean * span + b.mean * nextSpan) / total : b.mean,
                                          max: Swift.max(a.max, b.max), last: b.last)
        }
    }

    /// Element-wise combination; a value present on one side only is kept as it is.
    static func zip<V>(_ a: [V?], _ b: [V?], _ combine: (V, V) -> V) -> [V?] {
        (0..<Swift.max(a.count, b.count)).map { index in
            let left = index < a.count ? a[index] : nil, right = index < b.count ? b[index] : nil
            switch (left, right) {
            case let (l?, r?): return combine(l, r)
            case let (l?, nil): return l
            case let (nil, r): return r
            }
        }
    }
}
