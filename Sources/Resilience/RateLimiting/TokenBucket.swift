/// A token bucket with golang.org/x/time/rate's semantics, as a pure state machine.
///
/// The bucket holds up to `burst` tokens, starts full (or with `initialTokens`) and
/// refills continuously at `rate`. A request for `n` tokens:
/// - ``tryAcquire(_:at:)`` (x/time/rate's `AllowN`) takes them only if they are there
///   now, and changes nothing when it refuses;
/// - ``reserve(_:at:maxWait:)`` (`ReserveN`) takes them even if that drives the bucket
///   negative, so that the caller waits until the debt is repaid and every later caller
///   waits behind it; it refuses (changing nothing) when the wait would exceed `maxWait`
///   or `n > burst`;
/// - ``cancel(_:at:)`` (`Reservation.CancelAt`) gives back only the tokens that no
///   later reservation has already counted on: `n − rate·(lastEvent − timeToAct)`.
///
/// Over any interval of length `t`, at most `burst + rate·t` tokens are handed out.
///
/// The source documents' limiters are expressible directly:
/// ```swift
/// // Flash sale: 100 QPS, burst 50, HTTP 429 on refusal (seed 003).
/// var seckill = TokenBucket<ContinuousClock.Instant>(rate: .perSecond(100), burst: 50)
/// if !seckill.tryAcquire(at: .now) { return .tooManyRequests }
/// // 100 permits/s, waiting at most 1 s for one (seed 000; Guava's RateLimiter starts
/// // empty, hence initialTokens: 0): wrap it in a RateLimiter and call
/// // acquire(maxWait: .seconds(1)).
/// let api = TokenBucket<ContinuousClock.Instant>(rate: .perSecond(100), burst: 100, initialTokens: 0)
/// ```
///
/// Arithmetic is exact: time is integer nanoseconds and tokens are kept as a fraction
/// with the rate's interval as denominator, so refills never drift (x/time/rate uses
/// float64 tokens and float durations).
///
/// Differences from x/time/rate, on purpose:
/// - an instant earlier than one already seen counts as that later instant (a caller
///   whose clock reading is slightly stale is served as if it were current, and its
///   `delay` is measured from that later instant); x/time/rate moves its `last` back and
///   then refills the same span twice;
/// - there is no infinite rate (use a very large one); a ``Rate/zero`` rate is allowed
///   (only the burst is ever admitted);
/// - the bucket's timeline starts at its first use (see `LimiterTimeline`), which is
///   the same as starting full at creation.
public struct TokenBucket<Instant: InstantProtocol>: ReservingRateLimiter, Sendable where Instant.Duration == Duration {
    /// The refill rate.
    public let rate: Rate
    /// The bucket's capacity in tokens, and the most a single request may take.
    public let burst: Int

    private var timeline = LimiterTimeline<Instant>()
    /// Tokens × `rate.intervalNanoseconds` at `last` (may be negative: reserved ahead).
    private var units: Int128
    /// Nanosecond offset at which `units` was last brought up to date.
    private var last: Int64 = 0
    /// Offset of the latest `timeToAct` handed out (x/time/rate's `lastEvent`).
    private var lastEvent: Int64 = .min

    /// A bucket of `burst` tokens (≥ 0) refilled at `rate`, holding `initialTokens`
    /// (default: full, as in x/time/rate; 0 reproduces Guava's `RateLimiter`, which
    /// starts empty) at its first use.
    ///
    /// - Throws: ``ConfigurationError`` for a negative `burst` or `initialTokens` outside
    ///   `0...burst`.
    public init(rate: Rate, burst: Int, initialTokens: Int? = nil) throws(ConfigurationError) {
        let check = ConfigurationCheck("TokenBucket")
        try check.require(burst >= 0, "burst", ">= 0", burst)
        let initial = initialTokens ?? burst
        try check.require(initial >= 0 && initial <= burst, "initialTokens", "in 0...burst (\(burst))", initial)
        self.rate = rate
        self.burst = burst
        units = Int128(initial) * Int128(rate.intervalNanoseconds)
    }

    private var unitsPerToken: Int128 { Int128(rate.intervalNanoseconds) }
    private var capacityUnits: Int128 { Int128(burst) * unitsPerToken }

