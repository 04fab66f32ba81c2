import Resilience
import SimKernel
import Testing

struct RetryTransientError: Error, Equatable {
    var attempt = 0
}

struct RetryPermanentError: Error, Equatable {}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test("the producer's policy retries 3 times, 100 ms apart, then stops")
    func producer() throws {
        let policy = try RetryPolicy(maxAttempts: 4, backoff: try .constant(.milliseconds(100)))
        var random = RandomStream(seed: 1, name: "producer")
        for attempt in 1...3 {
            let decision = policy.decide(afterAttempt: attempt, failure: RetryTransientError(), previousDelay: nil,
                                         now: at(ms: 0), deadline: nil, using: &random)
            #expect(decision == .retry(after: .milliseconds(100)))
        }
        let last = policy.decide(afterAttempt: 4, failure: RetryTransientError(), previousDelay: nil,
                                 now: at(ms: 0), deadline: nil, using: &random)
        #expect(last == .stop(.attemptsExhausted))
    }

    @Test("maxAttempts 1 never retries")
    func singleAttempt() throws {
        let policy = try RetryPolicy(maxAttempts: 1)
        var random = RandomStream(seed: 1, name: "single")
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 0),
                              deadline: nil, using: &random) == .stop(.attemptsExhausted))
    }

    @Test("a CancellationError is never retried by default; other errors are")
    func defaultPredicate() throws {
        let policy = try RetryPolicy()
        var random = RandomStream(seed: 1, name: "predicate")
        #expect(policy.decide(afterAttempt: 1, failure: CancellationError(), previousDelay: nil, now: at(ms: 0),
                              deadline: nil, using: &random) == .stop(.notRetryable))
        #expect(RetryPolicy.retriesAllButCancellation(DeadlineExceeded()))
        if case .retry(let delay) = policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil,
                                                  now: at(ms: 0), deadline: nil, using: &random) {
            #expect(delay >= .zero && delay <= .milliseconds(100))
        } else {
            Issue.record("a transient error should be retried")
        }
    }

    @Test("a custom predicate stops errors it rejects")
    func customPredicate() throws {
        let policy = try RetryPolicy(maxAttempts: 5, backoff: try .constant(.milliseconds(10))) { !($0 is RetryPermanentError) }
        var random = RandomStream(seed: 1, name: "custom")
        #expect(policy.decide(afterAttempt: 1, failure: RetryPermanentError(), previousDelay: nil, now: at(ms: 0),
                              deadline: nil, using: &random) == .stop(.notRetryable))
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 0),
                              deadline: nil, using: &random) == .retry(after: .milliseconds(10)))
    }

    @Test("a retry whose delay would reach the deadline is abandoned; one that ends before it is not")
    func deadline() throws {
        let policy = try RetryPolicy(maxAttempts: 5, backoff: try .constant(.milliseconds(100)))
        var random = RandomStream(seed: 1, name: "deadline")
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 900),
                              deadline: at(ms: 1000), using: &random) == .stop(.deadlineWouldPass))
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 899),
                              deadline: at(ms: 1000), using: &random) == .retry(after: .milliseconds(100)))
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 1200),
                              deadline: at(ms: 1000), using: &random) == .stop(.deadlineWouldPass))
    }

    @Test("the checks run in order: retryable, then attempts, then deadline")
    func order() throws {
        let policy = try RetryPolicy(maxAttempts: 2, backoff: try .constant(.milliseconds(100))) { !($0 is RetryPermanentError) }
        var random = RandomStream(seed: 1, name: "order")
        #expect(policy.decide(afterAttempt: 2, failure: RetryPermanentError(), previousDelay: nil, now: at(ms: 0),
                              deadline: at(ms: 1), using: &random) == .stop(.notRetryable))
        #expect(policy.decide(afterAttempt: 2, failure: RetryTransientError(), previousDelay: nil, now: at(ms: 0),
                              deadline: at(ms: 1), using: &random) == .stop(.attemptsExhausted))
    }

    @Test("on ContinuousClock instants, the deadline check uses real time")
    func continuousClock() throws {
        let clock = ContinuousClock()
        let policy = try RetryPolicy(maxAttempts: 3, backoff: try .constant(.milliseconds(100)))
        var random = SystemRandomNumberGenerator()
        let now = clock.now
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: now,
                              deadline: now.advanced(by: .seconds(1)), using: &random) == .retry(after: .milliseconds(100)))
        #expect(policy.decide(afterAttempt: 1, failure: RetryTransientError(), previousDelay: nil, now: now,
                              deadline: now.advanced(by: .milliseconds(50)), using: &random) == .stop(.deadlineWouldPass))
    }
}
