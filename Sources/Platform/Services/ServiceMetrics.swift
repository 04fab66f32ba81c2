import SimKernel

/// The metrics one service records, shared by its instances (metric names are
/// `<service>.<metric>`, e.g. `backend.wait`).
///
/// There is no "in system" gauge: its time average is exactly `queue` + `busy`
/// (averages are linear), so the report derives it instead of paying for a third gauge
/// update on every event.
final class ServiceMetrics: @unchecked Sendable {
    /// Requests offered to an instance.
    let requests: CounterMetric
    /// Requests finished on a worker (answered, with success or a failure); requests
    /// refused at the door (`rejected.queue_full`) are not counted here.
    let completed: CounterMetric
    /// Requests answered with success.
    let succeeded: CounterMetric
    /// Requests refused because the instance's queue was full.
    let rejectedQueueFull: CounterMetric
    /// Calls shed when a worker would have taken them: their caller's deadline had passed
    /// (services honouring deadlines; made on the first shed call).
    private(set) lazy var rejectedExpired = Self.counter(metrics, name, "rejected", reason: "expired")
    /// Crashes of an instance; requests lost with them (queued or in service); restarts
    /// (each made on first use).
    private(set) lazy var crashes = described("crashes")
    private(set) lazy var lostOnCrash = described("lost_on_crash")
    private(set) lazy var restarts = described("restarts")
    /// Requests that had to wait for a worker.
    let waited: CounterMetric
    /// Time from arrival at the instance to a worker taking the request.
    let wait: HistogramMetric
    /// Time a worker spent on the request.
    let service: HistogramMetric
    /// Time from arrival at the instance to completion (wait + service).
    let latency: HistogramMetric
    /// Requests waiting for a worker, summed over instances.
    let queue: GaugeMetric
    /// Workers busy, summed over instances.
    let busy: GaugeMetric
    /// Workers present (started, busy or idle), summed over instances: utilisation is
    /// `busy` over this, both time-averaged.
    let workers: GaugeMetric
    /// Requests the queue discipline (CoDel) dropped after waiting too long (created only
    /// for a service with a shedding discipline).
    let rejectedCoDel: CounterMetric?
    /// Workers added (on demand or by the autoscaler) and retired after their idle
    /// timeout (created only for a service that can grow).
    let workersStarted: CounterMetric?
    let workersRetired: CounterMetric?
    /// Autoscaler decisions that asked for workers (only with `autoscale`).
    let scaleUps: CounterMetric?
    private let metrics: Metrics
    private let name: String
    /// Answers that were failures, by reason (`<service>.failed.<reason>`); refusals the
    /// logic made (limited, pool_timeout, invalid_token, ...) appear here and under
    /// `rejected`.
    private var failures: [Failure: CounterMetric] = [:]

    init(service: String, metrics: Metrics, sheds: Bool = false, elastic: Bool = false, autoscaled: Bool = false) {
        requests = Self.counter(metrics, service, "requests")
        completed = Self.counter(metrics, service, "completed")
        succeeded = Self.counter(metrics, service, "succeeded")
        self.metrics = metrics
        name = service
        rejectedQueueFull = Self.counter(metrics, service, "rejected", reason: "queue_full")
        waited = Self.counter(metrics, service, "waited")
        wait = Self.histogram(metrics, service, "wait")
        self.service = Self.histogram(metrics, service, "service")
        latency = Self.histogram(metrics, service, "latency")
        queue = Self.gauge(metrics, service, "queue")
        busy = Self.gauge(metrics, service, "busy")
        workers = Self.gauge(metrics, service, "workers")
        rejectedCoDel = sheds ? Self.counter(metrics, service, "rejected", reason: "codel") : nil
        workersStarted = elastic ? Self.counter(metrics, service, "workers_started") : nil
        workersRetired = elastic ? Self.counter(metrics, service, "workers_retired") : nil
        scaleUps = autoscaled ? Self.counter(metrics, service, "autoscale.scale_ups") : nil
        // What is made later, on first use, declared now (see ``MetricVocabulary``).
        for figure in ["crashes", "lost_on_crash", "restarts"] { metrics.declare(.counter, "\(service).\(figure)") }
        metrics.declare(.counter, "\(service).failed", reasons: Failure.labels)
        // Refused by the service, by its logic or pool, or (seen from its callers) shed by
        // a caller's breaker or abandoned at a caller's deadline; `expired` with
        // `"deadlines": "honour"`.
        metrics.declare(.counter, "\(service).rejected", reasons: Failure.labels + ["expired"])
    }

    /// The counter `<service>.<figure>`, with its descriptor.
    private func described(_ figure: String) -> CounterMetric { Self.counter(metrics, name, figure) }

    /// The counter `<service>.<figure>[.<reason>]`, with its descriptor.
    private static func counter(_ metrics: Metrics, _ service: String, _ figure: String, reason: String? = nil) -> CounterMetric {
        metrics.counter("\(service).\(figure)" + (reason.map { ".\($0)" } ?? ""),
                        describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: figure, reason: reason))
    }

    /// The histogram `<service>.<figure>` (nanoseconds), with its descriptor.
    private static func histogram(_ metrics: Metrics, _ service: String, _ figure: String) -> HistogramMetric {
        metrics.histogram("\(service).\(figure)", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: service, figure: figure))
    }

    /// The gauge `<service>.<figure>`, with its descriptor.
    private static func gauge(_ metrics: Metrics, _ service: String, _ figure: String) -> GaugeMetric {
        metrics.gauge("\(service).\(figure)", describedAs: MetricDescriptor(.gauge, unit: .count, service: service, figure: figure))
    }

    /// The counter of answers that failed with `failure`.
    func failed(_ failure: Failure) -> CounterMetric {
        if let counter = failures[failure] { return counter }
        let counter = Self.counter(metrics, name, "failed", reason: failure.label)
        failures[failure] = counter
        return counter
    }
}
