import SimKernel

/// The metrics a service's logic records (`<service>.<figure>`), as handles made once,
/// each with a ``MetricDescriptor``: a handler adds to a handle and never builds a name.
///
/// ```swift
/// private(set) lazy var logins = logicMetrics.counter("logins")   // auth.logins
/// logins.add()
/// ```
///
/// Declared as `lazy` properties of the logic, each handle is made on its first use, so a
/// report lists what happened, as it did before the handles existed. Refusals by reason
/// (`<service>.rejected.<reason>`) come from a closed set (``Failure/all``), each made on
/// first use.
///
/// World-confined: only the world's thread touches it.
final class LogicMetrics: @unchecked Sendable {
    /// The service the metrics belong to ("order").
    let service: String
    private let metrics: Metrics
    private var rejections: [CounterMetric?] = Array(repeating: nil, count: Failure.all.count)

    init(service: String, metrics: PlatformMetrics) {
        self.service = service
        self.metrics = metrics.metrics
    }

    /// The counter `<service>.<figure>` (made now: call it once, from a stored or lazy
    /// property).
    func counter(_ figure: String) -> CounterMetric {
        metrics.counter("\(service).\(figure)", describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: figure))
    }

    /// The histogram `<service>.<figure>`, in nanoseconds (made now, as ``counter(_:)``).
    func histogram(_ figure: String) -> HistogramMetric {
        metrics.histogram("\(service).\(figure)",
                          describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: service, figure: figure))
    }

    /// The counter of refusals with `failure` (`<service>.rejected.<reason>`), made on
    /// first use and kept: no name is built once it exists.
    func rejected(_ failure: Failure) -> CounterMetric {
        if let counter = rejections[failure.index] { return counter }
        let counter = metrics.counter("\(service).rejected.\(failure.label)",
                                      describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: "rejected",
                                                                    reason: failure.label))
        rejections[failure.index] = counter
        return counter
    }

    /// The time spent waiting for a distributed lock, over every service (`locks.wait`).
    func lockWait() -> HistogramMetric {
        metrics.histogram("locks.wait", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: "locks", figure: "wait"))
    }
}
