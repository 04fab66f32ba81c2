import Resilience
import SimKernel
import Testing

@Suite("AIMDLimit")
struct AIMDLimitTests {
    @Test("defaults are Netflix's: min 20, initial 20, max 200, backoff 0.9, timeout 5 s")
    func defaults() throws {
        let limit = try AIMDLimit()
        #expect(limit.limit == 20 && limit.minLimit == 20 && limit.maxLimit == 200)
        #expect(limit.backoffRatio == 0.9 && limit.timeout == .seconds(5))
    }

    @Test("grows by one when in-flight·2 ≥ limit, not when the limit is unused")
    func additiveIncrease() throws {
        var limit = try AIMDLimit()
        limit.update(rtt: .milliseconds(10), inflight: 9, didDrop: false)
        #expect(limit.limit == 20)
        limit.update(rtt: .milliseconds(10), inflight: 10, didDrop: false)
        #expect(limit.limit == 21)
    }

    @Test("backs off ×0.9 (truncated) on a drop or an RTT over the timeout")
    func multiplicativeDecrease() throws {
        var limit = try AIMDLimit(initialLimit: 100)
        limit.update(rtt: .milliseconds(10), inflight: 1, didDrop: true)
        #expect(limit.limit == 90)
        limit.update(rtt: .seconds(5), inflight: 1, didDrop: false)   // not over: no change
        #expect(limit.limit == 90)
        limit.update(rtt: .seconds(5) + .nanoseconds(1), inflight: 1, didDrop: false)
        #expect(limit.limit == 81)
        limit.update(rtt: .milliseconds(1), inflight: 45, didDrop: false)
        #expect(limit.limit == 82)
    }

    @Test("stays within min and max")
    func clamps() throws {
        var limit = try AIMDLimit(initialLimit: 21, minLimit: 20, maxLimit: 22)
        limit.update(rtt: .zero, inflight: 100, didDrop: false)
        limit.update(rtt: .zero, inflight: 100, didDrop: false)
        #expect(limit.limit == 22)
        for _ in 0..<5 { limit.update(rtt: .zero, inflight: 1, didDrop: true) }
        #expect(limit.limit == 20)
        #expect(try AIMDLimit(initialLimit: 1000).limit == 200)
    }

    @Test("works with RTTs measured on ContinuousClock")
    func continuousClock() throws {
        // A timeout no stall of a loaded machine reaches: the RTT must count as a success.
        var limit = try AIMDLimit(initialLimit: 30, timeout: .seconds(3600))
        let start = ContinuousClock.now
        limit.update(rtt: start.duration(to: .now), inflight: 30, didDrop: false)
        #expect(limit.limit == 31)
    }
}
