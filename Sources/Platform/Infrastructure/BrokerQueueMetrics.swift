import Resilience
import SimKernel

/// The metrics of one broker queue (`broker.<queue>.<metric>`), as handles looked up once
/// per queue instead of a name built on every publish, ack and pump, each with a
/// ``MetricDescriptor`` (service `broker`, the figure, the queue as the callee, the
/// dead-letter reason), so a report can group them without parsing names.
///
/// ```swift
/// let metrics = BrokerQueueMetrics(queue: "orders.placed", metrics: platform.metrics)
/// metrics.published.add()                   // broker.orders.placed.published
/// metrics.depth.ready.set(12)               // broker.orders.placed.ready
/// ```
///
/// Each handle is made on first use, not when the queue is: a queue that never refuses a
/// message reports no `refused` counter, as before (the summary lists only what happened).
final class BrokerQueueMetrics: @unchecked Sendable {
    private let metrics: PlatformMetrics
    private let queue: String
    private var publishedCounter: CounterMetric?
    private var refusedCounter: CounterMetric?
    private var unconfirmedCounter: CounterMetric?
    private var ackedCounter: CounterMetric?
    private var nackedCounter: CounterMetric?
    private var depthGauges: (ready: GaugeMetric, unacked: GaugeMetric)?
    private var deadLettered: [DeadLetterReason: CounterMetric] = [:]

    init(queue: String, metrics: PlatformMetrics) {
        self.queue = queue
        self.metrics = metrics
    }

    /// Messages the queue confirmed.
    var published: CounterMetric { handle(&publishedCounter, "published") }
    /// Messages the queue refused (full).
    var refused: CounterMetric { handle(&refusedCounter, "refused") }
    /// Publishes that got no confirm (the broker down, or cut off from the publisher).
    var unconfirmed: CounterMetric { handle(&unconfirmedCounter, "unconfirmed") }
    /// Deliveries acknowledged.
    var acked: CounterMetric { handle(&ackedCounter, "acked") }
    /// Deliveries negatively acknowledged.
    var nacked: CounterMetric { handle(&nackedCounter, "nacked") }

    /// Messages ready for a consumer, and delivered but not yet acked.
    var depth: (ready: GaugeMetric, unacked: GaugeMetric) {
        if let depthGauges { return depthGauges }
        let made = (metrics.metrics.gauge("broker.\(queue).ready", describedAs: describe(.gauge, "ready")),
                    metrics.metrics.gauge("broker.\(queue).unacked", describedAs: describe(.gauge, "unacked")))
        depthGauges = made
        return made
    }

    /// Messages dead-lettered for `reason`.
    func deadLettered(_ reason: DeadLetterReason) -> CounterMetric {
        if let counter = deadLettered[reason] { return counter }
        let counter = metrics.metrics.counter("broker.\(queue).dead_lettered.\(reason.rawValue)",
                                              describedAs: describe(.counter, "dead_lettered", reason: reason.rawValue))
        deadLettered[reason] = counter
        return counter
    }

    private func handle(_ slot: inout CounterMetric?, _ figure: String) -> CounterMetric {
        if let slot { return slot }
        let counter = metrics.metrics.counter("broker.\(queue).\(figure)", describedAs: describe(.counter, figure))
        slot = counter
        return counter
    }

    private func describe(_ kind: MetricDescriptor.Kind, _ figure: String, reason: String? = nil) -> MetricDescriptor {
        MetricDescriptor(kind, unit: .count, service: "broker", figure: figure, callee: queue, reason: reason)
    }
}

extension BrokerQueueMetrics {
    /// The queues the platform uses: queued intake, placed orders (notification), payment
    /// results (the payment outbox).
    static let queues = ["orders.intake", "orders.placed", "payment.results"]

    /// Declares every metric of every queue and of the broker (`broker.<queue>.<figure>`,
    /// `broker.crashes`, see ``MetricVocabulary``): made on first use, during the run.
    /// Makes no metric.
    static func declare(in metrics: Metrics) {
        for figure in ["crashes", "restarts"] { metrics.declare(.counter, "broker.\(figure)") }
        for queue in queues {
            for figure in ["published", "refused", "unconfirmed", "acked", "nacked", "requeued_on_crash"] {
                metrics.declare(.counter, "broker.\(queue).\(figure)")
            }
            metrics.declare(.counter, "broker.\(queue).dead_lettered", reasons: DeadLetterReason.allCases.map(\.rawValue))
            for figure in ["ready", "unacked"] { metrics.declare(.gauge, "broker.\(queue).\(figure)") }
        }
    }
}
