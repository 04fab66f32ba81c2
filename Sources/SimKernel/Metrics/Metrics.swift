/// The metrics of one world: named counters, histograms and gauges, and optionally their
/// time series, one row per interval of virtual time.
///
/// Names are kept in registration order and reported sorted, never in a dictionary's
/// order. Memory is bounded: histograms are log-bucketed, and the time series holds at
/// most ``TimeSeries/maxRows`` rows — when a long run would exceed it, neighbouring rows
/// are merged and the interval doubles.
public final class Metrics: @unchecked Sendable {
    private unowned(unsafe) let executor: SimExecutor
    private var counterIndex: [String: CounterMetric] = [:]
    private var histogramIndex: [String: HistogramMetric] = [:]
    private var gaugeIndex: [String: GaugeMetric] = [:]
    /// Counters in registration order.
    public private(set) var counters: [CounterMetric] = []
    /// Histograms in registration order.
    public private(set) var histograms: [HistogramMetric] = []
    /// Gauges in registration order.
    public private(set) var gauges: [GaugeMetric] = []
    /// The time series, when one is kept (see ``keepTimeSeries(interval:)``).
    public private(set) var timeSeries: TimeSeries?

    /// The names of every metric the world may record, declared by its parts as they are
    /// built (see ``MetricVocabulary``); declaring makes no metric.
    public private(set) var vocabulary = MetricVocabulary()

    init(executor: SimExecutor) { self.executor = executor }

    /// Declares that the world may record the metric `name` of `kind` (makes no metric).
    public func declare(_ kind: MetricDescriptor.Kind, _ name: String) {
        vocabulary.declare(kind, name)
    }

    /// Declares that the world may record `<base>.<reason>` of `kind` for each reason
    /// (makes no metric).
    public func declare(_ kind: MetricDescriptor.Kind, _ base: String, reasons: [String]) {
        vocabulary.declare(kind, base, reasons: reasons)
    }

    /// Declares every metric made so far: what a world made while it was built exists
    /// before it runs. Called once the world is built.
    public func declareExisting() {
        for metric in counters { vocabulary.declare(.counter, metric.name) }
        for metric in histograms { vocabulary.declare(.histogram, metric.name) }
        for metric in gauges { vocabulary.declare(.gauge, metric.name) }
    }

    /// The metrics recorded so far that no part declared, sorted by name: empty unless a
    /// part records a metric it did not declare when it was built.
    public var undeclared: [String] {
        vocabulary.undeclared(counters.map { ($0.name, .counter) } + histograms.map { ($0.name, .histogram) }
            + gauges.map { ($0.name, .gauge) })
    }

    /// The counter named `name`, created on first use.
    public func counter(_ name: String) -> CounterMetric {
        if let existing = counterIndex[name] { return existing }
        let metric = CounterMetric(name: name)
        counterIndex[name] = metric
        counters.append(metric)
        familyIndex = nil
        return metric
    }

    /// Counters by each prefix of their names that ends with a dot (`order.`,
    /// `order.failed.`), in registration order; built when first asked for and dropped
    /// whenever the set of counters changes.
    private var familyIndex: [String: [CounterMetric]]?

    /// The counters whose names start with `prefix`, in registration order. Answered from
    /// an index when `prefix` ends with a dot, so a report asking once per service is
    /// linear in the metrics, not quadratic.
    public func counters(withPrefix prefix: String) -> [CounterMetric] {
        guard prefix.hasSuffix(".") else { return counters.filter { $0.name.hasPrefix(prefix) } }
        if familyIndex == nil {
            var index: [String: [CounterMetric]] = [:]
            for metric in counters {
                let utf8 = metric.name.utf8
                var position = utf8.startIndex
                while let dot = utf8[position...].firstIndex(of: UInt8(ascii: ".")) {
                    position = utf8.index(after: dot)
                    index[String(metric.name[..<position]), default: []].append(metric)
                }
            }
            familyIndex = index
        }
        return familyIndex?[prefix] ?? []
    }

    /// The counter named `name`, created on first use, described by `descriptor` (the
    /// first description given wins).
    public func counter(_ name: String, describedAs descriptor: MetricDescriptor) -> CounterMetric {
        let metric = counter(name)
        if metric.descriptor == nil { metric.descriptor = descriptor }
        return metric
    }

    /// The histogram named `name`, created on first use, described by `descriptor` (the
    /// first description given wins).
    public func histogram(_ name: String, describedAs descriptor: MetricDescriptor) -> HistogramMetric {
        let metric = histogram(name)
        if metric.descriptor == nil { metric.descriptor = descriptor }
        return metric
    }

    /// The histogram named `name`, created on first use.
    public func histogram(_ name: String) -> HistogramMetric {
        if let existing = histogramIndex[name] { return existing }
        let metric = HistogramMetric(name: name)
        histogramIndex[name] = metric
        histograms.append(metric)
        return metric
    }

    /// The gauge named `name`, created on first use, described by `descriptor` (the first
    /// description given wins).
    public func gauge(_ name: String, describedAs descriptor: MetricDescriptor) -> GaugeMetric {
        let metric = gauge(name)
        if metric.descriptor == nil { metric.descriptor = descriptor }
        return metric
    }

    /// The gauge named `name`, created on first use.
    public func gauge(_ name: String) -> GaugeMetric {
        if let existing = gaugeIndex[name] { return existing }
        let metric = GaugeMetric(name: name, executor: executor)
        gaugeIndex[name] = metric
        gauges.append(metric)
        return metric
    }

