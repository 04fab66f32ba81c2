import Resilience
import SimKernel
import Testing

@Suite("QueueingLimiter")
struct QueueingLimiterTests {
    typealias Limiter = QueueingLimiter<VirtualClock.Instant>

    @Test("the first request passes at once; the next ones queue 1/count apart up to maxQueueingTime (default 500 ms)")
    func queuesUpToMaxQueueingTime() throws {
        var limiter = try Limiter(rate: try .perSecond(10))
        #expect(limiter.maxQueueingTime == .milliseconds(500))
        var delays: [Duration] = []
        for _ in 0..<8 {
            if let r = limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(60)) { delays.append(r.delay) }
        }
        #expect(delays == (0...5).map { .milliseconds(100 * $0) })
    }

    @Test("a refusal changes nothing")
    func refusalHasNoSideEffect() throws {
        var limiter = try Limiter(rate: try .perSecond(10), maxQueueingTime: .milliseconds(100))
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1)))?.delay == .zero)
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1)))?.delay == .milliseconds(100))
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))) == nil)
        #expect(Limiting.evaluated(limiter.reserve(5, at: at(ms: 0), maxWait: .seconds(1))) == nil)
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 100), maxWait: .seconds(1)))?.timeToAct == at(ms: 200))
    }

    @Test("the caller's maxWait also bounds the wait; tryAcquire waits not at all")
    func callerMaxWait() throws {
        var limiter = try Limiter(rate: try .perSecond(10))
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        #expect(!Limiting.evaluated(limiter.tryAcquire(at: at(ms: 99))))
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .milliseconds(50))) == nil)
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 100))))
    }

    @Test("idle time builds no burst: after a pause, requests are still spaced")
    func noBurstAfterIdle() throws {
        var limiter = try Limiter(rate: try .perSecond(10))
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 10_000))))
        #expect(!Limiting.evaluated(limiter.tryAcquire(at: at(ms: 10_000))))
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 10_000), maxWait: .seconds(1)))?.timeToAct == at(ms: 10_100))
    }

    @Test("n permits cost n spacings")
    func multiPermitCost() throws {
        var limiter = try Limiter(rate: try .perSecond(10))
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(limiter.reserve(3, at: at(ms: 0), maxWait: .seconds(1)))?.timeToAct == at(ms: 300))
        #expect(limiter.timeUntilAvailable(2, at: at(ms: 0)) == .milliseconds(500))
    }

    @Test("5,000 QPS works (Sentinel #1615: millisecond arithmetic makes the cost 0 above 1,000 QPS)")
    func fiveThousandQPS() throws {
        // What Sentinel computes: Math.round(1.0 * 1 / 5000 * 1000) == 0 ms per permit.
        #expect((1.0 / 5000 * 1000).rounded() == 0)
        var limiter = try Limiter(rate: try .perSecond(5000))
        var admitted = 0
        // A flood of 2 requests every 25 µs for one second, none willing to wait.
        for tick in Int64(0)..<40_000 {
            for _ in 0..<2 where limiter.tryAcquire(at: Limiting.ns(tick * 25_000)) { admitted += 1 }
        }
        #expect(admitted == 5000)
        // Queued callers are spaced exactly 200 µs apart.
        var queued = try Limiter(rate: try .perSecond(5000))
        let acts = (0..<5).compactMap { _ in queued.reserve(1, at: at(ms: 0), maxWait: .seconds(1))?.timeToAct.nanoseconds }
        #expect(acts == [0, 200_000, 400_000, 600_000, 800_000])
    }

    @Test("spacing is exact: at 3 QPS the k-th queued permit acts at ⌈k·10⁹/3⌉ ns")
    func exactSpacing() throws {
        var limiter = try Limiter(rate: try .perSecond(3), maxQueueingTime: .seconds(1_000_000))
        var mismatches = 0
        for k in Int64(0)..<100_000 {
            let act = limiter.reserve(1, at: Limiting.ns(0), maxWait: .seconds(1_000_000))?.timeToAct.nanoseconds
            if act != Limiting.ceilDiv(k * 1_000_000_000, 3) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("cancelling the latest booking frees its slot; an earlier one's stays taken")
    func cancel() throws {
        var limiter = try Limiter(rate: try .perSecond(10))
        let first = try #require(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))))
        let second = try #require(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))))
        let third = try #require(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))))
        limiter.cancel(second, at: at(ms: 0))
        #expect(limiter.timeUntilAvailable(at: at(ms: 0)) == .milliseconds(300))
        limiter.cancel(third, at: at(ms: 0))
        #expect(limiter.timeUntilAvailable(at: at(ms: 0)) == .milliseconds(200))
        limiter.cancel(first, at: at(ms: 0))   // not the latest booking: no-op
        #expect(limiter.timeUntilAvailable(at: at(ms: 0)) == .milliseconds(200))
    }

    @Test("a zero rate refuses everything but zero permits")
    func zeroRate() throws {
        var limiter = try Limiter(rate: .zero)
        #expect(!Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(limiter.tryAcquire(0, at: at(ms: 0))))
    }

    @Test("property: admitted permits are spaced at least n/rate apart and never wait past the limits")
    func spacingProperty() throws {
        try forEachSchedule("queueing spacing", count: 500) { random in
            let permits = random.int(in: 1...50)
            let rate = try Rate(permits: permits, per: .milliseconds(random.int(in: 1...1000)))
            let maxQueue = Duration.milliseconds(random.int(in: 0...500))
            var limiter = try Limiter(rate: rate, maxQueueingTime: maxQueue)
            let unit = Int128(Limiting.nanoseconds(rate.interval)), perNs = Int128(rate.permits)
            var now: Int64 = 0
            var acts: [(t: Int64, n: Int)] = []
            for _ in 0..<random.int(in: 10...150) {
                now += Int64(random.int(in: 0...Int(Limiting.nanoseconds(rate.interval))))
                let n = random.int(in: 1...3)
                let maxWait = Duration.milliseconds(random.int(in: 0...600))
                guard let r = limiter.reserve(n, at: Limiting.ns(now), maxWait: maxWait) else { continue }
                try require(r.delay <= maxWait && r.delay <= maxQueue, "waited \(r.delay)")
                if let previous = acts.last {
                    // Exactly: (t − previous.t)·rate ≥ n, within the 1 ns rounding of each act.
                    let gap = Int128(r.timeToAct.nanoseconds - previous.t + 1)
                    try require(gap * perNs >= Int128(n) * unit, "\(n) permits only \(gap) ns after the previous at \(rate)")
                }
                acts.append((r.timeToAct.nanoseconds, n))
            }
        }
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var limiter = try QueueingLimiter<ContinuousClock.Instant>(rate: try .perSecond(100))
        let now = ContinuousClock.now
        #expect(Limiting.evaluated(limiter.reserve(1, at: now, maxWait: .seconds(1)))?.isImmediate == true)
        #expect(Limiting.evaluated(limiter.reserve(1, at: now, maxWait: .seconds(1)))?.timeToAct == now.advanced(by: .milliseconds(10)))
    }
}
