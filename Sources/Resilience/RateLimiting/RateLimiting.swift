/// A rate limiter as a pure state machine: it answers "may these permits go now?" for
/// an explicit instant, with no clock, lock or task inside.
///
/// Simulation actors hold a conforming value and call it directly; a server wraps one
/// in ``RateLimiter`` (which adds a lock and, for ``ReservingRateLimiter``s, waiting).
public protocol RateLimiting<Instant> {
    /// The instants the limiter is driven with (`ContinuousClock.Instant`, a virtual
    /// clock's instant, ...).
    associatedtype Instant: InstantProtocol where Instant.Duration == Duration

    /// Admits `permits` at `now` if that needs no waiting, and returns whether it did.
    /// A refusal changes nothing, so callers may retry freely. Zero permits take nothing
    /// (a token bucket in debt still refuses them, as x/time/rate's `AllowN(0)` does).
    mutating func tryAcquire(_ permits: Int, at now: Instant) -> Bool
}

/// A rate limiter that can also book permits in the future: the caller is told when its
/// permits will be available and waits until then (x/time/rate's `Reserve`, Sentinel's
/// queueing and warm-up rate limiters). ``RateLimiter/acquire(_:maxWait:)`` builds its
/// waiting on this.
public protocol ReservingRateLimiter<Instant>: RateLimiting {
    /// Books `permits` at `now` if they can be available within `maxWait`; returns the
    /// booking, or nil (changing nothing) when the wait would be longer or could never
    /// end (more permits than the limiter ever holds).
    mutating func reserve(_ permits: Int, at now: Instant, maxWait: Duration) -> RateLimitReservation<Instant>?

    /// Gives back what can be given back of `reservation` (one this limiter returned,
    /// not yet acted on, cancelled at most once), as of `now`.
    mutating func cancel(_ reservation: RateLimitReservation<Instant>, at now: Instant)
}

/// Permits booked by a ``ReservingRateLimiter``: the caller may act at ``timeToAct``.
///
/// A reservation belongs to the limiter that issued it; give it back with that
/// limiter's `cancel(_:at:)` (at most once) if the caller will not act after all.
public struct RateLimitReservation<Instant: InstantProtocol>: Sendable, Equatable where Instant.Duration == Duration {
    /// Permits booked.
    public let permits: Int
    /// When the permits are available (the reservation instant when no wait is needed).
    public let timeToAct: Instant
    /// How long the caller must wait, from the instant it reserved at (≥ 0).
    public let delay: Duration

    /// `timeToAct` in the issuing limiter's nanosecond timeline.
    let actOffset: Int64
    /// Limiter-specific bookkeeping for `cancel` (see each limiter).
    let stateAfter: Int128
    let stateBefore: Int128

    init(permits: Int, timeToAct: Instant, delay: Duration, actOffset: Int64, stateAfter: Int128 = 0, stateBefore: Int128 = 0) {
        self.permits = permits
        self.timeToAct = timeToAct
        self.delay = delay
        self.actOffset = actOffset
        self.stateAfter = stateAfter
        self.stateBefore = stateBefore
    }

    /// Whether the caller may act at once.
    public var isImmediate: Bool { delay <= .zero }
}

extension ReservingRateLimiter {
    /// Admits `permits` at `now` only if no waiting is needed (a reservation with no wait).
    public mutating func tryAcquire(_ permits: Int = 1, at now: Instant) -> Bool {
        reserve(permits, at: now, maxWait: .zero) != nil
    }
}