    /// Looks up an existing counter.
    public func existingCounter(_ name: String) -> CounterMetric? { counterIndex[name] }
    /// Looks up an existing histogram.
    public func existingHistogram(_ name: String) -> HistogramMetric? { histogramIndex[name] }
    /// Looks up an existing gauge.
    public func existingGauge(_ name: String) -> GaugeMetric? { gaugeIndex[name] }

    /// Runs `body` and then puts every metric back as it was before: values, windows,
    /// and the set of metrics (any made inside `body` are forgotten). For winding a
    /// finished world down: tasks cancelled at shutdown run their cancellation paths
    /// (a customer's poll ends "failed"), which would otherwise count in a run that had
    /// already ended. O(metrics); nothing on the recording path.
    func keepingValues(_ body: () -> Void) {
        let counterCount = counters.count, histogramCount = histograms.count, gaugeCount = gauges.count
        let counterValues = counters.map { ($0._total, $0.window) }
        let histogramValues = histograms.map { ($0.closed, $0.window) }
        let gaugeValues = gauges.map(\.state)
        body()
        for metric in counters[counterCount...] { counterIndex[metric.name] = nil }
        for metric in histograms[histogramCount...] { histogramIndex[metric.name] = nil }
        for metric in gauges[gaugeCount...] { gaugeIndex[metric.name] = nil }
        counters.removeSubrange(counterCount...)
        familyIndex = nil
        histograms.removeSubrange(histogramCount...)
        gauges.removeSubrange(gaugeCount...)
        for (metric, value) in zip(counters, counterValues) { (metric._total, metric.window) = value }
        for (metric, value) in zip(histograms, histogramValues) { (metric.closed, metric.window) = value }
        for (metric, value) in zip(gauges, gaugeValues) { metric.state = value }
    }

    /// Starts keeping one row per `interval` nanoseconds of virtual time.
    public func keepTimeSeries(interval: Int64, maxRows: Int = TimeSeries.defaultMaxRows) {
        precondition(interval > 0)
        timeSeries = TimeSeries(interval: interval, maxRows: maxRows)
    }

    /// The end of the current interval (nanoseconds), or `.max` without a time series.
    public var nextBoundary: Int64 {
        guard let timeSeries else { return .max }
        return timeSeries.currentStart + timeSeries.interval
    }

    /// Closes every interval that ended at or before `time`. The run loop calls this
    /// when virtual time crosses ``nextBoundary``.
    public func advance(to time: Int64) {
        // Only the boundary is read: a binding of the series itself would stay alive
        // across `closeInterval` and make its in-place append copy every row.
        while let boundary = timeSeries.map({ $0.currentStart + $0.interval }), time >= boundary {
            closeInterval(at: boundary)
        }
    }

    /// Closes the partial interval at the end of a run (or of one slice of it).
    ///
    /// The close is provisional: a world run in slices (`run(until:)` several times)
    /// must give the rows one run gives, so ``resume()`` at the start of the next slice
    /// takes the partial row back and reopens its windows exactly as they were (a run
    /// that cannot advance time calls ``keepClosed()`` instead).
    public func finish(at time: Int64) {
        advance(to: time)
        guard let series = timeSeries, time > series.currentStart else { return }
        provisional = ProvisionalClose(
            series: series, counterWindows: counters.map(\.window),
            histogramWindows: histograms.map { ($0.closed, $0.window) }, gauges: gauges.map(\.state))
        closeInterval(at: time)
    }

    /// Leaves the partial interval ``finish(at:)`` closed for good.
    func keepClosed() { provisional = nil }

    /// Reopens the partial interval ``finish(at:)`` closed, if any: the run goes on. Only
    /// what the world recorded is put back: nothing may record metrics between slices.
    func resume() {
        guard let close = provisional else { return }
        provisional = nil
        timeSeries = close.series
        for (metric, window) in zip(counters, close.counterWindows) { metric.window = window }
        for (metric, value) in zip(histograms, close.histogramWindows) { (metric.closed, metric.window) = value }
        for (metric, state) in zip(gauges, close.gauges) { metric.state = state }
    }

    /// What a provisional close changed: the series before it, and each metric's window.
    /// Metrics made after the close (none, between slices) have nothing to put back.
    private struct ProvisionalClose {
        var series: TimeSeries
        var counterWindows: [Int64]
        var histogramWindows: [(closed: Histogram, window: Histogram)]
        var gauges: [GaugeMetric.State]
    }

    private var provisional: ProvisionalClose?

    private func closeInterval(at end: Int64) {
        guard let start = timeSeries?.currentStart else { return }
        var row = TimeSeries.Row(start: start, end: end)
        row.counters = counters.map { metric in
            defer { metric.window = 0 }
            return (metric.name, metric.window)
        }
        row.histograms = histograms.map { ($0.name, CompactHistogram($0.closeWindow())) }
        row.gauges = gauges.map { metric in
            let closed = metric.closeWindow(at: end)
            return (metric.name, TimeSeries.GaugeWindow(mean: closed.mean, max: closed.max, last: closed.last))
        }
        // Appended in place: a local copy of the series would share its rows' storage,
        // and appending to the copy would copy every row kept — quadratic in the rows.
        timeSeries!.append(row)
    }
}
