import Resilience
import SimKernel
import World

/// A gateway route's limiter: one of the `Resilience` library's limiters, held by
/// reference so that each request mutates it in place (no copy of the state machine out
/// of a dictionary and back per request).
///
/// The gateway drives every kind the same way: ``admit(at:wait:)`` before forwarding the
/// request, ``finish(_:at:dropped:)`` when its answer is back.
protocol RouteLimiter: AnyObject {
    /// What an admitted request holds until it finishes (nothing, or the adaptive
    /// limiter's token that times the round trip).
    associatedtype Permit

    /// Admits a request arriving at `now`, waiting with `wait` when the limiter gives it
    /// a later turn; nil when it is refused (HTTP 429).
    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async -> Permit?

    /// The request admitted with `permit` got its answer at `now`; `dropped` when the
    /// answer was an overload failure (timeout, queue full, breaker open...).
    func finish(_ permit: Permit, at now: VirtualClock.Instant, dropped: Bool)
}

/// Builds the library limiter a route's spec names.
enum RouteLimiters {
    /// - Throws: ``ConfigurationError`` when the library refuses the spec's values (the
    ///   world reader validates them, so this is a reader bug).
    static func make(_ spec: LimiterSpec, clock: VirtualClock, random: RandomStream) throws(ConfigurationError) -> any RouteLimiter {
        switch spec {
        case .tokenBucket(let rate, let burst):
            return RefusingRouteLimiter(try TokenBucket<VirtualClock.Instant>(rate: .perSecondApproximately(rate), burst: burst))
        case .slidingWindow(let limit, let window):
            return RefusingRouteLimiter(try SlidingWindowLog<VirtualClock.Instant>(limit: limit, window: window))
        case .slidingWindowCounter(let limit, let window):
            return RefusingRouteLimiter(try SlidingWindowCounter<VirtualClock.Instant>(limit: limit, window: window))
        case .fixedWindow(let limit, let window):
            return RefusingRouteLimiter(try FixedWindowCounter<VirtualClock.Instant>(limit: limit, window: window))
        case .queueing(let rate, let maxQueueing):
            return QueueingRouteLimiter(try QueueingLimiter<VirtualClock.Instant>(
                rate: .perSecondApproximately(rate), maxQueueingTime: maxQueueing))
        case .warmUp(let rate, let warmUp, let coldFactor, let maxQueueing):
            return QueueingRouteLimiter(try WarmUpLimiter<VirtualClock.Instant>(
                rate: .perSecondApproximately(rate), warmUpPeriod: warmUp, coldFactor: coldFactor,
                maxQueueingTime: maxQueueing))
        case .concurrency(let limit):
            return try InFlightRouteLimiter(limit: limit)
        case .bulkhead(let limit, let maxWait):
            return try BulkheadRouteLimiter(limit: limit, maxWait: maxWait, clock: clock)
        case .adaptive(let adaptive):
            switch adaptive.algorithm {
            case .aimd:
                return AdaptiveRouteLimiter(try AIMDLimit(
                    initialLimit: adaptive.initialLimit, minLimit: adaptive.minLimit, maxLimit: adaptive.maxLimit,
                    timeout: adaptive.timeout))
            case .vegas:
                return AdaptiveRouteLimiter(try VegasLimit(
                    initialLimit: adaptive.initialLimit, maxLimit: adaptive.maxLimit, random: random))
            case .gradient2:
                return AdaptiveRouteLimiter(try Gradient2Limit(
                    initialLimit: adaptive.initialLimit, minLimit: adaptive.minLimit, maxLimit: adaptive.maxLimit))
            }
        }
    }
}

/// A rate limiter that refuses what it cannot admit now: token bucket, sliding-window
/// log and counter, fixed window.
final class RefusingRouteLimiter<Limiter: RateLimiting>: RouteLimiter where Limiter.Instant == VirtualClock.Instant {
    private var limiter: Limiter

    init(_ limiter: Limiter) { self.limiter = limiter }

    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async -> Void? {
        limiter.tryAcquire(1, at: now) ? () : nil
    }

    func finish(_ permit: Void, at now: VirtualClock.Instant, dropped: Bool) {}
}

/// A rate limiter that books later turns and makes the request wait for its own
/// (Sentinel's queueing and warm-up behaviours); the limiter's `maxQueueingTime` bounds
/// the wait, beyond which it refuses.
final class QueueingRouteLimiter<Limiter: ReservingRateLimiter>: RouteLimiter where Limiter.Instant == VirtualClock.Instant {
    private var limiter: Limiter

    init(_ limiter: Limiter) { self.limiter = limiter }

    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async -> Void? {
        guard let reservation = limiter.reserve(1, at: now, maxWait: .seconds(86_400)) else { return nil }
        if !reservation.isImmediate { await wait(reservation.delay) }
        return ()
    }

    func finish(_ permit: Void, at now: VirtualClock.Instant, dropped: Bool) {}
}

/// At most `limit` requests in flight, more refused at once: the library's
/// ``ConcurrencyLimiter`` used without its waiting line.
final class InFlightRouteLimiter: RouteLimiter {
    private var limiter: ConcurrencyLimiter<Never>

    init(limit: Int) throws(ConfigurationError) { limiter = try ConcurrencyLimiter(maxConcurrent: limit) }

    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async -> Void? {
        limiter.tryAcquire() ? () : nil
    }

    func finish(_ permit: Void, at now: VirtualClock.Instant, dropped: Bool) {
        _ = limiter.release()
    }
}

/// A semaphore bulkhead: at most `limit` in flight, later requests wait in FIFO order up
/// to `maxWait` for a permit (the library's ``Bulkhead`` on the virtual clock).
final class BulkheadRouteLimiter: RouteLimiter {
    private let bulkhead: Bulkhead<VirtualClock>

    init(limit: Int, maxWait: Duration, clock: VirtualClock) throws(ConfigurationError) {
        bulkhead = Bulkhead(try .init(maxConcurrentCalls: limit, maxWaitDuration: maxWait), clock: clock)
    }

    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async -> Void? {
        do {
            try await bulkhead.acquire()
            return ()
        } catch {
            return nil
        }
    }

    func finish(_ permit: Void, at now: VirtualClock.Instant, dropped: Bool) {
        bulkhead.release()
    }
}

/// An adaptive concurrency limit (``AdaptiveLimiter``): refuses above the algorithm's
/// current limit, and learns from each request's round trip and whether it was dropped.
final class AdaptiveRouteLimiter<Algorithm: AdaptiveLimitAlgorithm>: RouteLimiter {
    private var limiter: AdaptiveLimiter<Algorithm, VirtualClock.Instant>

    init(_ algorithm: Algorithm) { limiter = AdaptiveLimiter(algorithm) }

    func admit(at now: VirtualClock.Instant, wait: (Duration) async -> Void) async
        -> AdaptiveLimiter<Algorithm, VirtualClock.Instant>.Token? {
        limiter.tryAcquire(at: now)
    }

    func finish(_ permit: AdaptiveLimiter<Algorithm, VirtualClock.Instant>.Token, at now: VirtualClock.Instant, dropped: Bool) {
        limiter.complete(permit, at: now, outcome: dropped ? .dropped : .success)
    }
}

extension Rate {
    /// A rate per second from a decimal figure, exact to a thousandth of a permit per
    /// second ("7.2/s" is 7,200 permits per 1,000 s).
    static func perSecondApproximately(_ perSecond: Double) throws(ConfigurationError) -> Rate {
        try Rate(permits: max(1, Int(Int64(saturating: (min(perSecond, 1e9) * 1000).rounded()))), per: .seconds(1000))
    }
}
