import Resilience
import SimKernel
import Testing

/// One invalid configuration: what makes it, and the type and field the error must name.
struct InvalidConfiguration: Sendable, CustomTestStringConvertible {
    let type: String
    let field: String
    let make: @Sendable () throws -> Void

    init(_ type: String, _ field: String, _ make: @escaping @Sendable () throws -> Void) {
        self.type = type
        self.field = field
        self.make = make
    }

    var testDescription: String { "\(type).\(field)" }
}

private typealias Instant = VirtualClock.Instant
private typealias Client = LockClient<ContinuousClock, InMemoryLockConnection<ContinuousClock>, SystemRandomNumberGenerator>
private typealias Majority = Redlock<ContinuousClock, InMemoryLockConnection<ContinuousClock>, SystemRandomNumberGenerator>

/// Every value a Resilience configuration refuses, one per check.
let invalidConfigurations: [InvalidConfiguration] = [
    // Retry
    InvalidConfiguration("RetryPolicy", "maxAttempts") { _ = try RetryPolicy(maxAttempts: 0) },
    InvalidConfiguration("Backoff", "base") { _ = try Backoff(base: .milliseconds(-1), cap: .seconds(1)) },
    InvalidConfiguration("Backoff", "multiplier") { _ = try Backoff(base: .milliseconds(1), multiplier: 0.5, cap: .seconds(1)) },
    InvalidConfiguration("Backoff", "multiplier") { _ = try Backoff(base: .milliseconds(1), multiplier: .infinity, cap: .seconds(1)) },
    InvalidConfiguration("Backoff", "cap") { _ = try Backoff.exponential(base: .seconds(2), cap: .seconds(1)) },
    InvalidConfiguration("Backoff", "jitter.factor") { _ = try Backoff.randomized(.seconds(1), factor: 1.5) },
    InvalidConfiguration("Backoff", "base") { _ = try Backoff.constant(.seconds(-1)) },
    InvalidConfiguration("RetryBudget.Configuration", "retryRatio") { _ = try RetryBudget<Instant>.Configuration(retryRatio: -0.1) },
    InvalidConfiguration("RetryBudget.Configuration", "minRetriesPerSecond") { _ = try RetryBudget<Instant>.Configuration(minRetriesPerSecond: .nan) },
    InvalidConfiguration("RetryBudget.Configuration", "buckets") { _ = try RetryBudget<Instant>.Configuration(buckets: 0) },
    InvalidConfiguration("RetryBudget.Configuration", "window") { _ = try RetryBudget<Instant>.Configuration(window: .nanoseconds(5), buckets: 10) },
    // Circuit breaking
    InvalidConfiguration("CircuitBreakerConfiguration", "failureRateThreshold") { _ = try CircuitBreakerConfiguration(failureRateThreshold: 0) },
    InvalidConfiguration("CircuitBreakerConfiguration", "slowCallRateThreshold") { _ = try CircuitBreakerConfiguration(slowCallRateThreshold: 101) },
    InvalidConfiguration("CircuitBreakerConfiguration", "slowCallDurationThreshold") { _ = try CircuitBreakerConfiguration(slowCallDurationThreshold: .seconds(-1)) },
    InvalidConfiguration("CircuitBreakerConfiguration", "minimumNumberOfCalls") { _ = try CircuitBreakerConfiguration(minimumNumberOfCalls: 0) },
    InvalidConfiguration("CircuitBreakerConfiguration", "slidingWindowSize") { _ = try CircuitBreakerConfiguration(slidingWindowSize: 0) },
    InvalidConfiguration("CircuitBreakerConfiguration", "waitDurationInOpenState") { _ = try CircuitBreakerConfiguration(waitDurationInOpenState: .zero) },
    InvalidConfiguration("CircuitBreakerConfiguration", "permittedNumberOfCallsInHalfOpenState") { _ = try CircuitBreakerConfiguration(permittedNumberOfCallsInHalfOpenState: 0) },
    InvalidConfiguration("CircuitBreakerConfiguration", "maxWaitDurationInHalfOpenState") { _ = try CircuitBreakerConfiguration(maxWaitDurationInHalfOpenState: .seconds(-1)) },
    InvalidConfiguration("DegradeRule", "strategy.maxResponseTime") { _ = try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .seconds(-1), threshold: 0.5), timeWindow: .seconds(1)) },
    InvalidConfiguration("DegradeRule", "strategy.threshold") { _ = try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .seconds(1), threshold: 1.5), timeWindow: .seconds(1)) },
    InvalidConfiguration("DegradeRule", "strategy.errorRatio") { _ = try DegradeRule(strategy: .errorRatio(-0.5), timeWindow: .seconds(1)) },
    InvalidConfiguration("DegradeRule", "strategy.errorCount") { _ = try DegradeRule(strategy: .errorCount(-1), timeWindow: .seconds(1)) },
    InvalidConfiguration("DegradeRule", "timeWindow") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .zero) },
    InvalidConfiguration("DegradeRule", "minRequestAmount") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .seconds(1), minRequestAmount: 0) },
    InvalidConfiguration("DegradeRule", "statInterval") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .seconds(1), statInterval: .zero) },
    InvalidConfiguration("DegradeRule", "sampleCount") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .seconds(1), sampleCount: 0) },
    InvalidConfiguration("DegradeRule", "statInterval") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .seconds(1), statInterval: .nanoseconds(10), sampleCount: 3) },
    InvalidConfiguration("DegradeRule", "probeTimeout") { _ = try DegradeRule(strategy: .errorCount(5), timeWindow: .seconds(1), probeTimeout: .seconds(-1)) },
    // Messaging
    InvalidConfiguration("MessageQueueConfiguration", "maxLength") { _ = try MessageQueueConfiguration(maxLength: -1) },
    InvalidConfiguration("MessageQueueConfiguration", "messageTTL") { _ = try MessageQueueConfiguration(messageTTL: .seconds(-1)) },
    InvalidConfiguration("MessageQueueConfiguration", "deliveryLimit") { _ = try MessageQueueConfiguration(deliveryLimit: -1) },
    InvalidConfiguration("MessageQueue", "prefetch") {
        var queue = MessageQueue<String, Instant>()
        _ = try queue.addConsumer(prefetch: -1)
    },
    InvalidConfiguration("MessageQueue", "prefetch") {
        var queue = MessageQueue<String, Instant>()
        let consumer = try queue.addConsumer(prefetch: 1)
        _ = try queue.setPrefetch(-2, for: consumer)
    },
    InvalidConfiguration("LocalBroker", "prefetch") {
        _ = try LocalBroker<String, ContinuousClock>(clock: ContinuousClock()).addConsumer(prefetch: -1)
    },
    // Locking
    InvalidConfiguration("LockClient.Configuration", "ttl") { _ = try Client.Configuration(ttl: .zero) },
    InvalidConfiguration("LockClient.Configuration", "ttl") { _ = try Client.Configuration(ttl: .milliseconds(2)) },
    InvalidConfiguration("LockClient.Configuration", "maxWait") { _ = try Client.Configuration(maxWait: .seconds(-1)) },
    InvalidConfiguration("LockClient.Configuration", "initialDelay") { _ = try Client.Configuration(initialDelay: .zero) },
    InvalidConfiguration("LockClient.Configuration", "maxDelay") { _ = try Client.Configuration(initialDelay: .seconds(2), maxDelay: .seconds(1)) },
    InvalidConfiguration("LockClient.Configuration", "renewalInterval") { _ = try Client.Configuration(renewalInterval: .zero) },
    InvalidConfiguration("LockClient.Configuration", "driftFactor") { _ = try Client.Configuration(driftFactor: -0.1) },
    InvalidConfiguration("LockClient.Configuration", "minimumDrift") { _ = try Client.Configuration(minimumDrift: .seconds(-1)) },
    InvalidConfiguration("Redlock.Configuration", "ttl") { _ = try Majority.Configuration(ttl: .zero) },
    InvalidConfiguration("Redlock.Configuration", "ttl") { _ = try Majority.Configuration(ttl: .milliseconds(2)) },
    InvalidConfiguration("Redlock.Configuration", "storeTimeout") { _ = try Majority.Configuration(storeTimeout: .zero) },
    InvalidConfiguration("Redlock.Configuration", "maxWait") { _ = try Majority.Configuration(maxWait: .seconds(-1)) },
    InvalidConfiguration("Redlock.Configuration", "initialDelay") { _ = try Majority.Configuration(initialDelay: .zero) },
    InvalidConfiguration("Redlock.Configuration", "maxDelay") { _ = try Majority.Configuration(initialDelay: .seconds(2), maxDelay: .seconds(1)) },
    InvalidConfiguration("Redlock.Configuration", "driftFactor") { _ = try Majority.Configuration(driftFactor: .infinity) },
    InvalidConfiguration("Redlock.Configuration", "minimumDrift") { _ = try Majority.Configuration(minimumDrift: .seconds(-1)) },
    InvalidConfiguration("Redlock", "connections") {
        _ = try Majority(connections: [], clock: ContinuousClock())
    },
    InvalidConfiguration("DeduplicationWindow", "capacity") { _ = try DeduplicationWindow<Int, Instant>(capacity: 0) },
    InvalidConfiguration("DeduplicationWindow", "retention") { _ = try DeduplicationWindow<Int, Instant>(capacity: 10, retention: .zero) },
]

