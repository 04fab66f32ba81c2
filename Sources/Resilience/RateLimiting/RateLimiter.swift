import Synchronization

/// A thread-safe rate limiter for a server: any ``RateLimiting`` state machine behind a
/// lock, with waiting for the ones that can book ahead (``ReservingRateLimiter``:
/// ``TokenBucket``, ``QueueingLimiter``, ``WarmUpLimiter``).
///
/// ```swift
/// // Seed 000: 100 permits/s, give up if a permit is more than 1 s away.
/// let limiter = RateLimiter(TokenBucket(rate: .perSecond(100), burst: 100), clock: ContinuousClock())
/// try await limiter.acquire(maxWait: .seconds(1))
/// ```
///
/// ``acquire(_:maxWait:)`` is x/time/rate's `WaitN` with the context deadline given as
/// `maxWait`: it fails at once, taking nothing, when the permits cannot be available in
/// time; otherwise it books them and sleeps on the clock until they are. If the waiting
/// task is cancelled, the booking is cancelled too (returning what no later caller has
/// counted on) and the call throws ``Rejection/cancelled``.
public final class RateLimiter<Limiter: RateLimiting & Sendable, C: Clock>: Sendable
where Limiter.Instant == C.Instant, C.Duration == Duration {
    /// Why permits were not granted.
    public enum Rejection: Error, Sendable, Equatable {
        /// They could not be available within the allowed wait (or ever: more than the
        /// limiter's burst). Nothing was taken. The HTTP 429 case.
        case wouldExceedMaxWait
        /// The task was cancelled before or while waiting; nothing was kept.
        case cancelled
    }

    /// The clock that times waits and supplies `now` to the limiter.
    public let clock: C
    private let state: Mutex<Limiter>

    /// Wraps `limiter`, reading time from `clock`.
    public init(_ limiter: Limiter, clock: C) {
        self.clock = clock
        state = Mutex(limiter)
    }

    /// A copy of the limiter's current state (for inspection).
    public var snapshot: Limiter { state.withLock { $0 } }

    /// Admits `permits` now if no waiting is needed; a refusal takes nothing.
    public func tryAcquire(_ permits: Int = 1) -> Bool {
        let now = clock.now
        return state.withLock { $0.tryAcquire(permits, at: now) }
    }
}

extension RateLimiter where Limiter: ReservingRateLimiter {
    /// Waits until `permits` are available, if they can be within `maxWait` (nil: no limit
    /// but the limiter's own, e.g. ``QueueingLimiter/maxQueueingTime``) and the task's
    /// ``TaskDeadline`` (x/time/rate's `WaitN` with a context deadline). Throws
    /// ``Rejection/wouldExceedMaxWait`` at once, taking nothing, when they cannot, and
    /// ``Rejection/cancelled`` (giving the booking back) when the task is cancelled.
    public func acquire(_ permits: Int = 1, maxWait: Duration? = nil) async throws(Rejection) {
        if Task.isCancelled { throw .cancelled }
        let now = clock.now
        let budget = TaskDeadline.limit(maxWait, on: clock) ?? .seconds(Int64.max)
        guard let reservation = state.withLock({ $0.reserve(permits, at: now, maxWait: budget) }) else {
            throw .wouldExceedMaxWait
        }
        guard reservation.timeToAct > now else { return }
        do {
            try await clock.sleep(until: reservation.timeToAct, tolerance: nil)
        } catch {
            let cancelledAt = clock.now
            state.withLock { $0.cancel(reservation, at: cancelledAt) }
            throw .cancelled
        }
    }

    /// Books `permits` if they can be available within `maxWait` and returns the booking
    /// without waiting (x/time/rate's `ReserveN`); give it back with ``cancel(_:)`` if
    /// unused.
    public func reserve(_ permits: Int = 1, maxWait: Duration) -> RateLimitReservation<C.Instant>? {
        let now = clock.now
        return state.withLock { $0.reserve(permits, at: now, maxWait: maxWait) }
    }

    /// Gives back what can be given back of `reservation`, as of now.
    public func cancel(_ reservation: RateLimitReservation<C.Instant>) {
        let now = clock.now
        state.withLock { $0.cancel(reservation, at: now) }
    }
}
