import SimKernel

/// Metric names shared across the platform, and helpers to count by reason.
///
/// Naming: `<service>.<figure>` for services (`order.requests`, `order.latency`),
/// `<service>.rejected.<reason>` for refusals (reasons: limited, breaker_open,
/// pool_timeout, queue_full, deadline, unavailable, error, and business refusals),
/// `<caller>.calls.<callee>.<figure>` for the client side, `orders.<state>` for orders,
/// `invariants.<name>` for invariant violations.
final class PlatformMetrics: @unchecked Sendable {
    let metrics: Metrics
    let simulation: Simulation
    private var counters: [String: CounterMetric] = [:]
    private var histograms: [String: HistogramMetric] = [:]
    private var gauges: [String: GaugeMetric] = [:]

    init(_ simulation: Simulation) {
        self.simulation = simulation
        metrics = simulation.metrics
    }

    func counter(_ name: String) -> CounterMetric {
        if let existing = counters[name] { return existing }
        let metric = metrics.counter(name)
        counters[name] = metric
        return metric
    }

    func histogram(_ name: String) -> HistogramMetric {
        if let existing = histograms[name] { return existing }
        let metric = metrics.histogram(name)
        histograms[name] = metric
        return metric
    }

    func gauge(_ name: String) -> GaugeMetric {
        if let existing = gauges[name] { return existing }
        let metric = metrics.gauge(name)
        gauges[name] = metric
        return metric
    }

    func count(_ name: String, _ amount: Int64 = 1) { counter(name).add(amount) }
    func record(_ name: String, _ nanoseconds: Int64) { histogram(name).record(nanoseconds) }
}
