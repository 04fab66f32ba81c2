import Resilience
import SimKernel
import Testing

@Suite("SlidingWindowLog")
struct SlidingWindowLogTests {
    typealias Log = SlidingWindowLog<VirtualClock.Instant>

    @Test("admits at most `limit` in (now − W, now], and an admission leaves exactly W later")
    func exactWindow() throws {
        var log = try Log(limit: 3, window: .seconds(1))
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 500))))
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 900))))
        #expect(!Limiting.evaluated(log.tryAcquire(at: at(ms: 999))))
        #expect(log.count(at: at(ms: 999)) == 3)
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 1000))))
        #expect(!Limiting.evaluated(log.tryAcquire(at: at(ms: 1499))))
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 1500))))
    }

    @Test("the boundary burst of fixed windows is refused")
    func noBoundaryBurst() throws {
        var log = try Log(limit: 10, window: .seconds(1))
        var admitted = 0
        for _ in 0..<10 where log.tryAcquire(at: at(ms: 999)) { admitted += 1 }
        for _ in 0..<10 where log.tryAcquire(at: at(ms: 1000)) { admitted += 1 }
        #expect(admitted == 10)
    }

    @Test("multi-permit requests fit or are refused whole, and a refusal logs nothing")
    func multiPermit() throws {
        var log = try Log(limit: 5, window: .seconds(1))
        #expect(Limiting.evaluated(log.tryAcquire(3, at: at(ms: 0))))
        #expect(!Limiting.evaluated(log.tryAcquire(3, at: at(ms: 100))))
        #expect(Limiting.evaluated(log.tryAcquire(2, at: at(ms: 100))))
        #expect(Limiting.evaluated(log.tryAcquire(0, at: at(ms: 100))))
        #expect(!Limiting.evaluated(log.tryAcquire(1, at: at(ms: 200))))
        #expect(log.logSize == 2)
        #expect(!Limiting.evaluated(log.tryAcquire(6, at: at(ms: 5000))))
        #expect(log.logSize == 0)   // pruned on every call
    }

    @Test("timeUntilAvailable says when the oldest admissions leave")
    func retryAfter() throws {
        var log = try Log(limit: 3, window: .seconds(1))
        #expect(Limiting.evaluated(log.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(log.tryAcquire(2, at: at(ms: 300))))
        #expect(log.timeUntilAvailable(at: at(ms: 400)) == .milliseconds(600))
        #expect(log.timeUntilAvailable(2, at: at(ms: 400)) == .milliseconds(900))
        #expect(log.timeUntilAvailable(at: at(ms: 1000)) == .zero)
        #expect(log.timeUntilAvailable(4, at: at(ms: 1000)) == nil)
    }

    @Test("property: never more than `limit` in any window, every refusal was necessary, memory ≤ limit")
    func exactness() throws {
        try forEachSchedule("sliding log exact", count: 500) { random in
            let limit = random.int(in: 1...10)
            let windowNs = Int64(random.int(in: 10...1_000_000))
            var log = try Log(limit: limit, window: .nanoseconds(windowNs))
            var now: Int64 = 0
            var admitted: [(t: Int64, n: Int)] = []
            for _ in 0..<random.int(in: 20...200) {
                now += Int64(random.int(in: 0...Int(windowNs / 4)))
                let n = random.int(in: 0...3)
                let inWindow = admitted.filter { $0.t > now - windowNs }.reduce(0) { $0 + $1.n }
                if log.tryAcquire(n, at: Limiting.ns(now)) {
                    if n > 0 { admitted.append((now, n)) }
                } else {
                    try require(inWindow + n > limit, "refused \(n) at \(now) with only \(inWindow) of \(limit) in the window")
                }
                try require(log.logSize <= limit, "log holds \(log.logSize) > \(limit) entries")
            }
            for i in admitted.indices {
                var total = 0
                for j in i..<admitted.count where admitted[j].t - admitted[i].t < windowNs { total += admitted[j].n }
                try require(total <= limit, "\(total) > \(limit) in the window from \(admitted[i].t)")
            }
        }
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var log = try SlidingWindowLog<ContinuousClock.Instant>(limit: 2, window: .seconds(60))
        #expect(Limiting.evaluated(log.tryAcquire(at: .now)))
        #expect(Limiting.evaluated(log.tryAcquire(at: .now)))
        #expect(!Limiting.evaluated(log.tryAcquire(at: .now)))
        #expect(log.count(at: .now) == 2)
    }
}