    /// Units in the bucket at offset `t` (≥ `last`), refilled and capped at the burst.
    private func refilled(to t: Int64) -> Int128 {
        guard units < capacityUnits else { return units }
        let elapsed = Int128(t) - Int128(last)
        return Swift.min(capacityUnits, units + elapsed * Int128(rate.permits))
    }

    /// Tokens available at `now` (negative while reservations are outstanding). For
    /// display: decisions use the exact fraction.
    public func tokens(at now: Instant) -> Double {
        let t = Swift.max(timeline.peekOffset(of: now), last)
        return Double(refilled(to: t)) / Double(rate.intervalNanoseconds)
    }

    /// How long from `now` until `permits` tokens are available without debt (0 when
    /// they are there now; nil when `permits > burst` or the rate is zero and they will
    /// never be). A `Retry-After` for an HTTP 429; changes nothing.
    public func timeUntilAvailable(_ permits: Int = 1, at now: Instant) -> Duration? {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        guard permits <= burst else { return nil }
        let offset = timeline.peekOffset(of: now)
        let t = Swift.max(offset, last)
        let deficit = Int128(permits) * unitsPerToken - refilled(to: t)
        if deficit <= 0 { return .zero }
        guard rate.permits > 0 else { return nil }
        return .nanoseconds(LimiterMath.clamp(LimiterMath.ceilDiv(deficit, Int128(rate.permits))))
    }

    /// Takes `permits` tokens (≥ 0) at `now`, possibly ahead of time, if they are
    /// available within `maxWait` of `now`; returns when the caller may act, or nil
    /// (changing nothing) when the wait would exceed `maxWait` or `permits > burst`.
    public mutating func reserve(_ permits: Int, at now: Instant, maxWait: Duration) -> RateLimitReservation<Instant>? {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        guard permits <= burst else { return nil }
        let offset = timeline.offset(of: now)
        let t = Swift.max(offset, last)
        let after = refilled(to: t) - Int128(permits) * unitsPerToken
        var act = Int128(t)
        if after < 0 {
            guard rate.permits > 0 else { return nil }
            act += LimiterMath.ceilDiv(-after, Int128(rate.permits))
        }
        let delay = act - Int128(t)
        guard delay <= Int128(LimiterMath.waitBudget(maxWait)), act <= Int128(Int64.max) else { return nil }
        units = after
        last = t
        lastEvent = Int64(act)
        return RateLimitReservation(
            permits: permits, timeToAct: timeline.instant(at: Int64(act)),
            delay: .nanoseconds(Int64(delay)), actOffset: Int64(act))
    }

    /// Gives back the tokens of `reservation` that no later reservation has counted on,
    /// as of `now` (x/time/rate's `CancelAt`): nothing if its time to act has passed,
    /// otherwise `permits − rate·(lastEvent − timeToAct)` tokens, capped at the burst.
    /// Cancel a reservation at most once.
    public mutating func cancel(_ reservation: RateLimitReservation<Instant>, at now: Instant) {
        guard reservation.permits > 0 else { return }
        let offset = timeline.offset(of: now)
        guard reservation.actOffset >= offset else { return }
        let usedByLater = (Int128(lastEvent) - Int128(reservation.actOffset)) * Int128(rate.permits)
        // Never more than the reservation took (x/time/rate could, were lastEvent ever
        // earlier than this reservation's time; exact arithmetic keeps it from being).
        let restore = Swift.min(Int128(reservation.permits) * unitsPerToken,
                                Int128(reservation.permits) * unitsPerToken - usedByLater)
        guard restore > 0 else { return }
        let t = Swift.max(offset, last)
        units = Swift.min(capacityUnits, refilled(to: t) + restore)
        last = t
        if reservation.actOffset == lastEvent, rate.permits > 0 {
            // The latest booking is gone: the one before it acted at the latest this long
            // before (x/time/rate's prevEvent), which keeps later cancels conservative.
            let span = Int128(reservation.permits) * unitsPerToken / Int128(rate.permits)
            let previous = Int128(reservation.actOffset) - span
            if previous >= Int128(offset) { lastEvent = LimiterMath.clamp(previous) }
        }
    }
}
