/// A sliding-window counter: admits while the estimate
/// `previous·(1 − elapsed/W) + current` stays within `limit`, where `current` counts the
/// permits of the fixed window now in progress, `previous` those of the window before,
/// and `elapsed` how far into the current window `now` is (Cloudflare's and Redis'
/// two-counter sliding window).
///
/// Two integers of state, like a fixed window, but no burst of 2× the limit across a
/// boundary (Resilience4j #1356): right after a boundary the previous window still
/// weighs almost fully. It is an estimate, assuming the previous window's permits were
/// spread evenly: an adversary who packs a whole window's permits at its very end can
/// still get up to (but not reaching) 2× through an interval straddling the boundary,
/// since those weigh as if spread out. Use ``SlidingWindowLog`` for an exact bound.
/// The estimate is compared exactly, in integers.
public struct SlidingWindowCounter<Instant: InstantProtocol>: RateLimiting, Sendable where Instant.Duration == Duration {
    /// The most permits the estimate may reach.
    public let limit: Int
    /// The window length `W`.
    public let window: Duration

    private var clock: WindowTimeline<Instant>
    private var windowIndex: Int64 = 0
    private var current = 0
    private var previous = 0

    /// At most `limit` (≥ 0) permits per sliding `window` (≥ 1 ns), estimated; the
    /// underlying fixed windows are laid end to end from `origin` (default: the first
    /// instant the counter is used at).
    ///
    /// - Throws: ``ConfigurationError`` for a negative `limit` or a `window` under 1 ns.
    public init(limit: Int, window: Duration, startingAt origin: Instant? = nil) throws(ConfigurationError) {
        clock = try WindowTimeline("SlidingWindowCounter", limit: limit, window: window, origin: origin)
        self.limit = limit
        self.window = window
    }

    /// Admits `permits` (≥ 0) if the estimate plus `permits` stays within the limit; a
    /// refusal changes nothing. An instant earlier than one already seen counts as that one.
    public mutating func tryAcquire(_ permits: Int = 1, at now: Instant) -> Bool {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        let offset = clock.advance(to: now)
        roll(to: offset)
        // previous·(W − elapsed)/W + current + permits ≤ limit, multiplied through by W.
        let windowNanoseconds = clock.windowNanoseconds
        let elapsed = offset - windowIndex * windowNanoseconds
        let weighted = Int128(previous) * Int128(windowNanoseconds - elapsed)
        guard weighted + Int128(current + permits) * Int128(windowNanoseconds)
                <= Int128(limit) * Int128(windowNanoseconds) else { return false }
        current += permits
        return true
    }

    /// The estimate `previous·(1 − elapsed/W) + current` at `now`, for display.
    public func estimate(at now: Instant) -> Double {
        let offset = clock.peek(now)
        let index = clock.windowIndex(of: offset)
        let windowNanoseconds = clock.windowNanoseconds
        let (previousCount, currentCount): (Int, Int) =
            index == windowIndex ? (previous, current) : index == windowIndex + 1 ? (current, 0) : (0, 0)
        let elapsed = Double(offset - index * windowNanoseconds) / Double(windowNanoseconds)
        return Double(previousCount) * (1 - elapsed) + Double(currentCount)
    }

    private mutating func roll(to offset: Int64) {
        let index = clock.windowIndex(of: offset)
        guard index != windowIndex else { return }
        previous = index == windowIndex + 1 ? current : 0
        current = 0
        windowIndex = index
    }
}
