import Resilience
import SimKernel
import Testing

@Suite("ConcurrencyLimiter")
struct ConcurrencyLimiterTests {
    @Test("defaults to Resilience4j's 25 permits")
    func defaults() throws {
        let limiter = try ConcurrencyLimiter<Int>()
        #expect(limiter.maxConcurrent == 25 && limiter.available == 25)
    }

    @Test("grants up to max, then queues waiters in FIFO order and hands each released permit to the first")
    func fifoHandover() throws {
        var limiter = try ConcurrencyLimiter<String>(maxConcurrent: 2)
        #expect(Limiting.evaluated(limiter.acquire(orEnqueue: "a")))
        #expect(Limiting.evaluated(limiter.acquire(orEnqueue: "b")))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: "c")))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: "d")))
        #expect(limiter.waiters == ["c", "d"])
        #expect(Limiting.evaluated(limiter.release()) == "c")
        #expect(limiter.inUse == 2)
        #expect(Limiting.evaluated(limiter.release()) == "d")
        #expect(Limiting.evaluated(limiter.release()) == nil)
        #expect(Limiting.evaluated(limiter.release()) == nil)
        #expect(limiter.inUse == 0 && limiter.available == 2)
    }

    @Test("tryAcquire never barges past waiters")
    func noBarging() throws {
        var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: 1)
        #expect(Limiting.evaluated(limiter.tryAcquire()))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: 1)))
        _ = limiter.removeWaiter { $0 == 1 }
        #expect(!Limiting.evaluated(limiter.tryAcquire()))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: 2)))
        // The permit goes to waiter 2, not to a newcomer.
        #expect(Limiting.evaluated(limiter.release()) == 2)
        #expect(!Limiting.evaluated(limiter.tryAcquire()))
    }

    @Test("a removed waiter holds no permit and keeps the others' order")
    func removeWaiter() throws {
        var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: 1)
        #expect(Limiting.evaluated(limiter.tryAcquire()))
        for id in 1...4 { #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: id))) }
        #expect(limiter.removeWaiter { $0 == 2 } == 2)
        #expect(limiter.removeWaiter { $0 == 2 } == nil)
        #expect(limiter.waiters == [1, 3, 4])
        #expect(limiter.inUse == 1)
    }

    @Test("growing admits waiters at once; shrinking waits for releases")
    func resize() throws {
        var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: 1)
        #expect(Limiting.evaluated(limiter.tryAcquire()))
        for id in 1...3 { #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: id))) }
        #expect(try Limiting.evaluated(limiter.setMaxConcurrent(3)) == [1, 2])
        #expect(limiter.inUse == 3 && limiter.waiting == 1)
        #expect(try Limiting.evaluated(limiter.setMaxConcurrent(1)) == [])
        #expect(Limiting.evaluated(limiter.release()) == nil)        // 3 → 2 held, still over the new max
        #expect(Limiting.evaluated(limiter.release()) == nil)        // 2 → 1
        #expect(Limiting.evaluated(limiter.release()) == 3)          // at the max: handed over
        #expect(limiter.inUse == 1)
    }

    @Test("zero permits: everyone waits")
    func zeroPermits() throws {
        var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: 0)
        #expect(!Limiting.evaluated(limiter.tryAcquire()))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: 1)))
        #expect(try Limiting.evaluated(limiter.setMaxConcurrent(1)) == [1])
    }

    @Test("property: random operations keep inUse ≤ max, waiters only when full, and FIFO service")
    func invariants() throws {
        try forEachSchedule("concurrency limiter invariants", count: 500) { random in
            var limiter = try ConcurrencyLimiter<Int>(maxConcurrent: random.int(in: 0...5))
            var model: [Int] = []          // expected line
            var held = 0, next = 0
            for _ in 0..<random.int(in: 10...200) {
                switch random.int(in: 0...9) {
                case 0...3:
                    next += 1
                    if limiter.acquire(orEnqueue: next) { held += 1 } else { model.append(next) }
                case 4...6:
                    guard held > 0 else { continue }
                    if let woken = limiter.release() {
                        try require(woken == model.removeFirst(), "woke \(woken) out of order")
                    } else {
                        held -= 1
                    }
                case 7, 8:
                    guard !model.isEmpty else { continue }
                    let id = model.remove(at: random.int(in: 0...model.count - 1))
                    try require(limiter.removeWaiter { $0 == id } == id, "waiter \(id) not found")
                default:
                    let admitted = try limiter.setMaxConcurrent(random.int(in: 0...5))
                    for id in admitted { try require(id == model.removeFirst(), "admitted \(id) out of order") }
                    held += admitted.count
                }
                try require(limiter.inUse == held, "inUse \(limiter.inUse) ≠ held \(held)")
                try require(limiter.waiters == model, "line \(limiter.waiters) ≠ \(model)")
                try require(model.isEmpty || limiter.inUse >= limiter.maxConcurrent, "waiters while permits are free")
                try require(limiter.available == max(0, limiter.maxConcurrent - held), "available \(limiter.available) with \(held) held")
            }
        }
    }

    @Test("works as the state of a ContinuousClock-timed caller")
    func continuousClock() throws {
        var limiter = try ConcurrencyLimiter<ContinuousClock.Instant>(maxConcurrent: 1)
        let now = ContinuousClock.now
        #expect(Limiting.evaluated(limiter.acquire(orEnqueue: now)))
        #expect(!Limiting.evaluated(limiter.acquire(orEnqueue: now.advanced(by: .milliseconds(1)))))
        #expect(Limiting.evaluated(limiter.release()) == now.advanced(by: .milliseconds(1)))
    }
}
