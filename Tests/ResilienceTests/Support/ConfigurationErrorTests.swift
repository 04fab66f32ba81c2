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
    // Pools
    InvalidConfiguration("ConnectionPoolConfiguration", "maxOpen") { _ = try ConnectionPoolConfiguration(maxOpen: -1) },
    InvalidConfiguration("ConnectionPoolConfiguration", "maxIdle") { _ = try ConnectionPoolConfiguration(maxIdle: -1) },
    InvalidConfiguration("ConnectionPoolConfiguration", "minIdle") { _ = try ConnectionPoolConfiguration(minIdle: -1) },
    InvalidConfiguration("ConnectionPoolConfiguration", "maxLifetime") { _ = try ConnectionPoolConfiguration(maxLifetime: .zero) },
    InvalidConfiguration("ConnectionPoolConfiguration", "idleTimeout") { _ = try ConnectionPoolConfiguration(idleTimeout: .seconds(-1)) },
    InvalidConfiguration("ConnectionPoolConfiguration", "acquireTimeout") { _ = try ConnectionPoolConfiguration(acquireTimeout: .seconds(-1)) },
    InvalidConfiguration("ConnectionPoolConfiguration", "leakDetectionThreshold") { _ = try ConnectionPoolConfiguration(leakDetectionThreshold: .zero) },
    InvalidConfiguration("ConnectionPoolConfiguration", "refillRetryInterval") { _ = try ConnectionPoolConfiguration(refillRetryInterval: .zero) },
    InvalidConfiguration("ConnectionPoolConfiguration", "maxOpen") { _ = try ConnectionPoolConfiguration.hikari(maximumPoolSize: -1) },
    InvalidConfiguration("WorkerPoolConfiguration", "workers") { _ = try WorkerPoolConfiguration(workers: -1) },
    InvalidConfiguration("WorkerPoolConfiguration", "queueCapacity") { _ = try WorkerPoolConfiguration(workers: 1, queueCapacity: -1) },
    InvalidConfiguration("WorkerPoolConfiguration", "idleTimeout") { _ = try WorkerPoolConfiguration(workers: 1, idleTimeout: .seconds(-1)) },
    InvalidConfiguration("WorkerPoolConfiguration", "startupDelay") { _ = try WorkerPoolConfiguration(workers: 1, startupDelay: .seconds(-1)) },
    InvalidConfiguration("AutoscaleRule", "queueAbove") { _ = try AutoscaleRule(queueAbove: -1, utilisationBelow: 0.7, add: 2, every: .seconds(30)) },
    InvalidConfiguration("AutoscaleRule", "utilisationBelow") { _ = try AutoscaleRule(queueAbove: 10, utilisationBelow: 1.5, add: 2, every: .seconds(30)) },
    InvalidConfiguration("AutoscaleRule", "add") { _ = try AutoscaleRule(queueAbove: 10, utilisationBelow: 0.7, add: 0, every: .seconds(30)) },
    InvalidConfiguration("AutoscaleRule", "every") { _ = try AutoscaleRule(queueAbove: 10, utilisationBelow: 0.7, add: 2, every: .zero) },
    InvalidConfiguration("CoDelParameters", "target") { _ = try CoDelParameters(target: .zero, interval: .milliseconds(100)) },
    InvalidConfiguration("CoDelParameters", "interval") { _ = try CoDelParameters(target: .milliseconds(5), interval: .milliseconds(1)) },
    // Rate limiting
    InvalidConfiguration("Rate", "permits") { _ = try Rate(permits: -1, per: .seconds(1)) },
    InvalidConfiguration("Rate", "interval") { _ = try Rate(permits: 1, per: .zero) },
    InvalidConfiguration("Rate", "permits") { _ = try Rate.perSecond(-5) },
    InvalidConfiguration("Rate", "permits") { _ = try Rate.perMinute(-5) },
    InvalidConfiguration("Rate", "interval") { _ = try Rate.every(.nanoseconds(0)) },
    InvalidConfiguration("TokenBucket", "burst") { _ = try TokenBucket<Instant>(rate: .zero, burst: -1) },
    InvalidConfiguration("TokenBucket", "initialTokens") { _ = try TokenBucket<Instant>(rate: .zero, burst: 5, initialTokens: 6) },
    InvalidConfiguration("TokenBucket", "initialTokens") { _ = try TokenBucket<Instant>(rate: .zero, burst: 5, initialTokens: -1) },
    InvalidConfiguration("SlidingWindowLog", "limit") { _ = try SlidingWindowLog<Instant>(limit: -1, window: .seconds(1)) },
    InvalidConfiguration("SlidingWindowLog", "window") { _ = try SlidingWindowLog<Instant>(limit: 1, window: .zero) },
    InvalidConfiguration("SlidingWindowCounter", "limit") { _ = try SlidingWindowCounter<Instant>(limit: -1, window: .seconds(1)) },
    InvalidConfiguration("SlidingWindowCounter", "window") { _ = try SlidingWindowCounter<Instant>(limit: 1, window: .seconds(-1)) },
    InvalidConfiguration("FixedWindowCounter", "limit") { _ = try FixedWindowCounter<Instant>(limit: -1, window: .seconds(1)) },
    InvalidConfiguration("FixedWindowCounter", "window") { _ = try FixedWindowCounter<Instant>(limit: 1, window: .zero) },
    InvalidConfiguration("QueueingLimiter", "maxQueueingTime") { _ = try QueueingLimiter<Instant>(rate: .zero, maxQueueingTime: .seconds(-1)) },
    InvalidConfiguration("WarmUpLimiter", "rate") { _ = try WarmUpLimiter<Instant>(rate: .zero, warmUpPeriod: .seconds(10)) },
    InvalidConfiguration("WarmUpLimiter", "warmUpPeriod") { _ = try WarmUpLimiter<Instant>(rate: .perSecond(10), warmUpPeriod: .zero) },
    InvalidConfiguration("WarmUpLimiter", "coldFactor") { _ = try WarmUpLimiter<Instant>(rate: .perSecond(10), warmUpPeriod: .seconds(10), coldFactor: 1) },
    InvalidConfiguration("WarmUpLimiter", "coldFactor") { _ = try WarmUpLimiter<Instant>(rate: .perSecond(10), warmUpPeriod: .seconds(10), coldFactor: .infinity) },
    InvalidConfiguration("WarmUpLimiter", "maxQueueingTime") { _ = try WarmUpLimiter<Instant>(rate: .perSecond(10), warmUpPeriod: .seconds(10), maxQueueingTime: .seconds(-1)) },
    InvalidConfiguration("ConcurrencyLimiter", "maxConcurrent") { _ = try ConcurrencyLimiter<Int>(maxConcurrent: -1) },
    InvalidConfiguration("ConcurrencyLimiter", "maxConcurrent") {
        var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: 2)
        _ = try limiter.setMaxConcurrent(-1)
    },
    InvalidConfiguration("Bulkhead.Configuration", "maxConcurrentCalls") { _ = try Bulkhead<ContinuousClock>.Configuration(maxConcurrentCalls: -1) },
    InvalidConfiguration("Bulkhead.Configuration", "maxWaitDuration") { _ = try Bulkhead<ContinuousClock>.Configuration(maxWaitDuration: .seconds(-1)) },
    InvalidConfiguration("ConcurrencyLimiter", "maxConcurrent") {
        try Bulkhead(.resilience4j, clock: ContinuousClock()).setMaxConcurrentCalls(-3)
    },
    InvalidConfiguration("AIMDLimit", "minLimit") { _ = try AIMDLimit(minLimit: 0) },
    InvalidConfiguration("AIMDLimit", "maxLimit") { _ = try AIMDLimit(minLimit: 20, maxLimit: 10) },
    InvalidConfiguration("AIMDLimit", "backoffRatio") { _ = try AIMDLimit(backoffRatio: 1) },
    InvalidConfiguration("VegasLimit", "maxLimit") { _ = try VegasLimit(maxLimit: 0) },
    InvalidConfiguration("VegasLimit", "smoothing") { _ = try VegasLimit(smoothing: 0) },
    InvalidConfiguration("VegasLimit", "probeMultiplier") { _ = try VegasLimit(probeMultiplier: 0) },
    InvalidConfiguration("Gradient2Limit", "minLimit") { _ = try Gradient2Limit(minLimit: 0) },
    InvalidConfiguration("Gradient2Limit", "maxLimit") { _ = try Gradient2Limit(minLimit: 20, maxLimit: 19) },
    InvalidConfiguration("Gradient2Limit", "smoothing") { _ = try Gradient2Limit(smoothing: 1.5) },
    InvalidConfiguration("Gradient2Limit", "queueSize") { _ = try Gradient2Limit(queueSize: -1) },
    InvalidConfiguration("Gradient2Limit", "tolerance") { _ = try Gradient2Limit(tolerance: 0.5) },
    InvalidConfiguration("Gradient2Limit", "longWindow") { _ = try Gradient2Limit(longWindow: 0) },
    // Caching
    InvalidConfiguration("LRUCache", "capacity") { _ = try LRUCache<Int, Int>(capacity: -1) },
    InvalidConfiguration("TTLCache", "capacity") { _ = try TTLCache<Int, Int, Instant>(capacity: -1) },
    InvalidConfiguration("CacheAsideConfiguration", "capacity") { _ = try CacheAsideConfiguration(capacity: -1) },
    InvalidConfiguration("TwoLevelCache.Configuration", "localCapacity") { _ = try TwoLevelCache<NoRemote, ContinuousClock>.Configuration(localCapacity: -1) },
    InvalidConfiguration("BloomFilter", "bitCount") { _ = try BloomFilter<Int>(bitCount: 0, hashCount: 3) },
    InvalidConfiguration("BloomFilter", "hashCount") { _ = try BloomFilter<Int>(bitCount: 64, hashCount: 0) },
    InvalidConfiguration("BloomFilter", "expectedCount") { _ = try BloomFilter<Int>(expectedCount: 0) },
    InvalidConfiguration("BloomFilter", "falsePositiveRate") { _ = try BloomFilter<Int>(expectedCount: 100, falsePositiveRate: 1) },
    InvalidConfiguration("BloomFilter", "falsePositiveRate") { _ = try BloomFilter<Int>(expectedCount: 100, falsePositiveRate: .nan) },
    InvalidConfiguration("BloomFilter", "expectedCount") { _ = try BloomFilter<Int>.optimalBitCount(expectedCount: .max, falsePositiveRate: 1e-300) },
    InvalidConfiguration("BloomFilter", "bitCount") { _ = try BloomFilter<Int>.optimalHashCount(expectedCount: 10, bitCount: 0) },
]

/// A remote level that is never reached: only its configuration is made.
private actor NoRemote: RemoteCache {
    func get(_ key: Int) async throws -> Int? { nil }
    func set(_ key: Int, _ value: Int, ttl: Duration) async throws {}
    func delete(_ key: Int) async throws {}
}

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
