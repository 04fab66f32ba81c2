import SimKernel
import World

extension PlatformWorld {
    /// Expectations whose metric this world can never produce, found before the run: one
    /// sentence each, `$.expect[1]: no metric of this world is named "orders.faild_ratio"
    /// (did you mean "orders.failed_ratio"?)`.
    ///
    /// Each name is judged exactly, against the vocabulary the world's parts declared
    /// while it was built (``MetricVocabulary``) and the query forms ``MetricQuery``
    /// computes from it (``ExpectationNameRule``): a misspelt family (`ordes.failed_ratio`)
    /// and a misspelt name within one (`inventory.restockd`, `order.rejected.deadlin`)
    /// are both found in a second instead of after the run. A name that exists but that
    /// this run may never record (`orders.failed` when no order fails) is accepted: only
    /// the run can tell.
    public func expectationsNamingNothing() -> [String] {
        let rule = ExpectationNameRule(vocabulary: sim.metrics.vocabulary)
        return spec.expectations.enumerated().compactMap { index, expectation in
            rule.problem(with: expectation.metric).map { "$.expect[\(index)]: \($0)" }
        }
    }
}

/// Whether an expectation's metric name is one a world can produce: a declared metric in
/// one of the forms the expectation language reads (see ``MetricQuery`` and
/// ``CounterFormulas``), and, when it is not, what is wrong and the nearest name that is.
final class ExpectationNameRule {
    let vocabulary: MetricVocabulary
    /// Every name an expectation may use, made when first needed (a misspelt family), once
    /// for all the expectations checked.
    private lazy var allNames = candidates(withPrefix: "")

    init(vocabulary: MetricVocabulary) { self.vocabulary = vocabulary }

    /// The order ratios' names (over `orders.created`).
    static let orderRatios = CounterFormulas.orderRatios.map(\.name)

    /// What is wrong with `name`, or nil when the world can produce it.
    func problem(with name: String) -> String? {
        if accepts(name) { return nil }
        if let missing = missingInput(of: name) {
            return "\"\(name)\" can have no value in this world: it is computed from \(missing), which this world never records"
        }
        let near = nearest(to: name).map { " (did you mean \"\($0)\"?)" } ?? ""
        return "no metric of this world is named \"\(name)\"\(near)"
    }

    /// Whether `name` is a query this world's metrics answer, in the order
    /// ``CounterFormulas`` and ``MetricQuery`` try them.
    func accepts(_ name: String) -> Bool {
        if counter(name) { return true }
        if let base = name.strippingSuffix(".per_second"), counter(base) { return true }
        if Self.orderRatios.contains(name) { return counter("orders.created") }
        if name == CounterFormulas.cacheHitRatio { return counter("cache.hits") || counter("cache.misses") }
        // A service's rejected ratio needs its requests; an app route's failure ratio is
        // 0 over nothing, so it needs the route to be one the world's app calls.
        if let service = name.strippingSuffix(".rejected_ratio"), counter("\(service).requests") { return true }
        if name.hasPrefix("app."), let route = name.strippingSuffix(".failure_ratio"),
           counter("\(route).ok") || vocabulary.declaresCounter(withPrefix: "\(route).failed.") {
            return true
        }
        guard let dot = name.lastIndex(of: ".") else { return false }
        let base = String(name[..<dot]), statistic = String(name[name.index(after: dot)...])
        switch vocabulary.kind(of: base) {
        case .histogram: return MetricQuery.histogramStatistics.contains(statistic)
        case .gauge: return MetricQuery.gaugeStatistics.contains(statistic)
        case .counter, nil: return false
        }
    }

    /// For a ratio whose form is right but whose inputs this world never records, what it
    /// needs (`orders.failed_ratio` in a world without orders).
    private func missingInput(of name: String) -> String? {
        if Self.orderRatios.contains(name) { return "orders.created" }
        if name == CounterFormulas.cacheHitRatio { return "cache.hits and cache.misses" }
        return nil
    }

    private func counter(_ name: String) -> Bool { vocabulary.kind(of: name) == .counter }

    /// The accepted name nearest `name` (never `name` itself), looked for among the names
    /// of its own family first (the part before the first dot: few, even in a world of
    /// thousands of services), then among all.
    func nearest(to name: String) -> String? {
        let family = name.prefix { $0 != "." } + "."
        return NearestName.nearest(to: name, in: candidates(withPrefix: String(family)).filter { $0 != name })
            ?? NearestName.nearest(to: name, in: allNames.filter { $0 != name })
    }

    /// Every name an expectation may use in this world that starts with `prefix` (each
    /// histogram with each statistic, each counter with its rate), sorted, so that ties
    /// between suggestions go the same way in every run.
    private func candidates(withPrefix prefix: String) -> [String] {
        var names: [String] = []
        for (name, kind) in vocabulary.names(withPrefix: prefix) {
            switch kind {
            case .counter:
                names += [name, "\(name).per_second"]
                if name.hasSuffix(".requests") { names.append("\(name.dropLast(".requests".count)).rejected_ratio") }
                if name.hasPrefix("app."), name.hasSuffix(".ok") { names.append("\(name.dropLast(".ok".count)).failure_ratio") }
            case .histogram: names += MetricQuery.histogramStatistics.map { "\(name).\($0)" }
            case .gauge: names += MetricQuery.gaugeStatistics.map { "\(name).\($0)" }
            }
        }
        names += CounterFormulas.fixedRatios.filter { $0.hasPrefix(prefix) && accepts($0) }
        return names.sorted()
    }
}

extension String {
    /// The string without `suffix`, or nil when it does not end with it (or is only it).
    fileprivate func strippingSuffix(_ suffix: String) -> String? {
        hasSuffix(suffix) && count > suffix.count ? String(dropLast(suffix.count)) : nil
    }
}
