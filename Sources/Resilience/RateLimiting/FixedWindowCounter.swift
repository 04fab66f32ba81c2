/// A fixed-window counter: at most `limit` permits per window of length `window`,
/// windows laid end to end from a start instant (Resilience4j's
/// `AtomicRateLimiter`, whose "cycles" are such windows; Redis `INCR` + `EXPIRE`).
///
/// Kept for comparison, because it has a known flaw (Resilience4j #1356): the count
/// resets at each boundary, so `limit` permits at the end of one window and `limit` more
/// at the start of the next pass within a moment of each other — up to 2× the limit in
/// an interval of length `window` straddling the boundary. ``SlidingWindowCounter``,
/// ``SlidingWindowLog`` and ``TokenBucket`` avoid it.
public struct FixedWindowCounter<Instant: InstantProtocol>: RateLimiting, Sendable where Instant.Duration == Duration {
    /// Permits per window.
    public let limit: Int
    /// The window length.
    public let window: Duration

    private var clock: WindowTimeline<Instant>
    private var windowIndex: Int64 = 0
    private var used = 0

    /// At most `limit` (≥ 0) permits per `window` (≥ 1 ns), windows laid end to end from
    /// `origin` (default: the first instant the counter is used at; pass e.g. the
    /// server's start to align them to it).
    ///
    /// - Throws: ``ConfigurationError`` for a negative `limit` or a `window` under 1 ns.
    public init(limit: Int, window: Duration, startingAt origin: Instant? = nil) throws(ConfigurationError) {
        clock = try WindowTimeline("FixedWindowCounter", limit: limit, window: window, origin: origin)
        self.limit = limit
        self.window = window
    }

    /// Admits `permits` (≥ 0) if the current window still has room for them; a refusal
    /// changes nothing. An instant earlier than one already seen counts as that one.
    public mutating func tryAcquire(_ permits: Int = 1, at now: Instant) -> Bool {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        let index = clock.windowIndex(of: clock.advance(to: now))
        if index != windowIndex {
            windowIndex = index
            used = 0
        }
        guard permits <= limit - used else { return false }
        used += permits
        return true
    }

    /// Permits still available in the window containing `now`.
    public func remaining(at now: Instant) -> Int {
        clock.windowIndex(of: clock.peek(now)) == windowIndex ? limit - used : limit
    }
}
