/// A sliding-window log: admits `permits` at `now` only if the permits admitted in
/// `(now − window, now]` plus these stay within `limit` — exact, for every window, not an
/// estimate (the Redis sorted-set limiter of seed 002: `ZREMRANGEBYSCORE`, `ZCARD`, `ZADD`).
///
/// It remembers the time and size of each admission still inside the window; as each
/// holds at least one permit, its memory is bounded by `limit` entries however heavy the
/// traffic (the log is pruned on every call). Refused
/// requests are not logged (some Redis scripts add them anyway, which lets a client that
/// keeps retrying lock itself out).
public struct SlidingWindowLog<Instant: InstantProtocol>: RateLimiting, Sendable where Instant.Duration == Duration {
    /// The most permits in any window of length ``window``.
    public let limit: Int
    /// The window length.
    public let window: Duration

    private struct Entry {
        var offset: Int64
        var permits: Int
    }

    private var clock: WindowTimeline<Instant>
    private var log = Deque<Entry>()
    private var inWindow = 0

    /// At most `limit` (≥ 0) permits in any `window` (≥ 1 ns).
    ///
    /// - Throws: ``ConfigurationError`` for a negative `limit` or a `window` under 1 ns.
    public init(limit: Int, window: Duration) throws(ConfigurationError) {
        clock = try WindowTimeline("SlidingWindowLog", limit: limit, window: window, origin: nil)
        self.limit = limit
        self.window = window
    }

    /// Admits `permits` (≥ 0) if they fit in the window ending at `now`; a refusal logs
    /// nothing. An instant earlier than one already seen counts as that one.
    public mutating func tryAcquire(_ permits: Int = 1, at now: Instant) -> Bool {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        let offset = clock.advance(to: now)
        evict(before: offset)
        guard permits <= limit - inWindow else { return false }
        guard permits > 0 else { return true }
        inWindow += permits
        log.append(Entry(offset: offset, permits: permits))
        return true
    }

    /// Permits admitted in the window ending at `now`.
    public func count(at now: Instant) -> Int {
        let offset = clock.peek(now)
        var count = inWindow
        for entry in log where entry.offset <= offset - clock.windowNanoseconds { count -= entry.permits }
        return count
    }

    /// Admissions remembered (≤ `limit`).
    public var logSize: Int { log.count }

    /// How long from `now` until `permits` more would fit (0 if they fit now; nil if
    /// `permits > limit`). A `Retry-After` for an HTTP 429; changes nothing.
    public func timeUntilAvailable(_ permits: Int = 1, at now: Instant) -> Duration? {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        guard permits <= limit else { return nil }
        let offset = clock.peek(now)
        let horizon = offset - clock.windowNanoseconds
        var count = inWindow
        for entry in log where entry.offset <= horizon { count -= entry.permits }
        if count + permits <= limit { return .zero }
        // Admissions leave the window oldest first, each at its own time + W.
        for entry in log where entry.offset > horizon {
            count -= entry.permits
            if count + permits <= limit { return .nanoseconds(entry.offset + clock.windowNanoseconds - offset) }
        }
        return .zero
    }

    private mutating func evict(before offset: Int64) {
        while let oldest = log.first, oldest.offset <= offset - clock.windowNanoseconds {
            inWindow -= oldest.permits
            _ = log.popFirst()
        }
    }
}
