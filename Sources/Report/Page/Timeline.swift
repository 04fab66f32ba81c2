import SimKernel
import World

/// One thing that happened in a run, at a time of the time series' resolution.
public struct TimelineEntry: Sendable, Equatable {
    /// What kind of thing.
    public enum Kind: String, Sendable, CaseIterable {
        /// A fault (or a stretch of bad traffic) starts or ends.
        case fault
        /// How long after a fault's end goodput and latency came back.
        case recovery
        /// A service's first rejection for a reason.
        case rejection
        /// A worker pool, connection pool or broker queue saturates or drains.
        case saturation
        /// A breaker opens, half-opens or closes.
        case breaker
        /// An expectation is breached or holds (again).
        case expectation
        /// The run stops.
        case end
    }
    /// When (nanoseconds; the start of the interval it was seen in).
    public var time: Int64
    /// What kind of thing.
    public var kind: Kind
    /// What happened, in words.
    public var text: String
}

/// The incident summary of a run, derived from its own data: each fault's start and end,
/// the first rejection by reason per service, worker pools, connection pools and broker
/// queues saturating and draining, breaker transitions, expectations breached and
/// holding again, and, per fault, how long after its end goodput and latency came back.
///
/// Times are the start of the interval in which a thing was seen (`metrics.interval`).
/// Thresholds, chosen to mark what an operator would call a change of state:
/// - a worker pool is saturated in an interval when its utilisation (busy over present,
///   time-weighted) is at least 95% and at least one request waited on average, for two
///   intervals or more;
/// - a connection pool is saturated when its mean connections in use are at least 90%
///   of its capacity (`max_open` × instances; unlimited pools never are);
/// - a broker queue has a backlog when its mean ready messages are at least 50;
/// - stretches of these separated by two intervals or fewer are one stretch;
/// - after a fault ends, goodput and latency are back at the first interval from which
///   three intervals merged have a share of calls answered with success no more than 2
///   points below that of the five minutes before the fault, and a p99 latency at most
///   twice theirs (+1 ms). The share, not the rate: a closed-loop crowd's rate drifts
///   with its size, while the share says whether calls succeed again.
public enum Timeline {
    /// The entries of `bundle`, in time order.
    public static func entries(_ bundle: RunBundle) -> [TimelineEntry] {
        let view = RunView(bundle, step: max(bundle.series.interval, 1))
        let rows = bundle.series.rows
        var entries: [TimelineEntry] = []
        let faults = FaultWindow.of(bundle.world, runEnd: bundle.end)
        for fault in faults {
            entries.append(TimelineEntry(time: fault.start, kind: .fault, text: "\(fault.tag) starts: \(fault.label)"))
            if fault.ends, fault.end > fault.start {
                entries.append(TimelineEntry(time: fault.end, kind: .fault, text: "\(fault.tag) ends: \(fault.label)"))
            }
        }
        entries += recoveries(view, faults)
        entries += firstRejections(view, rows)
        entries += saturations(view, rows)
        entries += breakers(view, rows)
        entries += expectations(bundle, rows)
        entries.append(TimelineEntry(time: bundle.end, kind: .end, text: "run ends: \(bundle.stopReason) at \(TimeText.short(bundle.end))"))
        let order = TimelineEntry.Kind.allCases
        return entries.enumerated().sorted { a, b in
            (a.element.time, order.firstIndex(of: a.element.kind)!, a.offset) < (b.element.time, order.firstIndex(of: b.element.kind)!, b.offset)
        }.map(\.element)
    }

    /// The first interval each service rejected for each reason.
    static func firstRejections(_ view: RunView, _ rows: [SeriesRow]) -> [TimelineEntry] {
        view.counters { $0.figure == "rejected" && $0.reason != nil }.compactMap { entry in
            guard let row = rows.first(where: { (RunView.count($0, entry.index) ?? 0) > 0 }) else { return nil }
            let total = rows.reduce(Int64(0)) { $0 + (RunView.count($1, entry.index) ?? 0) }
            return TimelineEntry(time: row.start, kind: .rejection,
                                 text: "\(entry.descriptor.service) first rejects: \(entry.descriptor.reason!) (\(Html.grouped(Int(RunView.count(row, entry.index)!))) in that interval, \(Html.grouped(Int(total))) in the run)")
        }
    }

