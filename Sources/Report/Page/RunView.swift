import SimKernel
import World

/// A bundle's series on a grid of cells, with the arithmetic charts need: rates per
/// second of simulated time, quantiles from the re-merged buckets, time-weighted gauge
/// means. Metrics are found by their descriptors.
struct RunView {
    let bundle: RunBundle
    let step: Int64
    let cells: [SeriesRow]
    /// The first counter, histogram and gauge of each (service, figure, reason) with no
    /// callee: charts look metrics up per service, and a scan per lookup made a report
    /// of N services cost N² (10,000 services took minutes).
    private let counterIndex: [Key: Int]
    private let histogramIndex: [Key: Int]
    private let gaugeIndex: [Key: Int]
    /// Each service's spec by name (`WorldSpec.service(_:)` scans, copying every spec).
    private let specs: [String: ServiceSpec]

    /// A service's own figure (no callee), optionally by reason.
    private struct Key: Hashable {
        let service: String?
        let figure: String
        let reason: String?
    }

    /// The bundle on cells of `step` nanoseconds.
    init(_ bundle: RunBundle, step: Int64) {
        self.bundle = bundle
        self.step = step
        cells = bundle.series.regrid(step: step)
        func index(_ metrics: [SeriesMetric], byReason: Bool = true) -> [Key: Int] {
            var index: [Key: Int] = [:]
            for (position, metric) in metrics.enumerated() {
                guard let descriptor = metric.descriptor, descriptor.callee == nil else { continue }
                let key = Key(service: descriptor.service, figure: descriptor.figure, reason: byReason ? descriptor.reason : nil)
                if index[key] == nil { index[key] = position }
            }
            return index
        }
        counterIndex = index(bundle.series.counters)
        histogramIndex = index(bundle.series.histograms, byReason: false)
        gaugeIndex = index(bundle.series.gauges)
        specs = Dictionary(bundle.world.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        services = HumanSummary.requestFlowOrder(bundle.world.services).map(\.name)
    }

    /// A step giving at most `maxCells` cells for a run of `end` with rows of `interval`:
    /// a whole multiple of the interval, so cells are exact merges.
    static func step(interval: Int64, end: Int64, maxCells: Int = 240) -> Int64 {
        guard interval > 0 else { return max(end, 1) }
        let rows = (end + interval - 1) / interval
        let factor = max(1, (rows + Int64(maxCells) - 1) / Int64(maxCells))
        return interval * factor
    }

    var series: RunSeries { bundle.series }
    var world: WorldSpec { bundle.world }
    var xMax: Double { Double(max(bundle.end, series.end)) / 1e9 }

    func x(_ cell: SeriesRow) -> Double { Double(cell.start + cell.end) / 2e9 }

    func points(_ value: (SeriesRow) -> Double?) -> [(x: Double, y: Double?)] {
        cells.map { cell in
            let measured = cell.end > cell.start && !(cell.counters.isEmpty && cell.histograms.isEmpty && cell.gauges.isEmpty)
            return (x(cell), measured ? value(cell) : nil)
        }
    }

    // MARK: Finding metrics by descriptor

    func counters(where match: (MetricDescriptor) -> Bool) -> [(index: Int, descriptor: MetricDescriptor)] {
        series.counters.enumerated().compactMap { index, metric in metric.descriptor.flatMap { match($0) ? (index, $0) : nil } }
    }
    func histograms(where match: (MetricDescriptor) -> Bool) -> [(index: Int, descriptor: MetricDescriptor)] {
        series.histograms.enumerated().compactMap { index, metric in metric.descriptor.flatMap { match($0) ? (index, $0) : nil } }
    }
    func gauges(where match: (MetricDescriptor) -> Bool) -> [(index: Int, descriptor: MetricDescriptor)] {
        series.gauges.enumerated().compactMap { index, metric in metric.descriptor.flatMap { match($0) ? (index, $0) : nil } }
    }
    func counter(_ service: String, _ figure: String, reason: String? = nil) -> Int? {
        counterIndex[Key(service: service, figure: figure, reason: reason)]
    }
    func histogram(_ service: String, _ figure: String) -> Int? {
        histogramIndex[Key(service: service, figure: figure, reason: nil)]
    }
    func gauge(_ service: String, _ figure: String) -> Int? {
        gaugeIndex[Key(service: service, figure: figure, reason: nil)]
    }

    // MARK: Values of one cell

    static func count(_ row: SeriesRow, _ index: Int) -> Int64? { index < row.counters.count ? row.counters[index] : nil }
    static func seconds(_ row: SeriesRow) -> Double { Double(row.end - row.start) / 1e9 }

    static func rate(_ row: SeriesRow, _ indices: [Int]) -> Double? {
        let values = indices.compactMap { count(row, $0) }
        guard !values.isEmpty, seconds(row) > 0 else { return nil }
        return Double(values.reduce(0, +)) / seconds(row)
    }
    static func quantileMs(_ row: SeriesRow, _ index: Int, _ q: Double) -> Double? {
        guard index < row.histograms.count, let histogram = row.histograms[index] else { return nil }
        return histogram.quantile(q).map { Double($0) / 1e6 }
    }
    static func gaugeMean(_ row: SeriesRow, _ index: Int) -> Double? { index < row.gauges.count ? row.gauges[index]?.mean : nil }
    static func gaugeMax(_ row: SeriesRow, _ index: Int) -> Double? { index < row.gauges.count ? row.gauges[index]?.max : nil }

    /// Whether any cell has a non-zero value of counter `index`.
    func anyCount(_ index: Int) -> Bool { series.rows.contains { (Self.count($0, index) ?? 0) > 0 } }
    /// Whether histogram `index` ever recorded.
    func anyRecorded(_ index: Int) -> Bool { series.rows.contains { index < $0.histograms.count && ($0.histograms[index]?.count ?? 0) > 0 } }
    /// Whether gauge `index` was ever above zero.
    func anyLevel(_ index: Int) -> Bool { series.rows.contains { (Self.gaugeMax($0, index) ?? 0) > 0 } }

    // MARK: The run's shape

    /// The services where traffic enters: the gateway of a platform world, or the
    /// services request journeys call.
    var entryServices: [String] {
        if let gateway = world.service(playing: .gateway) { return [gateway.name] }
        var names: [String] = []
        for journey in world.traffic.journeys {
            if case .request(let service) = journey.kind, !names.contains(service) { names.append(service) }
        }
        return names
    }

    /// What "offered load", "goodput" and "latency" mean for this run, as counter and
    /// histogram indices: for a platform world the customers' app calls (every route;
    /// bad traffic is not a customer's), otherwise the entry services' requests.
    var demand: (label: String, offered: [Int], good: [Int], latency: [Int]) {
        let ok = counters { $0.service == "app" && $0.figure == "ok" }.map(\.index)
        if world.hasPlatform, !ok.isEmpty {
            let failed = counters { $0.service == "app" && $0.figure == "failed" }.map(\.index)
            return ("customers' app calls", ok + failed, ok, histograms { $0.service == "app" && $0.figure == "latency" }.map(\.index))
        }
        let entries = entryServices
        return (entries.joined(separator: ", ") + " requests",
                entries.compactMap { counter($0, "requests") }, entries.compactMap { counter($0, "succeeded") },
                entries.compactMap { histogram($0, "latency") })
    }

    /// The histograms `indices` of `row` merged into one.
    static func merged(_ row: SeriesRow, _ indices: [Int]) -> CompactHistogram? {
        var result: CompactHistogram?
        for index in indices {
            guard let histogram = row.histogram(index) else { continue }
            if result == nil { result = histogram } else { result!.merge(histogram) }
        }
        return result
    }

    /// Services in the order a request meets them, as the console lists them (gateway,
    /// auth, menu, order, ..., then generic services).
    let services: [String]

    /// Instances of `service` (breaker bands are shares of them).
    func instances(_ service: String) -> Int { spec(service)?.instances ?? 1 }

    /// The spec of the service named `name`.
    func spec(_ name: String) -> ServiceSpec? { specs[name] }
}
