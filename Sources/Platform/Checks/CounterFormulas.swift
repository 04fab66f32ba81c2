/// The expectation language's names that are computed from counters — rates and ratios —
/// in one place, so a live run (``MetricQuery``) and a re-read run bundle (the report's
/// `SeriesQuery`) can never define them differently.
///
/// The caller says how to read counters: `counter(name)` is a counter's value (nil when
/// no counter has that name), `counters(prefix)` the sum of every counter whose name
/// starts with `prefix`, and `seconds` the length of the span they cover.
public struct CounterFormulas {
    let counter: (String) -> Double?
    let counters: (String) -> Double
    let seconds: Double

    /// The order ratios, each with the counter it divides by `orders.created`.
    public static let orderRatios: [(name: String, numerator: String)] = [
        ("orders.failed_ratio", "orders.failed"), ("orders.cancelled_ratio", "orders.cancelled"),
        ("orders.completed_ratio", "orders.completed"),
    ]
    /// The cache's hit ratio: hits over hits and misses.
    public static let cacheHitRatio = "cache.hit_ratio"
    /// The ratios whose names are fixed (not per service or route).
    public static var fixedRatios: [String] { orderRatios.map(\.name) + [cacheHitRatio] }

    /// Formulas over counters read by `counter` and `counters`, covering `seconds`.
    public init(seconds: Double, counter: @escaping (String) -> Double?, counters: @escaping (String) -> Double) {
        self.seconds = seconds
        self.counter = counter
        self.counters = counters
    }

    /// The value of `name` if it is a counter or a formula over counters: the counter
    /// itself, `<counter>.per_second`, the order and cache ratios,
    /// `<service>.rejected_ratio` and `app.<route>.failure_ratio`. Nil otherwise (a
    /// histogram or gauge statistic, or no metric at all).
    public func value(_ name: String) -> Double? {
        if let value = counter(name) { return value }
        if name.hasSuffix(".per_second"), let total = counter(String(name.dropLast(".per_second".count))) {
            return seconds > 0 ? total / seconds : 0
        }
        if let order = Self.orderRatios.first(where: { $0.name == name }) {
            return ratio(counter(order.numerator) ?? 0, counter("orders.created"))
        }
        if name == Self.cacheHitRatio {
            let hits = counter("cache.hits") ?? 0, misses = counter("cache.misses") ?? 0
            return hits + misses > 0 ? hits / (hits + misses) : nil
        }
        if name.hasSuffix(".rejected_ratio") {
            let service = String(name.dropLast(".rejected_ratio".count))
            // Calls its callers' breakers shed never became requests: count them as offered.
            let offered = (counter("\(service).requests") ?? 0) + (counter("\(service).rejected.breaker_open") ?? 0)
            return counter("\(service).requests") == nil ? nil : ratio(counters("\(service).rejected."), offered)
        }
        if name.hasPrefix("app."), name.hasSuffix(".failure_ratio") {
            let route = String(name.dropLast(".failure_ratio".count))
            let failed = counters("\(route).failed.")
            return ratio(failed, failed + (counter("\(route).ok") ?? 0))
        }
        return nil
    }

    /// `numerator / denominator`, 0 over an empty denominator, nil when either is unknown.
    private func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
        guard let numerator, let denominator else { return nil }
        return denominator > 0 ? numerator / denominator : 0
    }
}
