import SimKernel

/// A run's time series as read back from its bundle (`timeseries.jsonl`): the metrics
/// with their descriptors, and one ``SeriesRow`` per interval. Windows re-merge the
/// rows' histogram buckets exactly, and ``regrid(step:)`` puts two runs of different
/// lengths or intervals on one grid.
public struct RunSeries: Sendable, Equatable {
    /// The interval of the rows when the run ended, nanoseconds (a long run's rows are
    /// merged in pairs and the interval doubles, see `metrics.max_rows`).
    public var interval: Int64
    /// Counters, in the order the run registered them.
    public var counters: [SeriesMetric]
    /// Histograms, in registration order.
    public var histograms: [SeriesMetric]
    /// Gauges, in registration order.
    public var gauges: [SeriesMetric]
    /// The intervals, oldest first.
    public var rows: [SeriesRow]
    private var counterIndex: [String: Int] = [:]
    private var histogramIndex: [String: Int] = [:]
    private var gaugeIndex: [String: Int] = [:]

    /// A series with the given metrics and rows.
    public init(interval: Int64, counters: [SeriesMetric], histograms: [SeriesMetric], gauges: [SeriesMetric], rows: [SeriesRow]) {
        self.interval = interval
        self.counters = counters
        self.histograms = histograms
        self.gauges = gauges
        self.rows = rows
        for (index, metric) in counters.enumerated() { counterIndex[metric.name] = index }
        for (index, metric) in histograms.enumerated() { histogramIndex[metric.name] = index }
        for (index, metric) in gauges.enumerated() { gaugeIndex[metric.name] = index }
    }

    /// Same interval, metrics and rows (the name indexes follow from the metrics).
    public static func == (a: RunSeries, b: RunSeries) -> Bool {
        a.interval == b.interval && a.counters == b.counters && a.histograms == b.histograms && a.gauges == b.gauges
            && a.rows == b.rows
    }

    /// End of the last row (0 without rows).
    public var end: Int64 { rows.last?.end ?? 0 }

    /// Index of the counter `name` in ``counters``.
    public func counter(_ name: String) -> Int? { counterIndex[name] }
    /// Index of the histogram `name` in ``histograms``.
    public func histogram(_ name: String) -> Int? { histogramIndex[name] }
    /// Index of the gauge `name` in ``gauges``.
    public func gauge(_ name: String) -> Int? { gaugeIndex[name] }

    /// The rows overlapping [from, to) merged into one, as the live series' window is
    /// (nil when none overlaps): an expectation's window, re-merged from the buckets.
    public func window(from: Int64, to: Int64) -> SeriesRow? {
        var result: SeriesRow?
        for row in rows where row.end > from && row.start < to {
            if result == nil { result = row } else { result!.absorb(row) }
        }
        return result
    }

    /// The rows merged onto a grid of `step` nanoseconds from 0: cell k holds every row
    /// that starts in [k·step, (k+1)·step), so with a step that is a multiple of the
    /// rows' interval every cell is an exact merge. A cell no row starts in is an empty
    /// row spanning the cell. Its start and end are those of the rows merged, so rates
    /// divide by the time actually covered (the run's last, partial interval included).
    public func regrid(step: Int64) -> [SeriesRow] {
        precondition(step > 0)
        guard let last = rows.last else { return [] }
        let cells = Int((last.start / step) + 1)
        var grid: [SeriesRow?] = Array(repeating: nil, count: cells)
        for row in rows {
            let cell = Int(row.start / step)
            if grid[cell] == nil { grid[cell] = row } else { grid[cell]!.absorb(row) }
        }
        return grid.enumerated().map { cell, row in
            row ?? SeriesRow(start: Int64(cell) * step, end: Int64(cell + 1) * step, counters: [], histograms: [], gauges: [])
        }
    }
}
