import SimKernel
import World

/// The charts of a run, chosen from what the run recorded (its metrics' descriptors),
/// never from a list written per world: a service with no rejections has no rejection
/// chart, a world without a broker no broker chart.
enum ReportCharts {
    static func sections(_ view: RunView) -> [ChartSection] {
        [load(view), latency(view), rejections(view), pools(view), cache(view), orders(view), broker(view)]
            .compactMap { $0 }.filter { !$0.charts.isEmpty || $0.id == "rejections" }
    }

    /// Offered load vs goodput (and bad traffic, if any), and the latency of the same calls.
    static func load(_ view: RunView) -> ChartSection? {
        let demand = view.demand
        guard !demand.offered.isEmpty else { return nil }
        let lines = [
            LineSpec(key: "offered", label: "offered (\(demand.label))", points: view.points { RunView.rate($0, demand.offered) }),
            LineSpec(key: "goodput", label: "goodput (answered with success)", points: view.points { RunView.rate($0, demand.good) }),
            LineSpec(key: "failed", label: "not answered with success", points: view.points { row in
                guard let offered = RunView.rate(row, demand.offered), let good = RunView.rate(row, demand.good) else { return nil }
                return offered - good
            }),
        ]
        var charts = [ChartSpec(id: "load", title: "Offered load vs goodput", unit: .perSecond, palette: "load", lines: lines)]
        // Bad traffic on a chart of its own: at its rate it would flatten the customers' lines.
        if let bad = view.series.counter("bad_traffic.arrived"), view.anyCount(bad) {
            charts.append(ChartSpec(id: "load.bad", title: "Bad traffic arrivals", unit: .perSecond, palette: "load",
                                    lines: [LineSpec(key: "bad", label: "requests for products that do not exist", points: view.points { RunView.rate($0, [bad]) })]))
        }
        if !demand.latency.isEmpty {
            charts.append(ChartSpec(id: "load.latency", title: "Latency of those calls", unit: .milliseconds, palette: "quantile", lines: [
                LineSpec(key: "p50", label: "p50", points: view.points { RunView.merged($0, demand.latency)?.quantile(0.5).map { Double($0) / 1e6 } }),
                LineSpec(key: "p99", label: "p99", points: view.points { RunView.merged($0, demand.latency)?.quantile(0.99).map { Double($0) / 1e6 } }),
            ]))
        }
        return ChartSection(id: "load", title: "Load and goodput",
                            note: "Calls offered (\(demand.label)) and those answered with success, per second of simulated time; their latency as the caller sees it.",
                            charts: charts)
    }

    /// p50 and p99 latency of each service, one small chart each.
    static func latency(_ view: RunView) -> ChartSection {
        let charts = view.services.compactMap { service -> ChartSpec? in
            guard let index = view.histogram(service, "latency"), view.anyRecorded(index) else { return nil }
            return ChartSpec(id: "latency.\(service)", title: "\(service) latency", unit: .milliseconds, palette: "quantile", lines: [
                LineSpec(key: "p50", label: "p50", points: view.points { RunView.quantileMs($0, index, 0.5) }),
                LineSpec(key: "p99", label: "p99", points: view.points { RunView.quantileMs($0, index, 0.99) }),
            ])
        }
        return ChartSection(id: "latency", title: "Latency per service",
                            note: "Arrival at an instance to completion, per interval, from the interval's histogram buckets.", charts: charts)
    }

    /// Rejections by reason, one chart per service that rejected anything.
    static func rejections(_ view: RunView) -> ChartSection {
        // One pass over the counters, not one per service (N services made it N²).
        var byService: [String: [(index: Int, descriptor: MetricDescriptor)]] = [:]
        for entry in view.counters(where: { $0.figure == "rejected" && $0.reason != nil }) {
            byService[entry.descriptor.service, default: []].append(entry)
        }
        let charts = view.services.compactMap { service -> ChartSpec? in
            let reasons = (byService[service] ?? []).filter { view.anyCount($0.index) }
            guard !reasons.isEmpty else { return nil }
            return ChartSpec(id: "rejected.\(service)", title: "\(service) rejections", unit: .perSecond, palette: "reason",
                             lines: reasons.map { entry in
                                 LineSpec(key: entry.descriptor.reason!, label: entry.descriptor.reason!, points: view.points { RunView.rate($0, [entry.index]) })
                             })
        }
        return ChartSection(id: "rejections", title: "Rejections by reason",
                            note: charts.isEmpty ? "No service rejected anything." : "Requests each service refused (or its callers shed or abandoned), per second, by reason.",
                            charts: charts)
    }

