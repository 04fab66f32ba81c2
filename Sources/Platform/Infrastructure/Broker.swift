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
    case paymentResult(order: Int64, success: Bool, chargedAt: Int64)
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
    typealias Queue = MessageQueue<BrokerMessage, VirtualClock.Instant>

    /// One queue with its consumers' undelivered hand-outs, parked consumers and metrics.
    ///
    /// Channels live in an array and are changed in place (`channels[index].queue.publish`):
    /// a queue copied out of a dictionary and written back shares its storage with the
    /// copy still in the dictionary, so every publish copied the whole queue — O(queue
    /// length) per message under exactly the overload a long queue means.
    private struct Channel {
        var queue: Queue
        var inboxes: [ConsumerID: [Queue.Delivery]] = [:]
        var parked: [ConsumerID: UnsafeContinuation<Queue.Delivery?, Never>] = [:]
        /// The latest delivery handed to each consumer (what a crash requeues up to).
        var lastDelivered: [ConsumerID: DeliveryTag] = [:]
        let metrics: BrokerQueueMetrics
        /// The queue's name in the trace.
        let traceName: TraceName
    }

    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let environment: InfrastructureEnvironment
    private let spec: BrokerSpec
    /// Up or down.
    private let server = InfrastructureProcess(name: "broker")
    /// Queues in creation order (the order of reporting and of expiry pumps).
    private var channels: [Channel] = []
    /// Where each queue's channel is in ``channels``.
    private var channelIndex: [String: Int] = [:]
    private var expiryTimer: TimerHandle?
    private let traceNames: TraceVocabulary

    init(environment: InfrastructureEnvironment, spec: BrokerSpec) {
        sim = environment.sim
        self.environment = environment
        self.spec = spec
        traceNames = environment.sim.traceNames
    }

    /// The channel of queue `name`, created on first use.
    private func channel(_ name: String) -> Int {
        if let existing = channelIndex[name] { return existing }
        assert(BrokerQueueMetrics.queues.contains(name), "queue \(name) is not declared: add it to BrokerQueueMetrics.queues")
        let spec = spec
        let configuration = sim.configured("broker queue \(name)", { () throws(ConfigurationError) in
            try MessageQueueConfiguration(
                name: name, maxLength: spec.maxLength, overflow: spec.overflow == .dropHead ? .dropHead : .rejectPublish,
                messageTTL: spec.messageTTL, deliveryLimit: spec.deliveryLimit, retainsDeadLetters: true)
        }, fallback: { .defaults })
        let created = Queue(configuration)
        channels.append(Channel(queue: created, metrics: BrokerQueueMetrics(queue: name, metrics: environment.metrics),
                                traceName: sim.trace.name(name)))
        channelIndex[name] = channels.count - 1
        return channels.count - 1
    }

    private func hop() async {
        let time = Double(environment.draws.sample(spec.latency, for: .broker)) * environment.faults.slowdown("broker")
        try? await sim.clock.sleep(for: .nanoseconds(Int64(saturating: time) &+ environment.faults.extraLatency("broker")))
    }

    /// Publishes with a confirm: true when the queue accepted the message (false, too,
    /// when the broker is down or cut off from the publishing service: no confirm comes).
    func publish(_ name: String, _ message: BrokerMessage) async -> Bool {
        await hop()
        // Down, or cut off from the publishing service: no confirm comes.
        // Who publishes is a task-local read, made only when some link is cut.
        let network = environment.network
        let cutOff = network.hasCuts && (WorkOrigin.current.map { network.isPartitioned($0.service, "broker") } ?? false)
        guard server.isUp, !cutOff else {
            // The queue's handle; a queue nobody has used yet is not made for a failed publish.
            if let index = channelIndex[name] { channels[index].metrics.unconfirmed.add() } else { environment.metrics.count("broker.\(name).unconfirmed") }
            // Rare (the broker down or cut off): the queue's name is looked up here.
            sim.trace.record(traceNames.publish, channelIndex[name].map { channels[$0].traceName } ?? sim.trace.name(name),
                             detail: traceNames.unconfirmed)
            return false
        }
        let index = channel(name)
        let outcome = channels[index].queue.publish(message, now: sim.clock.now)
        let metrics = channels[index].metrics
        (outcome.isConfirmed ? metrics.published : metrics.refused).add()
        let sequence: Int64 = if case .confirmed(let sequence) = outcome { Int64(sequence) } else { 0 }
        sim.trace.record(traceNames.publish, channels[index].traceName, sequence,
                         detail: outcome.isConfirmed ? traceNames.confirmed : traceNames.refused)
        pump(index)
        return outcome.isConfirmed
    }

    /// Registers a consumer with `prefetch`.
    func subscribe(_ name: String, prefetch: Int) -> ConsumerID {
        let index = channel(name)
        return sim.configured("a consumer of \(name)", { () throws(ConfigurationError) in
            try channels[index].queue.addConsumer(prefetch: prefetch)
        }, fallback: { ConsumerID(rawValue: 0) })
    }

    /// The next delivery for `consumer`, waiting for one; nil once it was cancelled.
    func receive(_ name: String, consumer: ConsumerID) async -> Queue.Delivery? {
        guard let index = channelIndex[name] else { return nil }
        pump(index)
        if let waiting = channels[index].inboxes[consumer], !waiting.isEmpty {
            return channels[index].inboxes[consumer]!.removeFirst()
        }
        guard channels[index].queue.load(of: consumer) != nil else { return nil }
        return await withUnsafeContinuation { continuation in
            channels[index].parked[consumer] = continuation
        }
    }

    func ack(_ name: String, _ tag: DeliveryTag) {
        // A delivery of the broker's earlier life was requeued by its crash already: the
        // ack of a dead channel is void.
        guard server.isUp else { return }
        // Only what the ack settled counts: a tag the queue no longer holds (requeued by a
        // crash, acked already) settles nothing, and the redelivery is acked on its own.
        guard let index = channelIndex[name] else { return }
        let settled = channels[index].queue.ack(tag)
        if settled > 0 { channels[index].metrics.acked.add(Int64(settled)) }
        sim.trace.record(traceNames.ack, channels[index].traceName, Int64(tag.value), Int64(settled))
        pump(index)
    }

    func nack(_ name: String, _ tag: DeliveryTag, requeue: Bool) {
        guard server.isUp else { return }
        guard let index = channelIndex[name] else { return }
        let settled = channels[index].queue.nack(tag, requeue: requeue, now: sim.clock.now)
        if settled > 0 { channels[index].metrics.nacked.add(Int64(settled)) }
        sim.trace.record(traceNames.nack, channels[index].traceName, Int64(tag.value), Int64(settled),
                         detail: requeue ? traceNames.nackRequeue : traceNames.nackDrop)
        pump(index)
    }

    /// A consumer died or stopped: its unacked messages are requeued.
    func cancel(_ name: String, consumer: ConsumerID) {
        guard let index = channelIndex[name] else { return }
        _ = channels[index].queue.cancel(consumer, now: sim.clock.now)
        channels[index].inboxes[consumer] = nil
        channels[index].parked.removeValue(forKey: consumer)?.resume(returning: nil)
        pump(index)
    }

    /// Wakes every parked consumer with nil, as a closed connection would (the world is
    /// being torn down; cancellation does not reach a parked consumer), in channel and
    /// consumer order.
    func releaseConsumers() {
        for index in channels.indices {
            for consumer in channels[index].parked.keys.sorted() {
                channels[index].parked.removeValue(forKey: consumer)?.resume(returning: nil)
            }
        }
    }

    /// Hands out every delivery queue `index` allows now.
    private func pump(_ index: Int) {
        guard server.isUp else { return }
        let now = sim.clock.now
        _ = channels[index].queue.expire(now: now)
        while let delivery = channels[index].queue.nextDelivery(now: now) {
            channels[index].lastDelivered[delivery.consumer] = delivery.tag
            sim.trace.record(traceNames.deliver, channels[index].traceName, Int64(delivery.tag.value),
                             Int64(delivery.sequence), detail: delivery.redelivered ? traceNames.redelivered : .none)
            if let waiter = channels[index].parked.removeValue(forKey: delivery.consumer) {
                waiter.resume(returning: delivery)
            } else {
                channels[index].inboxes[delivery.consumer, default: []].append(delivery)
            }
        }
        let metrics = channels[index].metrics
        while let dead = channels[index].queue.popDeadLetter() {
            metrics.deadLettered(dead.reason).add()
            sim.trace.record(traceNames.deadLetter, channels[index].traceName, detail: traceNames.reason(dead.reason))
        }
        let statistics = channels[index].queue.statistics
        metrics.depth.ready.set(Double(statistics.ready))
        metrics.depth.unacked.set(Double(statistics.unacked))
        scheduleExpiry()
    }

    private func scheduleExpiry() {
        if let expiryTimer { sim.executor.cancel(expiryTimer) }
        expiryTimer = nil
        var earliest: VirtualClock.Instant?
        for index in channels.indices {
            if let next = channels[index].queue.nextExpiry(), earliest.map({ next < $0 }) ?? true { earliest = next }
        }
        if let earliest { expiryTimer = sim.executor.schedule(at: earliest.nanoseconds, self, SimEvent(0), background: true) }
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(()) { broker, _ in
            broker.expiryTimer = nil
            for index in broker.channels.indices { broker.pump(index) }
        }
    }

    /// The broker crashes: every unacknowledged delivery (in a consumer's hands or in its
    /// buffer) goes back to its queue, to be redelivered after the restart.
    func crash() {
        guard server.crash() else { return }
        environment.metrics.count("broker.crashes")
        let now = sim.clock.now
        for index in channels.indices {
            var requeued = 0
            for (_, tag) in channels[index].lastDelivered.sorted(by: { $0.key < $1.key }) {
                requeued += channels[index].queue.nack(tag, multiple: true, requeue: true, now: now)
            }
            channels[index].lastDelivered = [:]
            channels[index].inboxes = [:]
            environment.metrics.count("broker.\(channels[index].queue.configuration.name).requeued_on_crash", Int64(requeued))
        }
    }

    /// The broker is back: deliveries resume to the waiting consumers.
    func restart() {
        guard server.restart() else { return }
        environment.metrics.count("broker.restarts")
        for index in channels.indices { pump(index) }
    }

    /// Each queue's counters, in creation order.
    func statistics() -> [(name: String, statistics: MessageQueueStatistics)] {
        channels.map { ($0.queue.configuration.name, $0.queue.statistics) }
    }
}
