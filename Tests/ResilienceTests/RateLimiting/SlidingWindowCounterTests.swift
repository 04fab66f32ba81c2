import Resilience
import SimKernel
import Testing

@Suite("SlidingWindowCounter")
struct SlidingWindowCounterTests {
    typealias Counter = SlidingWindowCounter<VirtualClock.Instant>

    @Test("the estimate is previous·(1 − elapsed/W) + current")
    func estimateFormula() throws {
        var counter = try Counter(limit: 10, window: .seconds(1), startingAt: at(ms: 0))
        #expect(Limiting.evaluated(counter.tryAcquire(8, at: at(ms: 100))))
        #expect(counter.estimate(at: at(ms: 100)) == 8)
        #expect(counter.estimate(at: at(ms: 1250)) == 6)   // 8·0.75
        #expect(Limiting.evaluated(counter.tryAcquire(4, at: at(ms: 1250))))  // 6 + 4 = 10
        #expect(!Limiting.evaluated(counter.tryAcquire(1, at: at(ms: 1250))))
        #expect(counter.estimate(at: at(ms: 1500)) == 8)   // 8·0.5 + 4
        #expect(Limiting.evaluated(counter.tryAcquire(2, at: at(ms: 1500))))
        #expect(!Limiting.evaluated(counter.tryAcquire(1, at: at(ms: 1500))))
        // Two windows on, the old counts are gone.
        #expect(counter.estimate(at: at(ms: 3000)) == 0)
        #expect(Limiting.evaluated(counter.tryAcquire(10, at: at(ms: 3000))))
    }

    @Test("the boundary burst of fixed windows is refused")
    func noBoundaryBurst() throws {
        var counter = try Counter(limit: 10, window: .seconds(1), startingAt: at(ms: 0))
        var admitted = 0
        for _ in 0..<10 where counter.tryAcquire(at: at(ms: 999)) { admitted += 1 }
        for _ in 0..<10 where counter.tryAcquire(at: at(ms: 1000)) { admitted += 1 }
        for _ in 0..<10 where counter.tryAcquire(at: at(ms: 1050)) { admitted += 1 }
        #expect(admitted == 10)
        // Only as the old window's weight fades do permits come back: 10·(1 − 0.1) → 1 free.
        #expect(Limiting.evaluated(counter.tryAcquire(at: at(ms: 1100))))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: at(ms: 1100))))
    }

    @Test("the comparison is exact at the limit")
    func exactComparison() throws {
        var counter = try Counter(limit: 3, window: .nanoseconds(3), startingAt: at(ms: 0))
        #expect(Limiting.evaluated(counter.tryAcquire(3, at: Limiting.ns(0))))
        // At 4 ns: previous 3·(1 − 1/3) = 2, so exactly one more fits.
        #expect(Limiting.evaluated(counter.tryAcquire(1, at: Limiting.ns(4))))
        #expect(!Limiting.evaluated(counter.tryAcquire(1, at: Limiting.ns(4))))
    }

    @Test("property: every aligned window stays within the limit, any window below 2× it, and the estimate after each admission within the limit")
    func bounds() throws {
        try forEachSchedule("sliding counter bounds", count: 500) { random in
            let limit = random.int(in: 1...12)
            let windowNs = Int64(random.int(in: 10...1_000_000))
            var counter = try Counter(limit: limit, window: .nanoseconds(windowNs), startingAt: at(ms: 0))
            var now: Int64 = 0
            var admitted: [(t: Int64, n: Int)] = []
            for _ in 0..<random.int(in: 20...200) {
                now += Int64(random.int(in: 0...Int(windowNs / 3)))
                let n = random.int(in: 0...3)
                guard counter.tryAcquire(n, at: Limiting.ns(now)) else { continue }
                if n > 0 { admitted.append((now, n)) }
                // Recompute the estimate from the admissions alone (windows from the first call at 0).
                let index = now / windowNs
                let current = admitted.filter { $0.t / windowNs == index }.reduce(0) { $0 + $1.n }
                let previous = admitted.filter { $0.t / windowNs == index - 1 }.reduce(0) { $0 + $1.n }
                let elapsed = now - index * windowNs
                try require(Int128(previous) * Int128(windowNs - elapsed) + Int128(current) * Int128(windowNs)
                                <= Int128(limit) * Int128(windowNs),
                            "estimate over \(limit) at \(now): previous \(previous), current \(current)")
                try require(current <= limit, "aligned window \(index) holds \(current) > \(limit)")
            }
            for i in admitted.indices {
                var total = 0
                for j in i..<admitted.count where admitted[j].t - admitted[i].t < windowNs { total += admitted[j].n }
                try require(total < 2 * limit, "\(total) ≥ 2×\(limit) in a window from \(admitted[i].t)")
            }
        }
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var counter = try SlidingWindowCounter<ContinuousClock.Instant>(limit: 2, window: .seconds(60))
        #expect(Limiting.evaluated(counter.tryAcquire(2, at: .now)))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: .now)))
        #expect(counter.estimate(at: .now) == 2)
    }
}
