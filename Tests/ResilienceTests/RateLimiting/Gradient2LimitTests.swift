import Resilience
import SimKernel
import Testing

@Suite("Gradient2Limit")
struct Gradient2LimitTests {
    @Test("defaults are Netflix's: initial 20, min 20, max 200, smoothing 0.2, queue 4, tolerance 1.5, window 600")
    func defaults() throws {
        let limit = try Gradient2Limit()
        #expect(limit.limit == 20 && limit.minLimit == 20 && limit.maxLimit == 200)
        #expect(limit.smoothing == 0.2 && limit.queueSize == 4 && limit.tolerance == 1.5 && limit.longWindow == 600)
    }

    @Test("steady latency: gradient 1, the limit creeps up by smoothing·queueSize per sample")
    func steadyGrowth() throws {
        var limit = try Gradient2Limit()
        limit.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        #expect(abs(limit.estimatedLimit - 20.8) < 1e-9)
        limit.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        #expect(abs(limit.estimatedLimit - 21.6) < 1e-9)
    }

    @Test("latency past tolerance·longRtt shrinks the limit, at most by the 0.5 gradient")
    func latencyShrinks() throws {
        var limit = try Gradient2Limit(initialLimit: 100, minLimit: 1)
        for _ in 0..<10 { limit.update(rtt: .milliseconds(10), inflight: 100, didDrop: false) }
        let before = limit.estimatedLimit
        limit.update(rtt: .milliseconds(100), inflight: 100, didDrop: false)
        // longRtt now (10 warm-up samples then EMA) ≈ 10.3 ms; 1.5·10.3/100 < 0.5 → gradient 0.5.
        let expected = before * 0.8 + (before * 0.5 + 4) * 0.2
        #expect(abs(limit.estimatedLimit - expected) < 1e-9)
    }

    @Test("app-limited (in-flight < L/2): no change")
    func appLimited() throws {
        var limit = try Gradient2Limit(initialLimit: 100, minLimit: 1)
        limit.update(rtt: .milliseconds(10), inflight: 49, didDrop: false)
        #expect(limit.estimatedLimit == 100)
    }

    @Test("unlike Netflix, a drop counts as the worst gradient, even when app-limited")
    func dropShrinks() throws {
        var limit = try Gradient2Limit(initialLimit: 100, minLimit: 1)
        limit.update(rtt: .seconds(5), inflight: 1, didDrop: true)
        #expect(abs(limit.estimatedLimit - 100 * 0.8 - (50 + 4) * 0.2) < 1e-9)
        #expect(limit.longRtt == 0)   // the dropped call's RTT is not a latency sample
    }

    @Test("a long RTT over twice the latest decays by 5% per sample")
    func longRttDecay() throws {
        var limit = try Gradient2Limit(longWindow: 1)
        limit.update(rtt: .milliseconds(100), inflight: 20, didDrop: false)
        for _ in 0..<9 { limit.update(rtt: .milliseconds(100), inflight: 20, didDrop: false) }
        // With window 1 the EMA factor is 1: longRtt follows the sample (10 ms), no decay.
        limit.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        #expect(abs(limit.longRtt - 0.010) < 1e-12)
        var slow = try Gradient2Limit()
        for _ in 0..<10 { slow.update(rtt: .milliseconds(100), inflight: 20, didDrop: false) }
        slow.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        let factor = 2.0 / 601
        #expect(abs(slow.longRtt - (0.010 * factor + 0.1 * (1 - factor)) * 0.95) < 1e-12)
    }

    @Test("works with RTTs measured on ContinuousClock")
    func continuousClock() throws {
        var limit = try Gradient2Limit()
        let start = ContinuousClock.now
        limit.update(rtt: start.duration(to: .now) + .milliseconds(1), inflight: 20, didDrop: false)
        #expect(limit.limit == 20 && limit.longRtt > 0)
    }
}
