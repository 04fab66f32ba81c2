/// A concurrency limiter whose limit adapts to measured latency and drops (Netflix's
/// `SimpleLimiter`), as a pure state machine: ``tryAcquire(at:)`` admits a call while
/// fewer than the algorithm's current limit are in flight, and completing the call's
/// ``Token`` with its outcome feeds the algorithm one sample.
///
/// Calls over the limit are rejected at once (the caller sheds load or answers 503);
/// nothing waits here. Complete every token exactly once: ``Outcome/success`` and
/// ``Outcome/dropped`` feed the algorithm (RTT and the in-flight count at the call's
/// start, as Netflix does), ``Outcome/ignored`` only frees the slot (a call that failed
/// for reasons unrelated to load, e.g. a validation error).
public struct AdaptiveLimiter<Algorithm: AdaptiveLimitAlgorithm, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// A call admitted by the limiter.
    public struct Token: Sendable {
        /// When the call was admitted.
        public let startedAt: Instant
        /// Calls in flight when it was admitted, itself included.
        public let inflightAtStart: Int
    }

    /// How an admitted call ended.
    public enum Outcome: Sendable, Equatable {
        /// It finished normally: its RTT is a latency sample.
        case success
        /// It timed out or was rejected downstream: a sign of overload.
        case dropped
        /// It ended in a way that says nothing about load: no sample.
        case ignored
    }

    /// Counters of the limiter's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Calls admitted.
        public var admitted = 0
        /// Calls rejected because the limit was reached.
        public var rejected = 0
        /// Calls completed as ``Outcome/dropped``.
        public var dropped = 0
        /// Highest in-flight count reached.
        public var maxInflight = 0
    }

    /// The limit algorithm (inspect its state; it is fed through ``complete(_:at:outcome:)``).
    public private(set) var algorithm: Algorithm
    /// Calls admitted and not yet completed.
    public private(set) var inflight = 0
    /// Counters.
    public private(set) var statistics = Statistics()

    /// A limiter driven by `algorithm`.
    public init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
    }

    /// The current limit.
    public var limit: Int { algorithm.limit }

    /// Admits a call at `now` if fewer than ``limit`` are in flight; nil is a rejection.
    public mutating func tryAcquire(at now: Instant) -> Token? {
        guard inflight < algorithm.limit else {
            statistics.rejected += 1
            return nil
        }
        inflight += 1
        statistics.admitted += 1
        statistics.maxInflight = Swift.max(statistics.maxInflight, inflight)
        return Token(startedAt: now, inflightAtStart: inflight)
    }

    /// Completes an admitted call at `now`; its RTT is `now − token.startedAt`.
    public mutating func complete(_ token: Token, at now: Instant, outcome: Outcome = .success) {
        complete(token, rtt: token.startedAt.duration(to: now), outcome: outcome)
    }

    /// Completes an admitted call whose round trip took `rtt` (measured by the caller).
    public mutating func complete(_ token: Token, rtt: Duration, outcome: Outcome = .success) {
        // Every completion pairs with an admission (a token) in correct code; no
        // configuration reaches this, so it guards an invariant rather than input.
        precondition(inflight > 0, "complete() without an admitted call in flight")
        inflight -= 1
        switch outcome {
        case .success:
            algorithm.update(rtt: rtt, inflight: token.inflightAtStart, didDrop: false)
        case .dropped:
            statistics.dropped += 1
            algorithm.update(rtt: rtt, inflight: token.inflightAtStart, didDrop: true)
        case .ignored:
            break
        }
    }
}

extension AdaptiveLimiter: Sendable where Algorithm: Sendable {}
