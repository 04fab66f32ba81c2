/// Why a message was dead-lettered; the raw values are RabbitMQ's `x-death` reasons.
public enum DeadLetterReason: String, Sendable, Hashable, CaseIterable {
    /// Nacked or rejected by a consumer with `requeue: false`.
    case rejected = "rejected"
    /// Its TTL (per queue or per message) passed while it was ready.
    case expired = "expired"
    /// Dropped from the head of a queue at its length limit (overflow `dropHead`).
    case maxLength = "maxlen"
    /// Returned to a queue more often than its delivery limit (a poison message).
    case deliveryLimit = "delivery_limit"
}

/// One entry of a message's `x-death` history: the dead-letterings of the message by one
/// queue for one reason.
///
/// As in RabbitMQ, a message carries one record per `(queue, reason)` pair, most recent
/// first; dead-lettering it again for the same pair increments `count` and moves the
/// record to the front. The broker routes the message onwards (to a dead-letter queue,
/// which is just another ``MessageQueue``) with this history, so a message that cycles
/// can be recognised by its counts.
public struct DeathRecord<Instant: InstantProtocol>: Sendable, Hashable {
    /// The queue that dead-lettered the message.
    public var queue: String
    /// Why it did.
    public var reason: DeadLetterReason
    /// How many times this queue dead-lettered the message for this reason.
    public var count: Int
    /// When this queue first dead-lettered the message for this reason.
    public var firstTime: Instant
    /// When it last did (equal to `firstTime` while `count == 1`). RabbitMQ's single
    /// `time` field is ambiguous between the two; both are kept.
    public var lastTime: Instant
    /// The message's own TTL (RabbitMQ's `original-expiration`), if it had one. As in
    /// RabbitMQ, dead-lettering strips the per-message TTL so that the message does not
    /// expire again in the dead-letter queue.
    public var originalTTL: Duration?

    /// A record with the given fields.
    public init(queue: String, reason: DeadLetterReason, count: Int, firstTime: Instant, lastTime: Instant, originalTTL: Duration? = nil) {
        self.queue = queue
        self.reason = reason
        self.count = count
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.originalTTL = originalTTL
    }
}
