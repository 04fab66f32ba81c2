/// Counters describing a ``MessageQueue``'s life so far, plus its current contents.
///
/// Every accepted message is at all times in exactly one of ready, unacked, acked or
/// dead-lettered, so `confirmed == acked + deadLettered.total + ready + unacked` holds
/// after every operation (see ``isConserved``).
public struct MessageQueueStatistics: Sendable, Equatable {
    /// Publish calls (confirmed + refused).
    public var published = 0
    /// Publishes accepted by the queue (publisher confirm `ack`).
    public var confirmed = 0
    /// Publishes refused (publisher confirm `nack`): the queue was full with
    /// ``MessageQueueConfiguration/Overflow/rejectPublish``.
    public var refused = 0
    /// Deliveries handed to consumers, first deliveries and redeliveries alike.
    public var delivered = 0
    /// Deliveries of messages that had been delivered before (the `redelivered` flag).
    public var redelivered = 0
    /// Messages acknowledged (each message of a `multiple` ack counts).
    public var acked = 0
    /// Messages negatively acknowledged with `nack`, requeued or not.
    public var nacked = 0
    /// Messages rejected with `reject`, requeued or not.
    public var rejected = 0
    /// Messages put back in the queue (nack/reject with requeue, cancelled consumers).
    /// A message returned over its delivery limit or after its TTL is dead-lettered
    /// instead and not counted here.
    public var requeued = 0
    /// Messages dead-lettered, by reason.
    public var deadLettered = DeadLetterCounts()
    /// Messages waiting to be delivered now.
    public var ready = 0
    /// Messages delivered and not yet settled now.
    public var unacked = 0
    /// Consumers registered now.
    public var consumers = 0

    /// An empty record.
    public init() {}

    /// Messages that expired (their TTL passed while they were ready); they are all
    /// dead-lettered with reason ``DeadLetterReason/expired``.
    public var expired: Int { deadLettered.expired }

    /// Whether every accepted message is accounted for:
    /// `confirmed == acked + deadLettered.total + ready + unacked`.
    public var isConserved: Bool { confirmed == acked + deadLettered.total + ready + unacked }
}

/// How many messages a queue dead-lettered, for each ``DeadLetterReason``.
public struct DeadLetterCounts: Sendable, Equatable {
    /// Nacked or rejected without requeue.
    public var rejected = 0
    /// TTL passed while ready.
    public var expired = 0
    /// Dropped from the head of a full queue.
    public var maxLength = 0
    /// Returned more often than the delivery limit.
    public var deliveryLimit = 0

    /// No dead letters.
    public init() {}

    /// All dead-lettered messages.
    public var total: Int { rejected + expired + maxLength + deliveryLimit }

    /// The count for `reason`.
    public subscript(reason: DeadLetterReason) -> Int {
        get {
            switch reason {
            case .rejected: rejected
            case .expired: expired
            case .maxLength: maxLength
            case .deliveryLimit: deliveryLimit
            }
        }
        set {
            switch reason {
            case .rejected: rejected = newValue
            case .expired: expired = newValue
            case .maxLength: maxLength = newValue
            case .deliveryLimit: deliveryLimit = newValue
            }
        }
    }
}
