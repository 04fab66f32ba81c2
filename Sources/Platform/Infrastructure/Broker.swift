import Resilience
import SimKernel
import World

/// A message between services, through the broker.
enum BrokerMessage: Sendable, Equatable {
    /// Queued order intake: an order accepted by the gateway, to be created.
    case intake(OrderRequest)
    /// A paid order, for the merchant.
    case orderPlaced(order: Int64, merchant: Int)
    /// A payment result from the payment service's local message table.
    case paymentResult(order: Int64, success: Bool)
}

/// The message broker (RabbitMQ): one ``MessageQueue`` from `Resilience` per queue, with
/// publisher confirms, consumers with prefetch, ack/nack, redelivery when a consumer dies,
/// a delivery limit that routes poison messages to a dead-letter queue, TTL and length
/// limits. Consumers are tasks parked in ``receive(_:consumer:)``.
///
/// The broker can crash: queues and their messages are durable (persistent messages on
/// durable queues), but every delivery not yet acknowledged goes back to its queue to be
/// redelivered after the restart (its channel died with the process), and deliveries
/// waiting in a consumer's buffer are lost with it the same way. While it is down,
/// publishes go unconfirmed and acks are void; consumers (which reconnect and resubscribe
/// by themselves, as client libraries do) wait for the restart.
actor Broker: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    unowned(unsafe) let platform: PlatformContext
    private let spec: BrokerSpec
    /// Up or down.
    private let server = InfrastructureProcess(name: "broker")
    /// The latest delivery handed to each consumer, per queue (what a crash requeues up to).
    private var lastDelivered: [String: [ConsumerID: DeliveryTag]] = [:]
    /// Queues by name, in creation order for reporting.
    private var queues: [String: MessageQueue<BrokerMessage, VirtualClock.Instant>] = [:]
    private(set) var queueNames: [String] = []
    private var inboxes: [String: [ConsumerID: [MessageQueue<BrokerMessage, VirtualClock.Instant>.Delivery]]] = [:]
    private var parked: [String: [ConsumerID: UnsafeContinuation<MessageQueue<BrokerMessage, VirtualClock.Instant>.Delivery?, Never>]] = [:]
    private var expiryTimer: TimerHandle?
    /// Queue depth gauges by queue name: messages ready, and delivered but not yet acked.
    private var depth: [String: (ready: GaugeMetric, unacked: GaugeMetric)] = [:]

    init(platform: PlatformContext, spec: BrokerSpec) {
        sim = platform.sim
        self.platform = platform
        self.spec = spec
    }

    private func queue(_ name: String) -> MessageQueue<BrokerMessage, VirtualClock.Instant> {
        if let existing = queues[name] { return existing }
        let created = MessageQueue<BrokerMessage, VirtualClock.Instant>(MessageQueueConfiguration(
            name: name, maxLength: spec.maxLength, overflow: spec.overflow == .dropHead ? .dropHead : .rejectPublish,
            messageTTL: spec.messageTTL, deliveryLimit: spec.deliveryLimit, retainsDeadLetters: true))
        queues[name] = created
        queueNames.append(name)
        return created
    }

    private func hop() async {
        let time = Double(platform.draws.sample(spec.latency, for: .broker)) * platform.faults.slowdown("broker")
        try? await sim.clock.sleep(for: .nanoseconds(Int64(saturating: time) &+ platform.faults.extraLatency("broker")))
    }

    /// Publishes with a confirm: true when the queue accepted the message (false, too,
    /// when the broker is down or cut off from the publishing service: no confirm comes).
    func publish(_ name: String, _ message: BrokerMessage) async -> Bool {
        await hop()
        // Down, or cut off from the publishing service: no confirm comes.
        let publisher = WorkOrigin.current?.service
        guard server.isUp, !(publisher.map { platform.network.isPartitioned($0, "broker") } ?? false) else {
            platform.metrics.count("broker.\(name).unconfirmed")
            return false
        }
        var q = queue(name)
        let outcome = q.publish(message, now: sim.clock.now)
        queues[name] = q
        platform.metrics.count(outcome.isConfirmed ? "broker.\(name).published" : "broker.\(name).refused")
        pump(name)
        return outcome.isConfirmed
    }

    /// Registers a consumer with `prefetch`.
    func subscribe(_ name: String, prefetch: Int) -> ConsumerID {
        var q = queue(name)
        let consumer = q.addConsumer(prefetch: prefetch)
        queues[name] = q
        return consumer
    }

    /// The next delivery for `consumer`, waiting for one; nil once it was cancelled.
    func receive(_ name: String, consumer: ConsumerID) async -> MessageQueue<BrokerMessage, VirtualClock.Instant>.Delivery? {
        pump(name)
        if var inbox = inboxes[name]?[consumer], !inbox.isEmpty {
            let delivery = inbox.removeFirst()
            inboxes[name]?[consumer] = inbox
            return delivery
        }
        guard queues[name]?.load(of: consumer) != nil else { return nil }
        return await withUnsafeContinuation { continuation in
            parked[name, default: [:]][consumer] = continuation
        }
    }

    func ack(_ name: String, _ tag: DeliveryTag) {
        // A delivery of the broker's earlier life was requeued by its crash already: the
        // ack of a dead channel is void.
        guard server.isUp else { return }
        queues[name]?.ack(tag)
        platform.metrics.count("broker.\(name).acked")
        pump(name)
    }

    func nack(_ name: String, _ tag: DeliveryTag, requeue: Bool) {
        guard server.isUp else { return }
        _ = queues[name]?.nack(tag, requeue: requeue, now: sim.clock.now)
        platform.metrics.count("broker.\(name).nacked")
        pump(name)
    }

    /// A consumer died or stopped: its unacked messages are requeued.
    func cancel(_ name: String, consumer: ConsumerID) {
        _ = queues[name]?.cancel(consumer, now: sim.clock.now)
        inboxes[name]?[consumer] = nil
        parked[name]?.removeValue(forKey: consumer)?.resume(returning: nil)
        pump(name)
    }

    /// Hands out every delivery the queue allows now.
    private func pump(_ name: String) {
        guard server.isUp, var q = queues[name] else { return }
        let now = sim.clock.now
        _ = q.expire(now: now)
        while let delivery = q.nextDelivery(now: now) {
            lastDelivered[name, default: [:]][delivery.consumer] = delivery.tag
            if let waiter = parked[name]?.removeValue(forKey: delivery.consumer) {
                waiter.resume(returning: delivery)
            } else {
                inboxes[name, default: [:]][delivery.consumer, default: []].append(delivery)
            }
        }
        while let dead = q.popDeadLetter() {
            platform.metrics.count("broker.\(name).dead_lettered.\(dead.reason.rawValue)")
        }
        let gauges = depth[name] ?? {
            let made = (platform.metrics.gauge("broker.\(name).ready"), platform.metrics.gauge("broker.\(name).unacked"))
            depth[name] = made
            return made
        }()
        let statistics = q.statistics
        gauges.ready.set(Double(statistics.ready))
        gauges.unacked.set(Double(statistics.unacked))
        queues[name] = q
        scheduleExpiry()
    }

    private func scheduleExpiry() {
        if let expiryTimer { sim.executor.cancel(expiryTimer) }
        expiryTimer = nil
        var earliest: VirtualClock.Instant?
        for name in queueNames {
            if let next = queues[name]?.nextExpiry(), earliest.map({ next < $0 }) ?? true { earliest = next }
        }
        if let earliest { expiryTimer = sim.executor.schedule(at: earliest.nanoseconds, self, SimEvent(0), background: true) }
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(()) { broker, _ in
            broker.expiryTimer = nil
            for name in broker.queueNames { broker.pump(name) }
        }
    }

    /// The broker crashes: every unacknowledged delivery (in a consumer's hands or in its
    /// buffer) goes back to its queue, to be redelivered after the restart.
    func crash() {
        guard server.crash() else { return }
        platform.metrics.count("broker.crashes")
        for name in queueNames {
            guard var q = queues[name] else { continue }
            var requeued = 0
            for (_, tag) in (lastDelivered[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                requeued += q.nack(tag, multiple: true, requeue: true, now: sim.clock.now)
            }
            queues[name] = q
            lastDelivered[name] = nil
            inboxes[name] = nil
            platform.metrics.count("broker.\(name).requeued_on_crash", Int64(requeued))
        }
    }

    /// The broker is back: deliveries resume to the waiting consumers.
    func restart() {
        guard server.restart() else { return }
        platform.metrics.count("broker.restarts")
        for name in queueNames { pump(name) }
    }

    /// Each queue's counters, in creation order.
    func statistics() -> [(name: String, statistics: MessageQueueStatistics)] {
        queueNames.map { ($0, queues[$0]!.statistics) }
    }
}
