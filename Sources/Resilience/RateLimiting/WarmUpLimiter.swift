/// A warm-up rate limiter (Guava's `SmoothWarmingUp`, the curve of Sentinel's warm-up
/// control behaviour): after a quiet spell it admits only `rate/coldFactor`, and under
/// sustained demand its rate climbs linearly in the spacing to `rate` over
/// `warmUpPeriod`, so a cold system (empty caches, cold connection pools, JIT) is not
/// hit with full traffic at once.
///
/// The model is Guava's: "stored permits" between 0 and `maxPermits` measure coldness.
/// With `stable = 1/rate` and `cold = coldFactor·stable`:
/// `threshold = ½·warmUpPeriod/stable`, `maxPermits = threshold + 2·warmUpPeriod/(stable + cold)`.
/// A permit taken while more than `threshold` are stored costs a spacing that grows
/// linearly from `stable` (at the threshold) to `cold` (at `maxPermits`); otherwise it
/// costs `stable`. Going from `maxPermits` down to `threshold` thus takes exactly
/// `warmUpPeriod` of saturated traffic. Idle time refills stored permits at
/// `maxPermits/warmUpPeriod`, so a full `warmUpPeriod` of silence makes it cold again.
/// It starts cold, like Guava and Sentinel.
///
/// Scheduling is Guava's: a request waits for the debt left by earlier ones (not for its
/// own cost, which the next request pays), and is refused — changing nothing — when
/// that wait exceeds `maxWait` or ``maxQueueingTime`` (default 500 ms, as in Sentinel's
/// warm-up-with-queueing behaviour). Unlike Sentinel's `WarmUpController`, which refills
/// from the previous second's measured QPS and compares against a one-second window,
/// the cold state here depends only on the admissions themselves (deterministic, no
/// window). Time and the steady part of each spacing are exact integers; only the
/// warm-up surcharge is floating point (rounded once per request, to 1/rate.permits ns).
public struct WarmUpLimiter<Instant: InstantProtocol>: ReservingRateLimiter, Sendable where Instant.Duration == Duration {
    /// The rate reached once warm (Sentinel's `count`).
    public let rate: Rate
    /// How long saturated traffic takes to bring the rate from `rate/coldFactor` to `rate`.
    public let warmUpPeriod: Duration
    /// How much slower than `rate` a cold limiter admits (Sentinel's and Guava's 3).
    public let coldFactor: Double
    /// The longest a caller may be asked to wait.
    public let maxQueueingTime: Duration

    /// Stored permits at which the spacing reaches the stable one.
    public let thresholdPermits: Double
    /// Stored permits when fully cold.
    public let maxPermits: Double

    private let stableNanoseconds: Double
    private let slope: Double
    private let coolDownNanoseconds: Double
    private var timeline = LimiterTimeline<Instant>()
    private var stored: Double
    /// When the next request may go, in nanoseconds × `rate.permits` (exact).
    private var nextFree: Int128 = 0
    /// State before the latest booking, so that it alone can be undone by `cancel`.
    private var undo: (nextFree: Int128, stored: Double)?

    /// Climbs from `rate/coldFactor` to `rate` (> 0) over `warmUpPeriod` (> 0) of
    /// saturated traffic; `coldFactor` > 1 (default 3); callers wait at most
    /// `maxQueueingTime` (default 500 ms).
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(rate: Rate, warmUpPeriod: Duration, coldFactor: Double = 3, maxQueueingTime: Duration = .milliseconds(500)) throws(ConfigurationError) {
        let check = ConfigurationCheck("WarmUpLimiter")
        try check.require(rate.permits > 0, "rate", "> 0", rate)
        try check.require(warmUpPeriod.wholeNanoseconds > 0, "warmUpPeriod", ">= 1 ns", warmUpPeriod)
        try check.require(coldFactor > 1 && coldFactor.isFinite, "coldFactor", "finite and > 1", coldFactor)
        try check.require(maxQueueingTime >= .zero, "maxQueueingTime", ">= 0", maxQueueingTime)
        let warmUp = Double(warmUpPeriod.wholeNanoseconds)
        self.rate = rate
        self.warmUpPeriod = warmUpPeriod
        self.coldFactor = coldFactor
        self.maxQueueingTime = maxQueueingTime
        let stable = rate.nanosecondsPerPermit
        let cold = stable * coldFactor
        stableNanoseconds = stable
        thresholdPermits = 0.5 * warmUp / stable
        maxPermits = thresholdPermits + 2 * warmUp / (stable + cold)
        slope = (cold - stable) / (maxPermits - thresholdPermits)
        coolDownNanoseconds = warmUp / maxPermits
        stored = maxPermits
    }

