import Resilience
import SimKernel
import Testing
import World

/// A value the Resilience library refuses, written into the baseline world: the world
/// reader must refuse it first, with the field's JSON path (a located error, exit 2),
/// so that no world the reader accepts reaches a configuration the library refuses.
struct RefusedWorldValue: Sendable, CustomTestStringConvertible {
    let override: String
    let path: String
    let library: @Sendable () throws -> Void

    init(_ override: String, _ path: String, library: @escaping @Sendable () throws -> Void) {
        self.override = override
        self.path = path
        self.library = library
    }

    var testDescription: String { override }
}

private typealias Instant = VirtualClock.Instant

/// Every world field the pools, limiters and caches read, at a value their
/// configurations refuse.
let refusedWorldValues: [RefusedWorldValue] = [
    // Worker pools.
    RefusedWorldValue("services.menu.workers=0", "$.services.menu.workers") {
        _ = try WorkerPoolConfiguration(workers: -1)
    },
    RefusedWorldValue("services.menu.queue=-1", "$.services.menu.queue") {
        _ = try WorkerPoolConfiguration(workers: 1, queueCapacity: -1)
    },
    RefusedWorldValue(#"services.menu.worker_startup="-1s""#, "$.services.menu.worker_startup") {
        _ = try WorkerPoolConfiguration(workers: 1, startupDelay: .seconds(-1))
    },
    RefusedWorldValue(#"services.menu.queue_discipline={"kind": "codel", "target": "50ms", "interval": "10ms"}"#,
                      "$.services.menu.queue_discipline.interval") {
        _ = try CoDelParameters(target: .milliseconds(50), interval: .milliseconds(10))
    },
    RefusedWorldValue(#"services.order.autoscale={"when": {"queue_above": 10, "utilisation_below": "150%"}, "max": 64}"#,
                      "$.services.order.autoscale.when.utilisation_below") {
        _ = try AutoscaleRule(queueAbove: 10, utilisationBelow: 1.5, add: 2, every: .seconds(30))
    },
    RefusedWorldValue(#"services.order.autoscale={"when": {"queue_above": 10, "utilisation_below": "70%"}, "add": 0, "max": 64}"#,
                      "$.services.order.autoscale.add") {
        _ = try AutoscaleRule(queueAbove: 10, utilisationBelow: 0.7, add: 0, every: .seconds(30))
    },
    // Connection pools.
    RefusedWorldValue(#"services.menu.database={"max_open": -1}"#, "$.services.menu.database.max_open") {
        _ = try ConnectionPoolConfiguration(maxOpen: -1)
    },
    RefusedWorldValue(#"services.menu.database={"acquire_timeout": "-1s"}"#, "$.services.menu.database.acquire_timeout") {
        _ = try ConnectionPoolConfiguration(acquireTimeout: .seconds(-1))
    },
    RefusedWorldValue(#"services.menu.database={"leak_threshold": "0s"}"#, "$.services.menu.database.leak_threshold") {
        _ = try ConnectionPoolConfiguration(leakDetectionThreshold: .zero)
    },
    // Gateway limiters.
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "token_bucket", "rate": "100/s", "burst": -1}"#,
                      "$.services.gateway.limits.order.burst") {
        _ = try TokenBucket<Instant>(rate: .perSecond(100), burst: -1)
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "sliding_window", "limit": 10, "window": "0s"}"#,
                      "$.services.gateway.limits.order.window") {
        _ = try SlidingWindowLog<Instant>(limit: 10, window: .zero)
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "fixed_window", "limit": -1, "window": "1s"}"#,
                      "$.services.gateway.limits.order.limit") {
        _ = try FixedWindowCounter<Instant>(limit: -1, window: .seconds(1))
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "warm_up", "rate": "100/s", "warm_up": "10s", "cold_factor": 1}"#,
                      "$.services.gateway.limits.order.cold_factor") {
        _ = try WarmUpLimiter<Instant>(rate: .perSecond(100), warmUpPeriod: .seconds(10), coldFactor: 1)
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "queueing", "rate": "100/s", "max_queueing": "-1ms"}"#,
                      "$.services.gateway.limits.order.max_queueing") {
        _ = try QueueingLimiter<Instant>(rate: .perSecond(100), maxQueueingTime: .milliseconds(-1))
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "bulkhead", "limit": 10, "max_wait": "-1s"}"#,
                      "$.services.gateway.limits.order.max_wait") {
        _ = try Bulkhead<VirtualClock>.Configuration(maxConcurrentCalls: 10, maxWaitDuration: .seconds(-1))
    },
    RefusedWorldValue(#"services.gateway.limits.order={"kind": "adaptive", "min_limit": 10, "max_limit": 5}"#,
                      "$.services.gateway.limits.order.max_limit") {
        _ = try Gradient2Limit(minLimit: 10, maxLimit: 5)
    },
    // Caches.
    RefusedWorldValue("services.gateway.auth_cache_capacity=-1", "$.services.gateway.auth_cache_capacity") {
        _ = try TTLCache<Int, Int64, Instant>(capacity: -1)
    },
    RefusedWorldValue("services.menu.bloom_fp_rate=1", "$.services.menu.bloom_fp_rate") {
        _ = try BloomFilter<Int>(expectedCount: 100, falsePositiveRate: 1)
    },
    RefusedWorldValue(#"services.menu.local_cache={"capacity": -1, "ttl": "1s"}"#, "$.services.menu.local_cache.capacity") {
        _ = try LRUCache<Int, Int>(capacity: -1)
    },
]

@Suite("Library configuration and the world reader agree")
struct LibraryConfigurationWorldTests {
    @Test("a value the library refuses is refused by the world reader first, at its JSON path", arguments: refusedWorldValues)
    func readerRefusesFirst(_ refused: RefusedWorldValue) throws {
        #expect(throws: ConfigurationError.self) { try refused.library() }
        let thrown = #expect(throws: WorldError.self) {
            _ = try loadWorld("worlds/baseline.json", overrides: [refused.override])
        }
        let message = try #require(thrown).description
        #expect(message.contains(refused.path), "\(message)")
        #expect(message.contains("--set #1") || message.contains("baseline.json:"), "not located: \(message)")
    }

    @Test("the baseline world's values make valid library configurations (the run starts, no reader bug)")
    func baselineIsAccepted() throws {
        let spec = try loadWorld("worlds/baseline.json", overrides: ["duration=\"1m\""])
        let outcome = try runWorld(spec)
        // A refused configuration would stop the run as failed (Simulation.configured).
        #expect(outcome.result.stop.isSuccess, "\(outcome.result.stop)")
    }
}
