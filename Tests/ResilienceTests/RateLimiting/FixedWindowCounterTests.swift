import Resilience
import SimKernel
import Testing

@Suite("FixedWindowCounter")
struct FixedWindowCounterTests {
    typealias Counter = FixedWindowCounter<VirtualClock.Instant>

    @Test("admits `limit` per window and resets at the boundary")
    func perWindow() throws {
        var counter = try Counter(limit: 3, window: .seconds(1), startingAt: at(ms: 0))
        #expect(Limiting.evaluated(counter.tryAcquire(2, at: at(ms: 0))))
        #expect(Limiting.evaluated(counter.tryAcquire(at: at(ms: 500))))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: at(ms: 999))))
        #expect(counter.remaining(at: at(ms: 999)) == 0)
        #expect(counter.remaining(at: at(ms: 1000)) == 3)
        #expect(Limiting.evaluated(counter.tryAcquire(3, at: at(ms: 1000))))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: at(ms: 1999))))
    }

    @Test("a refused request changes nothing")
    func refusalHasNoSideEffect() throws {
        var counter = try Counter(limit: 3, window: .seconds(1))
        #expect(Limiting.evaluated(counter.tryAcquire(2, at: at(ms: 0))))
        #expect(!Limiting.evaluated(counter.tryAcquire(2, at: at(ms: 10))))
        #expect(Limiting.evaluated(counter.tryAcquire(1, at: at(ms: 20))))
    }

    @Test("the flaw (Resilience4j #1356): 2× the limit passes within a moment across a boundary")
    func twiceTheLimitAcrossBoundary() throws {
        var counter = try Counter(limit: 10, window: .seconds(1), startingAt: at(ms: 0))
        var admitted = 0
        for _ in 0..<10 where counter.tryAcquire(at: at(ms: 999)) { admitted += 1 }
        for _ in 0..<10 where counter.tryAcquire(at: at(ms: 1000)) { admitted += 1 }
        // 20 permits inside 1 ms, where any 1 s window should hold at most 10.
        #expect(admitted == 20)
    }

    @Test("by default windows are laid from the first use, and skipped windows reset too")
    func alignment() throws {
        var counter = try Counter(limit: 1, window: .seconds(1))
        #expect(Limiting.evaluated(counter.tryAcquire(at: at(ms: 300))))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: at(ms: 1299))))
        #expect(Limiting.evaluated(counter.tryAcquire(at: at(ms: 1300))))
        #expect(Limiting.evaluated(counter.tryAcquire(at: at(ms: 9300))))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: at(ms: 9000))))   // stale instant counts as 9.3 s
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var counter = try FixedWindowCounter<ContinuousClock.Instant>(limit: 2, window: .seconds(60))
        #expect(Limiting.evaluated(counter.tryAcquire(at: .now)))
        #expect(Limiting.evaluated(counter.tryAcquire(at: .now)))
        #expect(!Limiting.evaluated(counter.tryAcquire(at: .now)))
    }
}