    /// Stored permits at `now` (`maxPermits` = fully cold, ≤ `thresholdPermits` = warm).
    public func storedPermits(at now: Instant) -> Double {
        resynced(to: Int128(timeline.peekOffset(of: now)) * Int128(rate.permits)).stored
    }

    /// The rate, in permits per second, at which a request arriving at `now` would be
    /// charged: from `rate/coldFactor` when cold up to `rate` when warm.
    public func currentRate(at now: Instant) -> Double {
        1e9 / spacing(atStored: storedPermits(at: now))
    }

    /// Books `permits` (≥ 0) at `now` if the debt left by earlier requests is repaid
    /// within both `maxWait` and ``maxQueueingTime``; nil (changing nothing) otherwise.
    public mutating func reserve(_ permits: Int, at now: Instant, maxWait: Duration) -> RateLimitReservation<Instant>? {
        // A per-call count of the calling code, not configuration: a negative one is a
        // programming error, so it stays a precondition rather than a thrown error.
        precondition(permits >= 0, "permits must be >= 0")
        let offset = timeline.offset(of: now)
        let scale = Int128(rate.permits)
        let (storedNow, freeNow) = resynced(to: Int128(offset) * scale)
        let act = LimiterMath.ceilDiv(freeNow, scale)
        let wait = act - Int128(offset)
        let budget = Swift.min(LimiterMath.waitBudget(maxWait), LimiterMath.waitBudget(maxQueueingTime))
        guard wait <= Int128(budget) else { return nil }
        let actOffset = Int64(act)
        guard permits > 0 else {
            return RateLimitReservation(permits: 0, timeToAct: timeline.instant(at: actOffset),
                                        delay: .nanoseconds(Int64(wait)), actOffset: actOffset)
        }
        let fromStored = Swift.min(Double(permits), storedNow)
        let surcharge = (surchargeNanoseconds(stored: storedNow, taking: fromStored) * Double(rate.permits)).rounded()
        let cost = Int128(permits) * Int128(rate.intervalNanoseconds) + Int128(surcharge)
        undo = (nextFree, stored)
        stored = storedNow - fromStored
        nextFree = freeNow + cost
        return RateLimitReservation(permits: permits, timeToAct: timeline.instant(at: actOffset),
                                    delay: .nanoseconds(Int64(wait)), actOffset: actOffset, stateAfter: nextFree)
    }

    /// Undoes `reservation` entirely if it is the latest booking and its time has not
    /// passed (its cost and the cold permits it spent come back); otherwise does nothing,
    /// since later bookings were spaced behind it.
    public mutating func cancel(_ reservation: RateLimitReservation<Instant>, at now: Instant) {
        guard reservation.permits > 0, reservation.actOffset >= timeline.offset(of: now),
              reservation.stateAfter == nextFree, let undo else { return }
        (nextFree, stored) = undo
        self.undo = nil
    }

    /// Guava's `resync`: idle time since `nextFree` refills stored permits.
    private func resynced(to nowScaled: Int128) -> (stored: Double, nextFree: Int128) {
        guard nowScaled > nextFree else { return (stored, nextFree) }
        let idle = Double(nowScaled - nextFree) / Double(rate.permits)
        return (Swift.min(maxPermits, stored + idle / coolDownNanoseconds), nowScaled)
    }

    /// The spacing charged for a permit taken with `stored` permits stored.
    private func spacing(atStored stored: Double) -> Double {
        stableNanoseconds + Swift.max(0, stored - thresholdPermits) * slope
    }

    /// Extra nanoseconds, beyond `taking·stable`, for taking `taking` stored permits
    /// from `stored`: the area above `stable` under the warm-up line (Guava's
    /// `storedPermitsToWaitTime` minus the stable part).
    private func surchargeNanoseconds(stored: Double, taking: Double) -> Double {
        let above = stored - thresholdPermits
        guard above > 0 else { return 0 }
        let aboveTaken = Swift.min(above, taking)
        return slope * aboveTaken * (2 * above - aboveTaken) / 2
    }
}
