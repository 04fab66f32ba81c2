import Resilience
import SimKernel
import World

// The world's call-policy settings as the Resilience library's types: a retry's backoff and
// a breaker. The world reader has already checked every value (with locations), so a
// ``ConfigurationError`` here is a bug in the reader: the instance making the ``Caller``
// stops the run with `Simulation.readerBug`.

extension Backoff {
    /// The world's exponential backoff with AWS's jitter.
    init(_ retry: RetrySpec) throws(ConfigurationError) {
        let jitter: Backoff.Jitter = switch retry.jitter {
        case .none: .none
        case .full: .full
        case .equal: .equal
        case .decorrelated: .decorrelated
        }
        self = try .exponential(base: retry.base, cap: retry.cap, jitter: jitter)
    }
}

extension BreakerSpec {
    /// The library's breaker for this specification: Resilience4j's or Sentinel's.
    func breaker() throws(ConfigurationError) -> any CircuitBreaking<VirtualClock.Instant> {
        switch self {
        case .resilience4j(let s):
            return CircuitBreaker(try CircuitBreakerConfiguration(
                failureRateThreshold: s.failureRate * 100, slowCallRateThreshold: s.slowRate * 100,
                slowCallDurationThreshold: s.slowCall, minimumNumberOfCalls: s.minimumCalls,
                slidingWindowType: s.window == .count ? .countBased : .timeBased, slidingWindowSize: s.size,
                waitDurationInOpenState: s.waitOpen, permittedNumberOfCallsInHalfOpenState: s.halfOpenCalls,
                maxWaitDurationInHalfOpenState: s.maxWaitHalfOpen))
        case .sentinel(let s):
            let strategy: DegradeRule.Strategy = switch s.strategy {
            case .errorRatio(let ratio): .errorRatio(ratio)
            case .errorCount(let count): .errorCount(count)
            case .slowRatio(let ratio, let maxResponse): .slowCallRatio(maxResponseTime: maxResponse, threshold: ratio)
            }
            return DegradeBreaker(try DegradeRule(
                strategy: strategy, timeWindow: s.window, minRequestAmount: s.minimumRequests, statInterval: s.statInterval))
        }
    }
}