    /// Runs of intervals where `test` holds, as (first row, first row after) pairs; runs
    /// separated by at most `bridge` intervals are one, and runs shorter than `minimum`
    /// intervals are dropped (a busy pool flickering is not a change of state).
    static func runs(_ rows: [SeriesRow], bridge: Int = 0, minimum: Int = 1, _ test: (SeriesRow) -> Bool) -> [(start: Int, end: Int?)] {
        var raw: [(start: Int, end: Int?)] = []
        var open: Int?
        for (index, row) in rows.enumerated() {
            let on = test(row)
            if on, open == nil { open = index }
            if !on, let start = open { raw.append((start, index)); open = nil }
        }
        if let start = open { raw.append((start, nil)) }
        var merged: [(start: Int, end: Int?)] = []
        for run in raw {
            if let last = merged.last, let end = last.end, run.start - end <= bridge {
                merged[merged.count - 1].end = run.end
            } else {
                merged.append(run)
            }
        }
        return merged.filter { ($0.end ?? rows.count) - $0.start >= minimum }
    }

    static func saturations(_ view: RunView, _ rows: [SeriesRow]) -> [TimelineEntry] {
        var entries: [TimelineEntry] = []
        for service in view.services {
            if let busy = view.gauge(service, "busy"), let workers = view.gauge(service, "workers"), let queue = view.gauge(service, "queue") {
                for run in runs(rows, bridge: 2, minimum: 2, { row in
                    guard let b = RunView.gaugeMean(row, busy), let w = RunView.gaugeMean(row, workers), let q = RunView.gaugeMean(row, queue) else { return false }
                    return w > 0 && b / w >= 0.95 && q >= 1
                }) {
                    let peak = rows[run.start..<(run.end ?? rows.count)].compactMap { RunView.gaugeMax($0, queue) }.max() ?? 0
                    entries.append(TimelineEntry(time: rows[run.start].start, kind: .saturation,
                                                 text: "\(service) workers saturated, requests queue (peak \(ValueUnit.compact(peak)) waiting)"))
                    if let end = run.end { entries.append(TimelineEntry(time: rows[end].start, kind: .saturation, text: "\(service) queue drained")) }
                }
            }
            if let spec = view.spec(service), spec.database.maxOpen > 0, let inUse = view.gauge(service, "db.in_use") {
                let capacity = Double(spec.database.maxOpen * spec.instances)
                let wait = view.histogram(service, "db.wait")
                for run in runs(rows, bridge: 2, { (RunView.gaugeMean($0, inUse) ?? 0) >= 0.9 * capacity }) {
                    let slice = rows[run.start..<(run.end ?? rows.count)]
                    var merged = CompactHistogram()
                    if let wait { for row in slice { if wait < row.histograms.count, let h = row.histograms[wait] { merged.merge(h) } } }
                    let waits = merged.quantile(0.99).map { ", connection wait p99 \(TimeText.span($0))" } ?? ""
                    entries.append(TimelineEntry(time: rows[run.start].start, kind: .saturation,
                                                 text: "\(service) connection pool saturated (\(Int(capacity)) of \(Int(capacity)) in use\(waits))"))
                    if let end = run.end { entries.append(TimelineEntry(time: rows[end].start, kind: .saturation, text: "\(service) connection pool drained")) }
                }
            }
        }
        for entry in view.gauges(where: { $0.service == "broker" && $0.figure == "ready" && $0.callee != nil }) {
            for run in runs(rows, bridge: 2, { (RunView.gaugeMean($0, entry.index) ?? 0) >= 50 }) {
                let peak = rows[run.start..<(run.end ?? rows.count)].compactMap { RunView.gaugeMax($0, entry.index) }.max() ?? 0
                entries.append(TimelineEntry(time: rows[run.start].start, kind: .saturation,
                                             text: "broker queue \(entry.descriptor.callee!) backs up (peak \(ValueUnit.compact(peak)) ready)"))
                if let end = run.end { entries.append(TimelineEntry(time: rows[end].start, kind: .saturation, text: "broker queue \(entry.descriptor.callee!) drained")) }
            }
        }
        return entries
    }

