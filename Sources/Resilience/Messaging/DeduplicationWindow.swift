/// The memory of an idempotent consumer: the ids of messages already processed, in a
/// bounded window, so that a redelivery (or a producer's retried publish) of a processed
/// message is recognised and acknowledged without being processed again.
///
/// At-least-once delivery means a consumer sees some messages twice: after a crash
/// between processing and ack, after a nack of a batch, after a producer retry whose
/// first attempt did arrive. The pattern:
///
/// ```swift
/// if window.contains(id, now: now) { queue.ack(tag) }                   // duplicate
/// else { process(); window.insert(id, now: now); queue.ack(tag) }       // first time
/// ```
///
/// Recording after processing keeps at-least-once: a failed processing leaves no trace
/// and the redelivery is processed. What remains is the gap between processing and
/// `insert`: a crash there processes the message again (close it with a transactional
/// store, e.g. the local message table of the source documents). Copies processed
/// concurrently by two consumers are not caught until one of them records its id:
/// route by id or lock to exclude that.
///
/// **The window's limit.** Memory is bounded by `capacity` ids. An id is recognised
/// while fewer than `capacity` other ids have been recorded after it, and, when a
/// `retention` is set, until `retention` has passed since it was recorded. Older ids
/// are forgotten in recording order (FIFO; a duplicate hit does not refresh an id, so
/// the guarantee depends only on what was recorded since). A duplicate arriving later
/// than that is processed again: size `capacity` at least to the processing rate times
/// the longest redelivery delay (e.g. 8,000 messages/s × 30 s ⇒ 240,000 ids).
public struct DeduplicationWindow<ID: Hashable, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// Most ids remembered.
    public let capacity: Int
    /// How long an id is remembered at most (`nil` = until pushed out by `capacity`).
    public let retention: Duration?

    private var recordedAt: [ID: Instant] = [:]
    private var order = Deque<(id: ID, at: Instant)>()

    /// Ids forgotten so far, pushed out by `capacity` or `retention`.
    public private(set) var evicted = 0

    /// A window remembering up to `capacity` ids (> 0), each for at most `retention`.
    ///
    /// - Throws: ``ConfigurationError`` naming `capacity` or `retention`.
    public init(capacity: Int, retention: Duration? = nil) throws(ConfigurationError) {
        let check = ConfigurationCheck("DeduplicationWindow")
        try check.require(capacity > 0, "capacity", "> 0", capacity)
        try check.require(retention.map { $0 > .zero } ?? true, "retention", "> 0 or nil", retention ?? .zero)
        self.capacity = capacity
        self.retention = retention
        recordedAt.reserveCapacity(Swift.min(capacity, 1 << 16))
    }

    /// Ids held now (ids past their retention included until the next ``insert(_:now:)``
    /// or ``evict(now:)``).
    public var count: Int { recordedAt.count }

    /// Whether `id` was recorded and is still remembered at `now`: if so the message is a
    /// duplicate and should be acknowledged without processing.
    public func contains(_ id: ID, now: Instant) -> Bool {
        guard let recorded = recordedAt[id] else { return false }
        return retention.map { recorded.advanced(by: $0) > now } ?? true
    }

    /// Records `id` as processed at `now`, forgetting the oldest ids beyond `capacity`.
    ///
    /// - Returns: `false` if `id` was already remembered, in which case its recording
    ///   time is left unchanged (FIFO: its stay in the window is not extended).
    @discardableResult
    public mutating func insert(_ id: ID, now: Instant) -> Bool {
        evict(now: now)
        if recordedAt[id] != nil { return false }
        recordedAt[id] = now
        order.append((id, now))
        while order.count > capacity, let oldest = order.popFirst() {
            recordedAt[oldest.id] = nil
            evicted += 1
        }
        return true
    }

    /// Forgets the ids recorded `retention` or longer before `now`. ``insert(_:now:)``
    /// does this first; call it to release memory while idle.
    public mutating func evict(now: Instant) {
        guard let retention else { return }
        while let oldest = order.first, oldest.at.advanced(by: retention) <= now {
            _ = order.popFirst()
            recordedAt[oldest.id] = nil
            evicted += 1
        }
    }
}

extension DeduplicationWindow: Sendable where ID: Sendable {}
