/// The time base of the window limiters (``FixedWindowCounter``, ``SlidingWindowCounter``,
/// ``SlidingWindowLog``): a window length in nanoseconds and a clock that never runs
/// backwards.
///
/// Instants earlier than one already seen count as that one, so a caller whose clock
/// reads are reordered (two tasks racing for the limiter) cannot un-expire admissions.
struct WindowTimeline<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The window length in nanoseconds (≥ 1).
    let windowNanoseconds: Int64
    private var timeline: LimiterTimeline<Instant>
    /// The latest offset seen; `.min` before first use.
    private(set) var latest: Int64 = .min

    /// Checks the parameters of `type`, a window limiter: `limit` ≥ 0, `window` ≥ 1 ns.
    init(_ type: String, limit: Int, window: Duration, origin: Instant?) throws(ConfigurationError) {
        let check = ConfigurationCheck(type)
        try check.require(limit >= 0, "limit", ">= 0", limit)
        try check.require(window.wholeNanoseconds >= 1, "window", ">= 1 ns", window)
        windowNanoseconds = window.wholeNanoseconds
        timeline = LimiterTimeline(origin: origin)
    }

    /// Moves to `now` (never backwards) and returns the offset now stands at.
    mutating func advance(to now: Instant) -> Int64 {
        latest = Swift.max(latest, timeline.offset(of: now))
        return latest
    }

    /// The offset `now` would stand at, without moving.
    func peek(_ now: Instant) -> Int64 {
        Swift.max(latest, timeline.peekOffset(of: now))
    }

    /// The index of the fixed window holding `offset`; windows are laid end to end from 0.
    func windowIndex(of offset: Int64) -> Int64 {
        LimiterMath.floorDiv(offset, windowNanoseconds)
    }
}