    /// Queue depth, worker utilisation, connections in use and pool wait, per service.
    static func pools(_ view: RunView) -> ChartSection {
        var charts: [ChartSpec] = []
        func perService(_ id: String, _ title: String, _ unit: ValueUnit, _ value: (String) -> ((SeriesRow) -> Double?)?) {
            let lines = view.services.compactMap { service in value(service).map { LineSpec(key: service, label: service, points: view.points($0)) } }
            if !lines.isEmpty { charts.append(ChartSpec(id: id, title: title, unit: unit, palette: "service", lines: lines)) }
        }
        perService("queue", "Queue depth (requests waiting, all instances)", .count) { service in
            guard let index = view.gauge(service, "queue"), view.anyLevel(index) else { return nil }
            return { RunView.gaugeMean($0, index) }
        }
        perService("utilisation", "Worker utilisation (busy / present)", .ratio) { service in
            guard let busy = view.gauge(service, "busy"), let workers = view.gauge(service, "workers"), view.anyLevel(busy) else { return nil }
            return { row in
                guard let b = RunView.gaugeMean(row, busy), let w = RunView.gaugeMean(row, workers) else { return nil }
                return w > 0 ? b / w : nil
            }
        }
        perService("db.in_use", "Database connections in use (all instances)", .count) { service in
            guard let index = view.gauge(service, "db.in_use"), view.anyLevel(index) else { return nil }
            return { RunView.gaugeMean($0, index) }
        }
        perService("db.wait", "Wait for a database connection, p99", .milliseconds) { service in
            guard let index = view.histogram(service, "db.wait"), view.anyRecorded(index) else { return nil }
            return { RunView.quantileMs($0, index, 0.99) }
        }
        return ChartSection(id: "pools", title: "Queues and pools",
                            note: "Time-weighted means per interval; utilisation is busy workers over workers present.", charts: charts)
    }

    /// The cache server's hit ratio.
    static func cache(_ view: RunView) -> ChartSection? {
        guard let hits = view.series.counter("cache.hits"), let misses = view.series.counter("cache.misses"),
              view.anyCount(hits) || view.anyCount(misses) else { return nil }
        let line = LineSpec(key: "hit_ratio", label: "cache hit ratio", points: view.points { row in
            let h = RunView.count(row, hits) ?? 0, m = RunView.count(row, misses) ?? 0
            return h + m > 0 ? Double(h) / Double(h + m) : nil
        })
        return ChartSection(id: "cache", title: "Cache", note: "Hits over lookups of the cache server, per interval.",
                            charts: [ChartSpec(id: "cache.hit_ratio", title: "Cache hit ratio", unit: .ratio, palette: "load", lines: [line])])
    }

    /// Orders by state: transitions per second, and orders open.
    static func orders(_ view: RunView) -> ChartSection? {
        let states = ["created", "delivered", "cancelled", "failed"]
        let lines = states.compactMap { state -> LineSpec? in
            guard let index = view.series.counter("orders.\(state)") else { return nil }
            return LineSpec(key: state, label: state, points: view.points { RunView.rate($0, [index]) })
        }
        guard !lines.isEmpty else { return nil }
        var charts = [ChartSpec(id: "orders.flow", title: "Orders by state reached", unit: .perSecond, palette: "state", lines: lines)]
        if let open = view.series.gauge("orders.open") {
            charts.append(ChartSpec(id: "orders.open", title: "Orders open (not yet ended)", unit: .count, palette: "state",
                                    lines: [LineSpec(key: "open", label: "open", points: view.points { RunView.gaugeMean($0, open) })]))
        }
        return ChartSection(id: "orders", title: "Orders", note: "Orders created and ended (delivered, cancelled, failed) per second; orders open, time-weighted.", charts: charts)
    }

    /// Broker queue depth: ready and unacknowledged messages per queue.
    static func broker(_ view: RunView) -> ChartSection? {
        let ready = view.gauges { $0.service == "broker" && $0.figure == "ready" && $0.callee != nil }
        let unacked = view.gauges { $0.service == "broker" && $0.figure == "unacked" && $0.callee != nil }
        guard !ready.isEmpty else { return nil }
        var lines: [LineSpec] = []
        for entry in ready {
            let queue = entry.descriptor.callee!
            lines.append(LineSpec(key: queue, label: "\(queue) ready", points: view.points { RunView.gaugeMean($0, entry.index) }))
        }
        var unackedLines: [LineSpec] = []
        for entry in unacked {
            let queue = entry.descriptor.callee!
            unackedLines.append(LineSpec(key: queue, label: "\(queue) unacked", points: view.points { RunView.gaugeMean($0, entry.index) }))
        }
        var charts = [ChartSpec(id: "broker.ready", title: "Broker queue depth (ready)", unit: .count, palette: "queue", lines: lines)]
        if !unackedLines.isEmpty {
            charts.append(ChartSpec(id: "broker.unacked", title: "Broker deliveries not yet acknowledged", unit: .count, palette: "queue", lines: unackedLines))
        }
        return ChartSection(id: "broker", title: "Broker", note: "Messages waiting for a consumer, and delivered but not acknowledged, per queue.", charts: charts)
    }

    /// Breakers: for each caller → callee with a breaker, the share of the caller's
    /// instances open and half-open per cell.
    static func breakers(_ view: RunView) -> [(key: String, label: String, cells: [(from: Double, to: Double, open: Double, halfOpen: Double)])] {
        let open = view.gauges { $0.figure == "calls.breaker.state" && $0.reason == "open" && $0.callee != nil }
        let half = view.gauges { $0.figure == "calls.breaker.state" && $0.reason == "half_open" && $0.callee != nil }
        return open.map { entry in
            let d = entry.descriptor
            let halfIndex = half.first { $0.descriptor.service == d.service && $0.descriptor.callee == d.callee }?.index
            let instances = Double(max(view.instances(d.service), 1))
            let cells = view.cells.map { cell in
                (Double(cell.start) / 1e9, Double(cell.end) / 1e9,
                 (RunView.gaugeMean(cell, entry.index) ?? 0) / instances,
                 halfIndex.map { (RunView.gaugeMean(cell, $0) ?? 0) / instances } ?? 0)
            }
            return ("\(d.service)->\(d.callee!)", "\(d.service) → \(d.callee!)", cells)
        }
    }
}
