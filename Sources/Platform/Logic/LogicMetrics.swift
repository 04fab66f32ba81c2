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
/// report lists what happened, as it did before the handles existed. Every figure is
/// declared beforehand, when the world is built (``LogicFigures``): a handle for a figure
/// not declared is a bug, caught by an assertion in debug builds. Refusals by reason
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
        assert(metrics.vocabulary.kind(of: "\(service).\(figure)") == .counter,
               "\(service).\(figure) is not declared: add it to the logic's figures (LogicFigures)")
        return metrics.counter("\(service).\(figure)", describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: figure))
    }

    /// The histogram `<service>.<figure>`, in nanoseconds (made now, as ``counter(_:)``).
    func histogram(_ figure: String) -> HistogramMetric {
        assert(metrics.vocabulary.kind(of: "\(service).\(figure)") == .histogram,
               "\(service).\(figure) is not declared: add it to the logic's figures (LogicFigures)")
        return metrics.histogram("\(service).\(figure)",
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

    /// The name of the histogram of lock waits.
    static let lockWaitName = "locks.wait"

    /// The time spent waiting for a distributed lock, over every service (`locks.wait`).
    func lockWait() -> HistogramMetric {
        metrics.histogram(Self.lockWaitName, describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: "locks", figure: "wait"))
    }
}
