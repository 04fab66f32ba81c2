/// Sentinel's rate limiter ("queueing", leaky-bucket) control behaviour as a pure state
/// machine: permits leave evenly spaced at `rate`, and a caller whose turn is near waits
/// for it instead of being refused.
///
/// Each permit costs `1/rate`. A request for `n` permits at `now` passes at once if the
/// previous admission plus `n` costs is not after `now` (and the spacing restarts from
/// `now`: idle time builds no burst); otherwise it is given the slot `n` costs after the
/// previous one if that is at most ``maxQueueingTime`` (default 500 ms) away — the
/// caller then waits until ``RateLimitReservation/timeToAct`` — and is refused (changing
/// nothing) if it is further.
///
/// Unlike Sentinel (#1615), which computes the cost in whole milliseconds
/// (`round(1000·n/count)`) and so lets everything through above 1,000 QPS (cost 0) and
/// spaces 600–999 QPS wrongly, times here are integer nanoseconds and the spacing an exact
/// fraction: 5,000 QPS spaces permits 200 µs apart, and 3 QPS 333,333,333⅓ ns apart
/// without drift.
public struct QueueingLimiter<Instant: InstantProtocol>: ReservingRateLimiter, Sendable where Instant.Duration == Duration {
    /// The rate permits leave at (Sentinel's `count` QPS: `.perSecond(count)`).
    public let rate: Rate
    /// The longest a caller may be asked to wait (Sentinel's `maxQueueingTimeMs`).
    public let maxQueueingTime: Duration

    private var timeline = LimiterTimeline<Instant>()
    /// The slot of the latest admission, in nanoseconds × `rate.permits` (exact); nil
    /// before the first one (Sentinel's `latestPassedTime = -1`).
    private var latestPassed: Int128?

    /// Spaces permits at `rate`, letting callers wait up to `maxQueueingTime` (default
    /// 500 ms, Sentinel's default; ≥ 0) for their slot. A ``Rate/zero`` rate refuses all.
    ///
    /// - Throws: ``ConfigurationError`` for a negative `maxQueueingTime`.
    public init(rate: Rate, maxQueueingTime: Duration = .milliseconds(500)) throws(ConfigurationError) {
        try ConfigurationCheck("QueueingLimiter").require(maxQueueingTime >= .zero, "maxQueueingTime", ">= 0", maxQueueingTime)
        self.rate = rate
        self.maxQueueingTime = maxQueueingTime
    }

    /// Books `permits` (≥ 0) at `now`: at once if the spacing allows, else at the next slot
    /// if it is within both `maxWait` and ``maxQueueingTime``; nil (changing nothing)
    /// otherwise. Zero permits always pass; a zero rate refuses everything else.
    public mutating func reserve(_ permits: Int, at now: Instant, maxWait: Duration) -> RateLimitReservation<Instant>? {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        let offset = timeline.offset(of: now)
        guard permits > 0 else {
            return RateLimitReservation(permits: 0, timeToAct: now, delay: .zero, actOffset: offset)
        }
        guard rate.permits > 0 else { return nil }
        let scale = Int128(rate.permits)
        let nowScaled = Int128(offset) * scale
        let cost = Int128(permits) * Int128(rate.intervalNanoseconds)
        let before = latestPassed
        guard let previous = before, previous + cost > nowScaled else {
            latestPassed = nowScaled
            return RateLimitReservation(
                permits: permits, timeToAct: now, delay: .zero, actOffset: offset,
                stateAfter: nowScaled, stateBefore: before ?? .min)
        }
        let slot = previous + cost
        let act = LimiterMath.ceilDiv(slot, scale)
        let wait = act - Int128(offset)
        let budget = Swift.min(LimiterMath.waitBudget(maxWait), LimiterMath.waitBudget(maxQueueingTime))
        guard wait <= Int128(budget) else { return nil }
        latestPassed = slot
        return RateLimitReservation(
            permits: permits, timeToAct: timeline.instant(at: Int64(act)), delay: .nanoseconds(Int64(wait)),
            actOffset: Int64(act), stateAfter: slot, stateBefore: previous)
    }

    /// Gives back `reservation`'s slot if it is still the latest booking and its time has
    /// not passed (later bookings keep their slots: they are spaced from this one, as
    /// Sentinel's are); otherwise does nothing.
    public mutating func cancel(_ reservation: RateLimitReservation<Instant>, at now: Instant) {
        guard reservation.permits > 0, reservation.actOffset >= timeline.offset(of: now),
              latestPassed == reservation.stateAfter else { return }
        latestPassed = reservation.stateBefore == .min ? nil : reservation.stateBefore
    }

    /// How long from `now` until `permits` would pass without waiting (nil for a zero
    /// rate); changes nothing.
    public func timeUntilAvailable(_ permits: Int = 1, at now: Instant) -> Duration? {
        guard rate.permits > 0 else { return permits == 0 ? .zero : nil }
        guard let latestPassed, permits > 0 else { return .zero }
        let offset = timeline.peekOffset(of: now)
        let cost = Int128(permits) * Int128(rate.intervalNanoseconds)
        let act = LimiterMath.ceilDiv(latestPassed + cost, Int128(rate.permits))
        return .nanoseconds(LimiterMath.clamp(Swift.max(0, act - Int128(offset))))
    }
}
