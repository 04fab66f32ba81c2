/// The answer to a publish with publisher confirms.
///
/// Only `.confirmed` transfers responsibility to the queue: a producer retries until it
/// gets one (seed 002: 3 attempts, 100 ms apart), and an outbox relay (the local message
/// table of seed 001) marks its row sent only then. Retries can duplicate a message the
/// queue did accept, which is why consumers deduplicate (``DeduplicationWindow``).
public enum PublishOutcome: Sendable, Hashable {
    /// The queue accepted the message (confirm `ack`); `sequence` is its position in the
    /// queue's publish order, and stays its identity there across redeliveries.
    case confirmed(sequence: UInt64)
    /// The queue refused the message (confirm `nack`); the publisher still owns it and
    /// may retry.
    case refused(PublishRefusal)

    /// Whether the message was accepted.
    public var isConfirmed: Bool {
        if case .confirmed = self { return true }
        return false
    }
}

/// Why a publish was refused.
public enum PublishRefusal: Sendable, Hashable {
    /// The queue held `maxLength` ready messages and its overflow is `rejectPublish`.
    case queueFull
}