    /// Breaker transitions per interval, per breaker; a breaker flapping for long is
    /// shown by its first and last six intervals with transitions.
    static func breakers(_ view: RunView, _ rows: [SeriesRow]) -> [TimelineEntry] {
        let transitions = view.counters { $0.figure == "calls.breaker.to" && $0.callee != nil && $0.reason != nil }
        var pairs: [(String, String)] = []
        for entry in transitions where !pairs.contains(where: { $0 == (entry.descriptor.service, entry.descriptor.callee!) }) {
            pairs.append((entry.descriptor.service, entry.descriptor.callee!))
        }
        let words = ["open": "opened", "half_open": "half-opened", "closed": "closed", "forced_open": "forced open", "disabled": "disabled"]
        let order = ["open", "half_open", "closed", "forced_open", "disabled"]
        var entries: [TimelineEntry] = []
        for (caller, callee) in pairs {
            let mine = transitions.filter { $0.descriptor.service == caller && $0.descriptor.callee == callee }
                .sorted { (order.firstIndex(of: $0.descriptor.reason!) ?? 9) < (order.firstIndex(of: $1.descriptor.reason!) ?? 9) }
            var found: [TimelineEntry] = []
            for row in rows {
                let parts = mine.compactMap { entry -> String? in
                    let n = RunView.count(row, entry.index) ?? 0
                    guard n > 0 else { return nil }
                    return (words[entry.descriptor.reason!] ?? entry.descriptor.reason!) + (n > 1 ? " ×\(n)" : "")
                }
                if !parts.isEmpty {
                    found.append(TimelineEntry(time: row.start, kind: .breaker, text: "\(caller) → \(callee) breaker " + parts.joined(separator: ", ")))
                }
            }
            if found.count > 12 {
                let hidden = found.count - 12
                found = Array(found.prefix(6)) + [TimelineEntry(time: found[6].time, kind: .breaker,
                    text: "\(caller) → \(callee) breaker keeps changing state (\(hidden) more intervals with transitions until \(TimeText.short(found[found.count - 7].time)))")]
                    + Array(found.suffix(6))
            }
            entries += found
        }
        return entries
    }

