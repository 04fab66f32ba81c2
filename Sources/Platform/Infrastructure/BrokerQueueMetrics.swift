import Resilience
import SimKernel

/// The metrics of one broker queue (`broker.<queue>.<metric>`), as handles looked up once
/// per queue instead of a name built on every publish, ack and pump.
///
/// Each handle is made on first use, not when the queue is: a queue that never refuses a
/// message reports no `refused` counter, as before (the summary lists only what happened).
final class BrokerQueueMetrics: @unchecked Sendable {
    private let metrics: PlatformMetrics
    private let queue: String
    private var publishedCounter: CounterMetric?
    private var refusedCounter: CounterMetric?
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
    /// Deliveries acknowledged.
    var acked: CounterMetric { handle(&ackedCounter, "acked") }
    /// Deliveries negatively acknowledged.
    var nacked: CounterMetric { handle(&nackedCounter, "nacked") }

    /// Messages ready for a consumer, and delivered but not yet acked.
    var depth: (ready: GaugeMetric, unacked: GaugeMetric) {
        if let depthGauges { return depthGauges }
        let made = (metrics.gauge("broker.\(queue).ready"), metrics.gauge("broker.\(queue).unacked"))
        depthGauges = made
        return made
    }

    /// Messages dead-lettered for `reason`.
    func deadLettered(_ reason: DeadLetterReason) -> CounterMetric {
        if let counter = deadLettered[reason] { return counter }
        let counter = metrics.counter("broker.\(queue).dead_lettered.\(reason.rawValue)")
        deadLettered[reason] = counter
        return counter
    }

    private func handle(_ slot: inout CounterMetric?, _ figure: String) -> CounterMetric {
        if let slot { return slot }
        let counter = metrics.counter("broker.\(queue).\(figure)")
        slot = counter
        return counter
    }
}
