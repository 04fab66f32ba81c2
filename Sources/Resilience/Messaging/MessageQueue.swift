/// The rules of one broker queue with manual acknowledgements, as a pure state machine:
/// RabbitMQ's semantics (publisher confirms, prefetch, ack/nack/reject with `multiple`,
/// requeue to the original position, redelivery on consumer loss, quorum-queue delivery
/// limit, TTL, length limit, dead-lettering with `x-death`), with time passed in.
///
/// A broker actor (or an in-process broker, see ``LocalBroker``) owns one value per
/// queue and drives it:
/// - ``publish(_:ttl:deaths:now:)`` answers with a publisher confirm;
/// - ``addConsumer(prefetch:)`` registers a consumer, ``cancel(_:now:)`` removes one
///   (cancelled, or its connection died) and requeues everything it had not settled;
/// - ``nextDelivery(now:)`` produces the next delivery, oldest ready message first,
///   round-robin among the consumers below their prefetch; call it until it returns
///   `nil` after anything that may have freed a message or a consumer slot;
/// - ``ack(_:multiple:)``, ``nack(_:multiple:requeue:now:)`` and
///   ``reject(_:requeue:now:)`` settle deliveries;
/// - ``popDeadLetter()`` hands over each dead-lettered message with its `x-death`
///   history, for the broker to publish to a dead-letter queue (another instance);
/// - ``expire(now:)`` and ``nextExpiry()`` let the owner dead-letter expired messages
///   on time (every other operation given `now` expires what is due first).
///
/// **At least once.** Nothing accepted is lost: every confirmed message is at all times
/// in exactly one of ready, unacked (held by exactly one consumer), acked or
/// dead-lettered (``MessageQueueStatistics/isConserved``). A message leaves the queue
/// only through an ack or a dead-lettering.
///
/// **Order.** Ready messages are delivered in publish order. A requeued message goes back
/// to its original position, ahead of everything published after it (RabbitMQ only
/// promises "if possible"; here it is exact).
///
/// **Expiry.** A message expires `ttl` after it was published (the earlier of the queue's
/// and its own TTL; a requeue keeps the original deadline) and is dead-lettered by the
/// first operation given a `now` at or after its deadline, wherever it sits in the
/// queue. Unlike RabbitMQ, which reaps expired messages only when they reach the head of
/// the queue, an expired message never lingers behind live ones, taking room under the
/// length limit.
/// Delivered (unacked) messages do not expire; one returned after its deadline is
/// dead-lettered instead of being requeued. A TTL of zero expires the message at once:
/// unlike RabbitMQ, it is not first offered to an idle consumer.
///
/// **Unknown tags.** Acking, nacking or rejecting a tag that is not outstanding (already
/// settled, or requeued when its consumer went away) does nothing and reports zero
/// messages settled. RabbitMQ closes the channel instead, which requeues every other
/// delivery of that channel: a double ack there turns into a burst of redeliveries.
///
/// Every operation is O(log n) in the number of ready messages, plus O(prefetch) for
/// settling a delivery in the middle of a consumer's outstanding ones; `multiple`
/// settlements and cancellations are linear in the messages they settle.
public struct MessageQueue<Payload, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// A message handed to a consumer.
    public struct Delivery {
        /// Identifies this delivery; settle it with ``MessageQueue/ack(_:multiple:)``,
        /// ``MessageQueue/nack(_:multiple:requeue:now:)`` or ``MessageQueue/reject(_:requeue:now:)``.
        public var tag: DeliveryTag
        /// The message's position in the queue's publish order (its identity in the
        /// queue, the same on every redelivery).
        public var sequence: UInt64
        /// The message.
        public var payload: Payload
        /// Whether the message was delivered before (AMQP's `redelivered` flag): the
        /// consumer may have processed it already.
        public var redelivered: Bool
        /// How many times the message has been delivered, this delivery included (1 for
        /// a first delivery). RabbitMQ's `x-delivery-count` is this minus one.
        public var deliveryCount: Int
        /// When the message was published to this queue.
        public var publishedAt: Instant
        /// The message's `x-death` history from earlier queues, most recent first (empty
        /// unless it was dead-lettered into this queue).
        public var deaths: [DeathRecord<Instant>]

        /// The consumer the delivery went to.
        @inlinable public var consumer: ConsumerID { tag.consumer }

        @inlinable init(tag: DeliveryTag, sequence: UInt64, payload: Payload, redelivered: Bool, deliveryCount: Int, publishedAt: Instant, deaths: [DeathRecord<Instant>]) {
            self.tag = tag
            self.sequence = sequence
            self.payload = payload
            self.redelivered = redelivered
            self.deliveryCount = deliveryCount
            self.publishedAt = publishedAt
            self.deaths = deaths
        }
    }

    /// A dead-lettered message, for the owner to route to a dead-letter queue.
    public struct DeadLetter {
        /// The message.
        public var payload: Payload
        /// Why this queue dead-lettered it.
        public var reason: DeadLetterReason
        /// Its `x-death` history including this dead-lettering, most recent first:
        /// publish it to the dead-letter queue with these `deaths`.
        public var deaths: [DeathRecord<Instant>]
        /// Its position in this queue's publish order.
        public var sequence: UInt64
        /// How many times this queue delivered it.
        public var deliveryCount: Int
        /// When it was published to this queue.
        public var publishedAt: Instant
        /// When it was dead-lettered.
        public var deadLetteredAt: Instant

        @inlinable init(payload: Payload, reason: DeadLetterReason, deaths: [DeathRecord<Instant>], sequence: UInt64, deliveryCount: Int, publishedAt: Instant, deadLetteredAt: Instant) {
            self.payload = payload
            self.reason = reason
            self.deaths = deaths
            self.sequence = sequence
            self.deliveryCount = deliveryCount
            self.publishedAt = publishedAt
            self.deadLetteredAt = deadLetteredAt
        }
    }

    // MARK: Storage

    @usableFromInline struct Record {
        @usableFromInline var sequence: UInt64
        @usableFromInline var payload: Payload
        @usableFromInline var publishedAt: Instant
        @usableFromInline var expiresAt: Instant?
        @usableFromInline var ttl: Duration?
        @usableFromInline var deliveryCount: Int
        @usableFromInline var deaths: [DeathRecord<Instant>]

        @inlinable init(sequence: UInt64, payload: Payload, publishedAt: Instant, expiresAt: Instant?, ttl: Duration?, deliveryCount: Int, deaths: [DeathRecord<Instant>]) {
            self.sequence = sequence
            self.payload = payload
            self.publishedAt = publishedAt
            self.expiresAt = expiresAt
            self.ttl = ttl
            self.deliveryCount = deliveryCount
            self.deaths = deaths
        }
    }

    @usableFromInline struct Outstanding {
        @usableFromInline var tag: UInt64
        @usableFromInline var record: Record

        @inlinable init(tag: UInt64, record: Record) {
            self.tag = tag
            self.record = record
        }
    }

    @usableFromInline struct ConsumerState {
        @usableFromInline var prefetch: Int
        /// Unsettled deliveries, in delivery (tag) order.
        @usableFromInline var outstanding: [Outstanding] = []
        /// Whether the consumer is in the round-robin rotation (it has room).
        @usableFromInline var inRotation = false

        @inlinable var hasRoom: Bool { prefetch == 0 || outstanding.count < prefetch }
    }

    @usableFromInline struct Expiry: Comparable, Sendable {
        @usableFromInline var deadline: Instant
        @usableFromInline var sequence: UInt64

        @inlinable static func < (lhs: Expiry, rhs: Expiry) -> Bool {
            lhs.deadline != rhs.deadline ? lhs.deadline < rhs.deadline : lhs.sequence < rhs.sequence
        }

        @inlinable init(deadline: Instant, sequence: UInt64) {
            self.deadline = deadline
            self.sequence = sequence
        }
    }

    @usableFromInline enum Settlement {
        case ack
        case nack(requeue: Bool)
        case reject(requeue: Bool)
    }

    /// The queue's configuration.
    public let configuration: MessageQueueConfiguration
    @usableFromInline var counters = MessageQueueStatistics()

    // Ready messages live in `ready`, keyed by sequence. Their order is kept by two
    // indexes: `returned` (a min-heap of the sequences of requeued messages) and
    // `fresh` (the sequences of never-delivered messages, in publish order). Every
    // requeued message is older than every fresh one (a delivery always takes the oldest
    // ready message, and publishes only append younger ones), so the oldest ready
    // message is the smallest valid entry of `returned`, else the first valid entry of
    // `fresh`. An index entry whose message left `ready` by expiring is skipped lazily.
    @usableFromInline var ready: [UInt64: Record] = [:]
    @usableFromInline var fresh = Deque<UInt64>()
    @usableFromInline var returned = Heap<UInt64>()
    // Deadlines of ready messages; entries of messages that have since left `ready`
    // are skipped lazily.
    @usableFromInline var expiries = Heap<Expiry>()

    @usableFromInline var consumers: [ConsumerID: ConsumerState] = [:]
    /// Consumers with room, in round-robin order: the next delivery goes to the first.
    @usableFromInline var rotation = Deque<ConsumerID>()
    @usableFromInline var unackedTotal = 0
    @usableFromInline var deadLetters = Deque<DeadLetter>()

    @usableFromInline var lastSequence: UInt64 = 0
    @usableFromInline var lastTag: UInt64 = 0
    @usableFromInline var lastConsumer: UInt64 = 0

    /// An empty queue with `configuration`.
    public init(_ configuration: MessageQueueConfiguration = .defaults) {
        self.configuration = configuration
    }

    /// The queue's counters and current contents.
    @inlinable public var statistics: MessageQueueStatistics {
        var statistics = counters
        statistics.ready = ready.count
        statistics.unacked = unackedTotal
        statistics.consumers = consumers.count
        return statistics
    }

    /// Messages waiting for a consumer (expired ones not yet reaped included).
    @inlinable public var readyCount: Int { ready.count }
    /// Messages delivered and not yet settled.
    @inlinable public var unackedCount: Int { unackedTotal }
    /// Registered consumers.
    @inlinable public var consumerCount: Int { consumers.count }
    /// Dead letters waiting for ``popDeadLetter()``.
    @inlinable public var pendingDeadLetters: Int { deadLetters.count }

    // MARK: Publishing

    /// Publishes `payload` and answers with a publisher confirm.
    ///
    /// Expired messages are dead-lettered first, so they never take room. If the queue
    /// then holds `maxLength` ready messages, an overflow of `rejectPublish` refuses the
    /// message (and changes nothing else); `dropHead` accepts it and dead-letters the
    /// oldest ready message (reason ``DeadLetterReason/maxLength``), which is the new
    /// message itself when `maxLength` is 0.
    ///
    /// - Parameters:
    ///   - payload: the message.
    ///   - ttl: the message's own TTL (AMQP `expiration`), `nil` for none; the queue's
    ///     `messageTTL` applies too and the earlier deadline wins. A TTL at or below
    ///     zero expires the message on arrival (dead-lettered as `.expired`), as a TTL
    ///     of zero does in RabbitMQ: every value has a meaning, so none is refused.
    ///   - deaths: the `x-death` history the message arrives with: pass
    ///     ``DeadLetter/deaths`` when routing a dead letter here, else leave empty.
    ///   - now: the current time.
    /// - Returns: `.confirmed(sequence:)` or `.refused(.queueFull)`.
    @discardableResult
    @inlinable public mutating func publish(_ payload: Payload, ttl: Duration? = nil, deaths: [DeathRecord<Instant>] = [], now: Instant) -> PublishOutcome {
        let ttl = ttl.map { Swift.max($0, .zero) }
        counters.published += 1
        expire(now: now)
        if let maxLength = configuration.maxLength, configuration.overflow == .rejectPublish, ready.count >= maxLength {
            counters.refused += 1
            return .refused(.queueFull)
        }
        lastSequence += 1
        let sequence = lastSequence
        var expiresAt: Instant?
        if let queueTTL = configuration.messageTTL { expiresAt = now.advanced(by: queueTTL) }
        if let ttl {
            let own = now.advanced(by: ttl)
            expiresAt = expiresAt.map { Swift.min($0, own) } ?? own
        }
        let record = Record(sequence: sequence, payload: payload, publishedAt: now, expiresAt: expiresAt,
                            ttl: ttl, deliveryCount: 0, deaths: deaths)
        counters.confirmed += 1
        if let expiresAt, expiresAt <= now {
            deadLetter(record, .expired, now: now)
            return .confirmed(sequence: sequence)
        }
        ready[sequence] = record
        fresh.append(sequence)
        if let expiresAt { expiries.insert(Expiry(deadline: expiresAt, sequence: sequence)) }
        dropHeadIfOverLimit(now: now)
        return .confirmed(sequence: sequence)
    }

    // MARK: Consumers

    /// Registers a consumer that may hold up to `prefetch` unsettled deliveries
    /// (AMQP `basic.qos` prefetch count; 0 = unlimited). It joins the end of the
    /// round-robin rotation.
    ///
    /// - Throws: ``ConfigurationError`` when `prefetch` is negative.
    public mutating func addConsumer(prefetch: Int) throws(ConfigurationError) -> ConsumerID {
        try ConfigurationCheck("MessageQueue").require(prefetch >= 0, "prefetch", ">= 0 (0 = unlimited)", prefetch)
        lastConsumer += 1
        let id = ConsumerID(rawValue: lastConsumer)
        consumers[id] = ConsumerState(prefetch: prefetch, inRotation: true)
        rotation.append(id)
        return id
    }

    /// Changes `consumer`'s prefetch (0 = unlimited). Deliveries it already holds beyond
    /// a lowered limit stay with it; it gets no more until it is below the limit.
    /// Returns `false` if the consumer is unknown; throws ``ConfigurationError`` when
    /// `prefetch` is negative.
    @discardableResult
    public mutating func setPrefetch(_ prefetch: Int, for consumer: ConsumerID) throws(ConfigurationError) -> Bool {
        try ConfigurationCheck("MessageQueue").require(prefetch >= 0, "prefetch", ">= 0 (0 = unlimited)", prefetch)
        guard var state = consumers.removeValue(forKey: consumer) else { return false }
        state.prefetch = prefetch
        if state.inRotation, !state.hasRoom {
            rotation.remove(where: { $0 == consumer })
            state.inRotation = false
        } else if !state.inRotation, state.hasRoom {
            rotation.append(consumer)
            state.inRotation = true
        }
        consumers[consumer] = state
        return true
    }

    /// The prefetch limit and the number of unsettled deliveries of `consumer`, or `nil`
    /// if it is not registered.
    @inlinable public func load(of consumer: ConsumerID) -> (prefetch: Int, unacked: Int)? {
        consumers[consumer].map { ($0.prefetch, $0.outstanding.count) }
    }

    /// Removes `consumer` (it cancelled, or its channel or connection closed, or it
    /// crashed) and returns every delivery it had not settled to the queue, each at its
    /// original position and flagged redelivered when delivered again. A returned
    /// message over the delivery limit, or past its TTL, is dead-lettered instead.
    ///
    /// - Returns: the number of deliveries returned (requeued or dead-lettered); 0 if the
    ///   consumer was not registered.
    @discardableResult
    @inlinable public mutating func cancel(_ consumer: ConsumerID, now: Instant) -> Int {
        expire(now: now)
        guard let state = consumers.removeValue(forKey: consumer) else { return 0 }
        if state.inRotation { rotation.remove(where: { $0 == consumer }) }
        unackedTotal -= state.outstanding.count
        for outstanding in state.outstanding { requeue(outstanding.record, now: now) }
        dropHeadIfOverLimit(now: now)
        return state.outstanding.count
    }

    // MARK: Delivering

    /// The next delivery, or `nil` when no message is ready or no consumer has room.
    ///
    /// Expired messages are dead-lettered first. The oldest ready message goes to the
    /// first consumer in the rotation, which then moves to the end of the rotation if it
    /// still has room, or leaves it until a settlement frees a slot. The delivery counts
    /// against the consumer's prefetch until it is settled.
    @inlinable public mutating func nextDelivery(now: Instant) -> Delivery? {
        expire(now: now)
        guard !ready.isEmpty, let consumer = rotation.popFirst() else { return nil }
        guard var record = popOldestReady() else {
            rotation.prepend(consumer)
            return nil
        }
        record.deliveryCount += 1
        lastTag += 1
        let tag = DeliveryTag(consumer: consumer, value: lastTag)
        consumers[consumer]!.outstanding.append(Outstanding(tag: lastTag, record: record))
        if consumers[consumer]!.hasRoom {
            rotation.append(consumer)
        } else {
            consumers[consumer]!.inRotation = false
        }
        unackedTotal += 1
        counters.delivered += 1
        if record.deliveryCount > 1 { counters.redelivered += 1 }
        return Delivery(tag: tag, sequence: record.sequence, payload: record.payload,
                        redelivered: record.deliveryCount > 1, deliveryCount: record.deliveryCount,
                        publishedAt: record.publishedAt, deaths: record.deaths)
    }

    // MARK: Settling

    /// Acknowledges delivery `tag` (AMQP `basic.ack`): the message is done and leaves
    /// the queue. With `multiple`, also every earlier unsettled delivery to the same
    /// consumer.
    ///
    /// - Returns: the number of messages acknowledged; 0 if `tag` is not outstanding
    ///   (already settled, or requeued when its consumer went away): nothing changes.
    @discardableResult
    @inlinable public mutating func ack(_ tag: DeliveryTag, multiple: Bool = false) -> Int {
        settle(tag, multiple: multiple, as: .ack, now: nil)
    }

    /// Negatively acknowledges delivery `tag` (RabbitMQ `basic.nack`), and with
    /// `multiple` every earlier unsettled delivery to the same consumer.
    ///
    /// With `requeue` (the default) each message goes back to its original position,
    /// unless it has now been delivered more than the delivery limit or is past its TTL:
    /// then it is dead-lettered (reason ``DeadLetterReason/deliveryLimit`` or
    /// ``DeadLetterReason/expired``). Without `requeue` each is dead-lettered with reason
    /// ``DeadLetterReason/rejected``. With drop-head, requeued messages beyond `maxLength`
    /// push the oldest ready messages out (the limit holds after every operation; with
    /// reject-publish, requeues may exceed it, since they cannot be refused).
    ///
    /// - Returns: the number of messages settled; 0 if `tag` is not outstanding.
    @discardableResult
    @inlinable public mutating func nack(_ tag: DeliveryTag, multiple: Bool = false, requeue: Bool = true, now: Instant) -> Int {
        settle(tag, multiple: multiple, as: .nack(requeue: requeue), now: now)
    }

    /// Rejects the single delivery `tag` (AMQP `basic.reject`, which has no `multiple`):
    /// as ``nack(_:multiple:requeue:now:)`` for one message.
    ///
    /// - Returns: whether `tag` was outstanding.
    @discardableResult
    @inlinable public mutating func reject(_ tag: DeliveryTag, requeue: Bool, now: Instant) -> Bool {
        settle(tag, multiple: false, as: .reject(requeue: requeue), now: now) == 1
    }

    @inlinable mutating func settle(_ tag: DeliveryTag, multiple: Bool, as settlement: Settlement, now: Instant?) -> Int {
        if let now { expire(now: now) }
        // Taken out of the dictionary so that its array is mutated in place.
        guard var state = consumers.removeValue(forKey: tag.consumer) else { return 0 }
        defer { consumers[tag.consumer] = state }
        // Outstanding deliveries are in tag order: find those with tag <= tag.value.
        var low = 0
        var high = state.outstanding.count
        while low < high {
            let middle = (low + high) / 2
            if state.outstanding[middle].tag <= tag.value { low = middle + 1 } else { high = middle }
        }
        let range: Range<Int>
        if multiple {
            range = 0..<low
        } else {
            guard low > 0, state.outstanding[low - 1].tag == tag.value else { return 0 }
            range = (low - 1)..<low
        }
        guard !range.isEmpty else { return 0 }
        for index in range {
            let record = state.outstanding[index].record
            switch settlement {
            case .ack:
                counters.acked += 1
            case .nack(let requeue):
                counters.nacked += 1
                if requeue { self.requeue(record, now: now!) } else { deadLetter(record, .rejected, now: now!) }
            case .reject(let requeue):
                counters.rejected += 1
                if requeue { self.requeue(record, now: now!) } else { deadLetter(record, .rejected, now: now!) }
            }
        }
        state.outstanding.removeSubrange(range)
        unackedTotal -= range.count
        if !state.inRotation, state.hasRoom {
            rotation.append(tag.consumer)
            state.inRotation = true
        }
        if let now { dropHeadIfOverLimit(now: now) }
        return range.count
    }

    /// Puts a returned delivery back at its original position, or dead-letters it if it
    /// used up its delivery limit or its TTL passed meanwhile.
    @inlinable mutating func requeue(_ record: Record, now: Instant) {
        if let limit = configuration.deliveryLimit, record.deliveryCount > limit {
            deadLetter(record, .deliveryLimit, now: now)
        } else if let expiresAt = record.expiresAt, expiresAt <= now {
            deadLetter(record, .expired, now: now)
        } else {
            ready[record.sequence] = record
            returned.insert(record.sequence)
            if let expiresAt = record.expiresAt { expiries.insert(Expiry(deadline: expiresAt, sequence: record.sequence)) }
            counters.requeued += 1
        }
    }

    // MARK: Expiry and length limit

    /// Dead-letters every ready message whose deadline is at or before `now` (reason
    /// ``DeadLetterReason/expired``), in deadline order. Every other operation does this
    /// first; call it on its own, at ``nextExpiry()``, to dead-letter messages on time
    /// while nothing else happens.
    ///
    /// - Returns: the number of messages that expired.
    @discardableResult
    @inlinable public mutating func expire(now: Instant) -> Int {
        var count = 0
        while let next = expiries.min, next.deadline <= now {
            expiries.popMin()
            if let record = ready.removeValue(forKey: next.sequence) {
                deadLetter(record, .expired, now: now)
                count += 1
            }
        }
        return count
    }

    /// The earliest deadline of a ready message, or `nil` if none has a TTL: when the
    /// owner should next call ``expire(now:)``. Mutating only to discard the bookkeeping
    /// of messages that were delivered meanwhile.
    @inlinable public mutating func nextExpiry() -> Instant? {
        while let next = expiries.min {
            if ready[next.sequence] != nil { return next.deadline }
            expiries.popMin()
        }
        return nil
    }

    @inlinable mutating func dropHeadIfOverLimit(now: Instant) {
        guard let maxLength = configuration.maxLength, configuration.overflow == .dropHead else { return }
        while ready.count > maxLength, let record = popOldestReady() {
            deadLetter(record, .maxLength, now: now)
        }
    }

    /// Removes and returns the ready message with the smallest sequence.
    @inlinable mutating func popOldestReady() -> Record? {
        while let sequence = returned.popMin() {
            if let record = ready.removeValue(forKey: sequence) { return record }
        }
        while let sequence = fresh.popFirst() {
            if let record = ready.removeValue(forKey: sequence) { return record }
        }
        return nil
    }

    // MARK: Dead letters

    @inlinable mutating func deadLetter(_ record: Record, _ reason: DeadLetterReason, now: Instant) {
        counters.deadLettered[reason] += 1
        guard configuration.retainsDeadLetters else { return }
        var deaths = record.deaths
        if let index = deaths.firstIndex(where: { $0.queue == configuration.name && $0.reason == reason }) {
            var death = deaths.remove(at: index)
            death.count += 1
            death.lastTime = now
            if let ttl = record.ttl { death.originalTTL = ttl }
            deaths.insert(death, at: 0)
        } else {
            deaths.insert(DeathRecord(queue: configuration.name, reason: reason, count: 1,
                                      firstTime: now, lastTime: now, originalTTL: record.ttl), at: 0)
        }
        deadLetters.append(DeadLetter(payload: record.payload, reason: reason, deaths: deaths,
                                      sequence: record.sequence, deliveryCount: record.deliveryCount,
                                      publishedAt: record.publishedAt, deadLetteredAt: now))
    }

    /// Takes the oldest dead letter not yet taken, or `nil`. Dead letters are kept (when
    /// ``MessageQueueConfiguration/retainsDeadLetters``) until taken: drain them after
    /// each operation.
    @inlinable public mutating func popDeadLetter() -> DeadLetter? {
        deadLetters.popFirst()
    }
}

extension MessageQueue: Sendable where Payload: Sendable {}
extension MessageQueue.Delivery: Sendable where Payload: Sendable {}
extension MessageQueue.DeadLetter: Sendable where Payload: Sendable {}
extension MessageQueue.Record: Sendable where Payload: Sendable {}
extension MessageQueue.Outstanding: Sendable where Payload: Sendable {}
extension MessageQueue.ConsumerState: Sendable where Payload: Sendable {}