    /// Expectations without a window, followed over the run: a counter's total
    /// cumulatively (when the total first breaks or meets it), an upper bound on any
    /// other figure interval by interval (each stretch it is breached, and when it holds
    /// again).
    static func expectations(_ bundle: RunBundle, _ rows: [SeriesRow]) -> [TimelineEntry] {
        let query = SeriesQuery(bundle.series)
        var entries: [TimelineEntry] = []
        for expectation in bundle.world.expectations where expectation.window == nil {
            if query.isCounter(expectation.metric) {
                var cumulative: SeriesRow?
                var held: Bool?
                for row in rows {
                    if cumulative == nil { cumulative = row } else { cumulative!.absorb(row) }
                    guard let value = query.value(expectation.metric, over: cumulative!) else { break }
                    let holds = expectation.holds(for: value)
                    if let before = held, before != holds {
                        entries.append(TimelineEntry(time: row.start, kind: .expectation,
                            text: (holds ? "now holds: " : "breached: ") + expectation.text + " (total so far \(ValueUnit.compact(value)))"))
                    } else if held == nil, !holds, expectation.comparison == .less || expectation.comparison == .lessOrEqual {
                        entries.append(TimelineEntry(time: row.start, kind: .expectation, text: "breached: \(expectation.text) (total so far \(ValueUnit.compact(value)))"))
                    }
                    held = holds
                }
                continue
            }
            // A lower bound on a rate, ratio or latency asserts that a symptom happens
            // (somewhere in the run); interval by interval only upper bounds — limits a
            // service level sets — say when a run was in breach.
            guard expectation.comparison == .less || expectation.comparison == .lessOrEqual else { continue }
            var shown = 0
            for run in runs(rows, { row in query.value(expectation.metric, over: row).map { !expectation.holds(for: $0) } ?? false }) {
                shown += 1
                guard shown <= 6 else { continue }
                let slice = rows[run.start..<(run.end ?? rows.count)]
                let worst = slice.compactMap { query.value(expectation.metric, over: $0) }
                let extreme = expectation.comparison == .less || expectation.comparison == .lessOrEqual ? worst.max() : worst.min()
                entries.append(TimelineEntry(time: rows[run.start].start, kind: .expectation,
                    text: "breached: \(expectation.text) (per interval; worst \(extreme.map(ValueUnit.compact) ?? "n/a"))"))
                if let end = run.end {
                    entries.append(TimelineEntry(time: rows[end].start, kind: .expectation, text: "holds again: \(expectation.text)"))
                }
            }
            if shown > 6 {
                entries.append(TimelineEntry(time: rows.last?.start ?? 0, kind: .expectation,
                                             text: "\(expectation.text): breached in \(shown) separate stretches (first 6 shown)"))
            }
        }
        return entries
    }

    /// Per fault that ends: how long after its end goodput and latency (of the customers'
    /// app calls, or of the entry services' requests in a world without the platform)
    /// came back to their level of the five minutes before the fault.
    static func recoveries(_ view: RunView, _ faults: [FaultWindow]) -> [TimelineEntry] {
        let demand = view.demand
        guard !demand.good.isEmpty, !demand.latency.isEmpty else { return [] }
        let rows = view.series.rows
        func merged(_ slice: ArraySlice<SeriesRow>) -> SeriesRow? {
            guard var row = slice.first else { return nil }
            for next in slice.dropFirst() { row.absorb(next) }
            return row
        }
        func levels(_ row: SeriesRow) -> (goodput: Double, share: Double, p99: Double)? {
            guard let rate = RunView.rate(row, demand.good), let offered = RunView.rate(row, demand.offered), offered > 0,
                  let p99 = RunView.merged(row, demand.latency)?.quantile(0.99) else { return nil }
            return (rate, rate / offered, Double(p99) / 1e6)
        }
        return faults.compactMap { fault in
            guard fault.ends else { return nil }
            let before = rows.enumerated().filter { $0.element.end <= fault.start && $0.element.start >= fault.start - 300_000_000_000 }.map(\.element)
            guard let baseline = merged(before[...]).flatMap(levels) else {
                return TimelineEntry(time: fault.end, kind: .recovery, text: "\(fault.tag): no traffic before the fault to measure recovery against")
            }
            guard let first = rows.firstIndex(where: { $0.end > fault.end }) else { return nil }
            for index in first..<rows.count {
                guard index + 3 <= rows.count, let window = merged(rows[index..<(index + 3)]), let now = levels(window) else { continue }
                if now.share >= baseline.share - 0.02 && now.p99 <= 2 * baseline.p99 + 1 {
                    let back = max(rows[index].start, fault.end)
                    return TimelineEntry(time: back, kind: .recovery,
                        text: "\(fault.tag): goodput and p99 latency back \(TimeText.span(back - fault.end)) after the fault ended "
                            + "(\(ValueUnit.ratio.format(now.share)) of calls succeed vs \(ValueUnit.ratio.format(baseline.share)) before, "
                            + "p99 \(ValueUnit.milliseconds.format(now.p99)) vs \(ValueUnit.milliseconds.format(baseline.p99)))")
                }
            }
            return TimelineEntry(time: view.series.end, kind: .recovery,
                text: "\(fault.tag): goodput and latency not back by the end of the run (\(TimeText.span(view.series.end - fault.end)) after the fault ended)")
        }
    }
}
