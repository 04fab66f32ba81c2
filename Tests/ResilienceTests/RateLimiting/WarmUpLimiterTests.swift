import Resilience
import SimKernel
import Testing

@Suite("WarmUpLimiter")
struct WarmUpLimiterTests {
    typealias Limiter = WarmUpLimiter<VirtualClock.Instant>

    /// Acts of a saturated caller stream: each caller arrives as the previous one acts.
    static func saturatedActs(_ limiter: inout Limiter, from start: Int64 = 0, count: Int) throws -> [Int64] {
        var acts: [Int64] = []
        var now = start
        for _ in 0..<count {
            guard let r = limiter.reserve(1, at: Limiting.ns(now), maxWait: .seconds(1)) else { break }
            acts.append(r.timeToAct.nanoseconds)
            now = r.timeToAct.nanoseconds
        }
        return acts
    }

    @Test("Guava's geometry: threshold ½·warmUp/stable, maxPermits threshold + 2·warmUp/(stable + cold)")
    func geometry() throws {
        let limiter = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        #expect(limiter.thresholdPermits == 500)
        #expect(limiter.maxPermits == 1000)
        #expect(limiter.storedPermits(at: at(ms: 0)) == 1000)
        #expect(abs(limiter.currentRate(at: at(ms: 0)) - 100.0 / 3) < 1e-9)
    }

    @Test("cold, it admits about count/3 in the first second; after warmUpPeriod of saturation, count per second")
    func climbsFromAThirdToFull() throws {
        var limiter = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        let acts = try Self.saturatedActs(&limiter, count: 2000)
        let firstSecond = acts.filter { $0 < 1_000_000_000 }.count
        let eleventhSecond = acts.filter { $0 >= 10_000_000_000 && $0 < 11_000_000_000 }.count
        #expect((33...36).contains(firstSecond), "first second admitted \(firstSecond)")
        #expect((99...101).contains(eleventhSecond), "second 10–11 admitted \(eleventhSecond)")
        // Spending the 500 permits above the threshold takes exactly the warm-up period.
        #expect(abs(acts[500] - 10_000_000_000) < 1_000_000, "the 501st permit acted at \(acts[500]) ns")
        // The spacing shrinks monotonically while warming.
        let gaps = zip(acts.dropFirst(), acts).map { $0 - $1 }
        #expect(zip(gaps.dropFirst(), gaps).allSatisfy { $0 <= $1 + 1 })
    }

    @Test("idle time cools it down again: warmUpPeriod of silence makes it fully cold")
    func coolsDown() throws {
        var limiter = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        let acts = try Self.saturatedActs(&limiter, count: 1600)   // warm, stored permits spent
        let end = acts.last!
        #expect(abs(limiter.currentRate(at: Limiting.ns(end)) - 100) < 1e-6)
        #expect(abs(limiter.currentRate(at: Limiting.ns(end + 20_000_000_000)) - 100.0 / 3) < 1e-6)
        #expect(limiter.storedPermits(at: Limiting.ns(end + 20_000_000_000)) == 1000)
    }

    @Test("callers wait at most maxQueueingTime (default 500 ms); tryAcquire not at all")
    func waitingBounds() throws {
        var limiter = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        #expect(limiter.maxQueueingTime == .milliseconds(500))
        var delays: [Duration] = []
        while let r = limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(60)) { delays.append(r.delay) }
        #expect(delays.allSatisfy { $0 <= .milliseconds(500) })
        #expect((16...18).contains(delays.count), "\(delays.count) booked within 500 ms of a cold start")
        var fresh = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        #expect(Limiting.evaluated(fresh.tryAcquire(at: at(ms: 0))))
        #expect(!Limiting.evaluated(fresh.tryAcquire(at: at(ms: 29))))
        #expect(Limiting.evaluated(fresh.tryAcquire(at: at(ms: 30))))
    }

    @Test("cancelling the latest booking undoes it entirely; an earlier one cannot be")
    func cancel() throws {
        var limiter = try Limiter(rate: try .perSecond(100), warmUpPeriod: .seconds(10))
        let first = try #require(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))))
        let afterFirst = limiter
        let second = try #require(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1))))
        limiter.cancel(first, at: at(ms: 0))
        #expect(limiter.storedPermits(at: at(ms: 0)) == 998)
        limiter.cancel(second, at: at(ms: 0))
        #expect(limiter.storedPermits(at: at(ms: 0)) == afterFirst.storedPermits(at: at(ms: 0)))
        #expect(Limiting.evaluated(limiter.reserve(1, at: at(ms: 0), maxWait: .seconds(1)))?.timeToAct == second.timeToAct)
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var limiter = try WarmUpLimiter<ContinuousClock.Instant>(rate: try .perSecond(30), warmUpPeriod: .seconds(1))
        let now = ContinuousClock.now
        #expect(Limiting.evaluated(limiter.tryAcquire(at: now)))
        #expect(!Limiting.evaluated(limiter.tryAcquire(at: now)))
        #expect(limiter.currentRate(at: now) < 30)
    }
}
