/// Identifies a consumer registered on one ``MessageQueue`` (an AMQP consumer on its own
/// channel). Identifiers are assigned in registration order and never reused.
public struct ConsumerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The registration number, from 1.
    public let rawValue: UInt64

    /// The consumer with registration number `rawValue`.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Consumers order by registration.
    public static func < (lhs: ConsumerID, rhs: ConsumerID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `consumer-N`.
    public var description: String { "consumer-\(rawValue)" }
}

/// Identifies one delivery: the consumer it went to and a number unique in the queue,
/// increasing with every delivery.
///
/// Unlike an AMQP delivery tag (a per-channel counter), a tag is never reused, even for
/// a redelivery of the same message: an ack that arrives late, after the message was
/// requeued and delivered again, names the old delivery and is ignored instead of
/// settling the new one.
public struct DeliveryTag: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The consumer the delivery went to.
    public let consumer: ConsumerID
    /// The delivery's number in the queue, from 1; larger means delivered later.
    public let value: UInt64

    /// The tag of delivery `value` to `consumer`.
    public init(consumer: ConsumerID, value: UInt64) {
        self.consumer = consumer
        self.value = value
    }

    /// Tags order by delivery number.
    public static func < (lhs: DeliveryTag, rhs: DeliveryTag) -> Bool { lhs.value < rhs.value }

    /// `consumer-N#value`.
    public var description: String { "\(consumer)#\(value)" }
}
