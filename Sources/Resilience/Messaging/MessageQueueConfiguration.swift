/// How a ``MessageQueue`` is declared: the queue arguments of RabbitMQ
/// (`x-max-length`, `x-overflow`, `x-message-ttl`, `x-delivery-limit`, a dead-letter
/// exchange) gathered in one value.
///
/// The defaults describe a quorum queue without length limit or TTL: delivery limit 20,
/// dead letters kept for the owner to route.
public struct MessageQueueConfiguration: Sendable, Equatable {
    /// What a full queue does with one more message (RabbitMQ `x-overflow`).
    public enum Overflow: Sendable, Equatable {
        /// Accept the new message and dead-letter the oldest ready one (reason
        /// ``DeadLetterReason/maxLength``). RabbitMQ's default.
        case dropHead
        /// Refuse the new message: the publish is not confirmed (a publisher-confirm
        /// `basic.nack`), and nothing already queued is touched.
        case rejectPublish
    }

    /// The queue's name, recorded in the `queue` field of ``DeathRecord``s.
    public var name: String
    /// Most *ready* messages the queue holds (`nil` = unbounded). As in RabbitMQ,
    /// unacknowledged messages do not count. `0` is allowed: with ``Overflow/dropHead``
    /// every message is then dead-lettered at once, with ``Overflow/rejectPublish``
    /// every publish is refused.
    public private(set) var maxLength: Int?
    /// What happens when a publish finds `maxLength` ready messages.
    public var overflow: Overflow
    /// Per-queue message TTL (`x-message-ttl`): how long a message may stay in the queue
    /// after it was published (`nil` = forever). A per-message TTL given to
    /// ``MessageQueue/publish(_:ttl:deaths:now:)`` applies too; the earlier deadline wins.
    public private(set) var messageTTL: Duration?
    /// Quorum-queue poison-message limit (`x-delivery-limit`, default 20): a message
    /// returned to the queue (nack or reject with requeue, or its consumer cancelled or
    /// died) after more than `deliveryLimit` deliveries is dead-lettered (reason
    /// ``DeadLetterReason/deliveryLimit``) instead of being requeued, so it is delivered
    /// at most `deliveryLimit + 1` times. `nil` = unlimited (a classic queue).
    ///
    /// Unlike RabbitMQ 4.3, which stopped counting `basic.nack` (only `basic.reject` and
    /// lost consumers count), every delivery that ends without an ack counts here: the
    /// "nack with requeue on failure" consumers of the source documents would otherwise
    /// redeliver a poison message forever.
    public private(set) var deliveryLimit: Int?
    /// Whether dead-lettered messages are kept, with their x-death records, until the
    /// owner takes them with ``MessageQueue/popDeadLetter()`` (a queue with a dead-letter
    /// exchange). When `false` they are only counted and then dropped, like a RabbitMQ
    /// queue without a dead-letter exchange.
    public var retainsDeadLetters: Bool

    /// A queue named `name`, unbounded unless `maxLength` is given (overflow `dropHead`),
    /// without TTL unless `messageTTL` is given, with a delivery limit of 20 and dead
    /// letters retained.
    public init(
        name: String = "queue",
        maxLength: Int? = nil,
        overflow: Overflow = .dropHead,
        messageTTL: Duration? = nil,
        deliveryLimit: Int? = 20,
        retainsDeadLetters: Bool = true
    ) throws(ConfigurationError) {
        let check = ConfigurationCheck("MessageQueueConfiguration")
        try check.require(maxLength.map { $0 >= 0 } ?? true, "maxLength", ">= 0 or nil", maxLength ?? 0)
        try check.require(messageTTL.map { $0 >= .zero } ?? true, "messageTTL", ">= 0 or nil", messageTTL ?? .zero)
        try check.require(deliveryLimit.map { $0 >= 0 } ?? true, "deliveryLimit", ">= 0 or nil", deliveryLimit ?? 0)
        self.name = name
        self.maxLength = maxLength
        self.overflow = overflow
        self.messageTTL = messageTTL
        self.deliveryLimit = deliveryLimit
        self.retainsDeadLetters = retainsDeadLetters
    }

    /// A queue named "queue" with the defaults above: unbounded, no TTL, 20 deliveries.
    // `try!`: constant, valid arguments; the initialiser cannot throw for them.
    public static let defaults = try! MessageQueueConfiguration()
}