@Suite("Configuration errors")
struct ConfigurationErrorTests {
    @Test("an invalid configuration throws an error naming its type and field", arguments: invalidConfigurations)
    func namesTheField(_ invalid: InvalidConfiguration) throws {
        let thrown = #expect(throws: ConfigurationError.self) { try invalid.make() }
        let error = try #require(thrown)
        #expect(error.type == invalid.type)
        #expect(error.field == invalid.field)
        #expect(!error.expected.isEmpty && !error.found.isEmpty)
    }

    @Test("the message reads type.field, what was expected and what was found")
    func message() {
        #expect(throws: ConfigurationError(type: "RetryPolicy", field: "maxAttempts", expected: ">= 1", found: "0")) {
            try RetryPolicy(maxAttempts: 0)
        }
        #expect(ConfigurationError(type: "RetryPolicy", field: "maxAttempts", expected: ">= 1", found: "0").description
                == "RetryPolicy.maxAttempts: expected >= 1, found 0")
    }

    @Test("a negative message TTL expires the message on arrival instead of being refused")
    func negativeMessageTTL() throws {
        var queue = MessageQueue<String, Instant>()
        let outcome = queue.publish("late", ttl: .seconds(-1), now: .zero)
        #expect(outcome.isConfirmed)
        #expect(queue.statistics.expired == 1)
        #expect(queue.statistics.ready == 0)
    }
}
