import Resilience
import SimKernel
import Testing

@Suite("TokenBucket")
struct TokenBucketTests {
    typealias Bucket = TokenBucket<VirtualClock.Instant>

    @Test("a full bucket admits exactly `burst` requests at once")
    func fullBucketAdmitsBurst() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 50)
        for _ in 0..<50 { #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 0)))) }
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 0))))
        #expect(bucket.tokens(at: at(ms: 0)) == 0)
    }

    @Test("a refused tryAcquire changes nothing")
    func refusedTryAcquireHasNoSideEffect() throws {
        var bucket = try Bucket(rate: try .perSecond(10), burst: 5)
        #expect(Limiting.evaluated(bucket.tryAcquire(4, at: at(ms: 0))))
        let before = bucket
        #expect(!Limiting.evaluated(bucket.tryAcquire(2, at: at(ms: 50))))   // 1.5 tokens there
        #expect(!Limiting.evaluated(bucket.tryAcquire(6, at: at(ms: 50))))   // more than the burst
        #expect(bucket.tokens(at: at(ms: 50)) == before.tokens(at: at(ms: 50)))
        #expect(Limiting.evaluated(bucket.tryAcquire(1, at: at(ms: 50))))
        #expect(bucket.tokens(at: at(ms: 50)) == 0.5)
    }

    @Test("tokens refill continuously at the rate, to the nanosecond")
    func refillsContinuously() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 1)
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 0))))
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: Limiting.ns(9_999_999))))
        #expect(Limiting.evaluated(bucket.tryAcquire(at: Limiting.ns(10_000_000))))
        #expect(bucket.tokens(at: at(ms: 15)) == 0.5)
    }

    @Test("an idle bucket never holds more than `burst`")
    func cappedAtBurst() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 3)
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: at(ms: 0))))
        #expect(bucket.tokens(at: at(ms: 3_600_000)) == 3)
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: at(ms: 3_600_000))))
        #expect(!Limiting.evaluated(bucket.tryAcquire(1, at: at(ms: 3_600_000))))
    }

    @Test("initialTokens: 0 starts empty, as Guava's RateLimiter does")
    func startsEmpty() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 100, initialTokens: 0)
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 0))))
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 10))))
    }

    @Test("a reservation may drive the bucket negative, and later callers wait longer")
    func reservationsQueueBehindEachOther() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 1)
        let first = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(10))))
        let second = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(10))))
        let third = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 250), maxWait: .seconds(10))))
        #expect(first.isImmediate && first.timeToAct == at(ms: 0))
        #expect(second.delay == .seconds(1) && second.timeToAct == at(ms: 1000))
        #expect(third.delay == .milliseconds(1750) && third.timeToAct == at(ms: 2000))
        #expect(bucket.tokens(at: at(ms: 250)) == -1.75)
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1999))))
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 3000))))
    }

    @Test("reserve refuses, changing nothing, when the wait would exceed maxWait or n > burst")
    func reserveRefusals() throws {
        var bucket = try Bucket(rate: try .perSecond(10), burst: 2)
        #expect(Limiting.evaluated(bucket.reserve(2, at: at(ms: 0), maxWait: .zero)) != nil)
        let before = bucket.tokens(at: at(ms: 0))
        #expect(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .milliseconds(99))) == nil)
        #expect(Limiting.evaluated(bucket.reserve(3, at: at(ms: 0), maxWait: .seconds(100))) == nil)
        #expect(bucket.tokens(at: at(ms: 0)) == before)
        // Exactly maxWait is allowed.
        #expect(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .milliseconds(100)))?.delay == .milliseconds(100))
    }

    @Test("cancelling the latest reservation gives all its tokens back")
    func cancelLatest() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 3)
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: at(ms: 0))))
        let reservation = try #require(Limiting.evaluated(bucket.reserve(2, at: at(ms: 0), maxWait: .seconds(5))))
        #expect(bucket.tokens(at: at(ms: 0)) == -2)
        bucket.cancel(reservation, at: at(ms: 500))
        #expect(bucket.tokens(at: at(ms: 500)) == 0.5)
        // The next caller no longer queues behind the cancelled one.
        #expect(Limiting.evaluated(bucket.reserve(1, at: at(ms: 500), maxWait: .seconds(5)))?.timeToAct == at(ms: 1000))
    }

    @Test("cancelling an earlier reservation returns only the tokens no later reservation used")
    func cancelEarlier() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 3)
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: at(ms: 0))))
        let early = try #require(Limiting.evaluated(bucket.reserve(2, at: at(ms: 0), maxWait: .seconds(5))))   // acts at 2 s
        let late = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(5))))    // acts at 3 s
        #expect(early.timeToAct == at(ms: 2000) && late.timeToAct == at(ms: 3000))
        // The later reservation counted on 1 s (1 token) of the early one's time:
        // 2 − 1·(3 s − 2 s) = 1 token comes back.
        bucket.cancel(early, at: at(ms: 0))
        #expect(bucket.tokens(at: at(ms: 0)) == -2)
        #expect(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(5)))?.timeToAct == at(ms: 3000))
    }

    @Test("cancelling in reverse order gives everything back")
    func cancelReverse() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 3)
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: at(ms: 0))))
        let early = try #require(Limiting.evaluated(bucket.reserve(2, at: at(ms: 0), maxWait: .seconds(5))))
        let late = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(5))))
        bucket.cancel(late, at: at(ms: 0))
        bucket.cancel(early, at: at(ms: 0))
        #expect(bucket.tokens(at: at(ms: 0)) == 0)
    }

    @Test("cancelling after the time to act gives nothing back")
    func cancelTooLate() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 1)
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 0))))
        let reservation = try #require(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(5))))
        bucket.cancel(reservation, at: at(ms: 1001))
        #expect(bucket.tokens(at: at(ms: 1001)) == 0.001)
    }

    @Test("a stale instant does not mint tokens twice")
    func staleInstants() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 1)
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1000))))
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 500))))   // a caller with an old clock reading
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1009))))
        #expect(Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1010))))
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1010))))
    }

    @Test("exact arithmetic: 3 tokens/s for 100,000 tokens, each available at ⌈k·10⁹/3⌉ ns and not a nanosecond before")
    func noDrift() throws {
        // Burst 2, so that taking each token a fraction of a nanosecond late never caps
        // the bucket (which would rightly discard that fraction).
        var bucket = try Bucket(rate: try .perSecond(3), burst: 2)
        #expect(Limiting.evaluated(bucket.tryAcquire(2, at: Limiting.ns(0))))
        var failures = 0
        for k in Int64(1)...100_000 {
            let due = Limiting.ceilDiv(k * 1_000_000_000, 3)
            if bucket.tryAcquire(at: Limiting.ns(due - 1)) { failures += 1 }
            if !bucket.tryAcquire(at: Limiting.ns(due)) { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test("a zero rate admits the burst once and then nothing")
    func zeroRate() throws {
        var bucket = try Bucket(rate: .zero, burst: 2)
        #expect(Limiting.evaluated(bucket.tryAcquire(2, at: at(ms: 0))))
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: at(ms: 1_000_000))))
        #expect(Limiting.evaluated(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(1_000_000))) == nil)
        #expect(bucket.timeUntilAvailable(at: at(ms: 0)) == nil)
    }

    @Test("zero permits take nothing: they pass at zero tokens, and are refused in debt (x/time/rate's AllowN(0))")
    func zeroPermits() throws {
        var bucket = try Bucket(rate: try .perSecond(1), burst: 1)
        #expect(Limiting.evaluated(bucket.tryAcquire(1, at: at(ms: 0))))
        #expect(Limiting.evaluated(bucket.tryAcquire(0, at: at(ms: 0))))
        #expect(bucket.tokens(at: at(ms: 0)) == 0)
        // A reservation for later puts the bucket in debt: -1 token until 1 s has passed.
        #expect(bucket.reserve(1, at: at(ms: 0), maxWait: .seconds(5)) != nil)
        #expect(bucket.tokens(at: at(ms: 0)) == -1)
        #expect(!Limiting.evaluated(bucket.tryAcquire(0, at: at(ms: 500))))
        #expect(Limiting.evaluated(bucket.tryAcquire(0, at: at(ms: 1000))))
        #expect(bucket.tokens(at: at(ms: 1000)) == 0)
    }

    @Test("timeUntilAvailable is a Retry-After for a refused request")
    func retryAfter() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 50)
        #expect(Limiting.evaluated(bucket.tryAcquire(50, at: at(ms: 0))))
        #expect(bucket.timeUntilAvailable(at: at(ms: 0)) == .milliseconds(10))
        #expect(bucket.timeUntilAvailable(5, at: at(ms: 1)) == .milliseconds(49))
        #expect(bucket.timeUntilAvailable(51, at: at(ms: 1)) == nil)
        #expect(bucket.timeUntilAvailable(at: at(ms: 10)) == .zero)
    }

    @Test("seed 003's flash-sale limiter (100 QPS, burst 50) admits 50 + 100·t under a flood")
    func flashSale() throws {
        var bucket = try Bucket(rate: try .perSecond(100), burst: 50)
        var admitted = 0, rejected429 = 0
        for ms in 0..<1000 {
            for _ in 0..<5 {
                if bucket.tryAcquire(at: at(ms: Double(ms))) { admitted += 1 } else { rejected429 += 1 }
            }
        }
        // By 999 ms: the burst of 50 plus ⌊99.9⌋ refilled tokens.
        #expect(admitted == 50 + 99)
        #expect(rejected429 == 5000 - 149)
    }

    @Test("Rate keeps lowest terms and describes itself")
    func rateFractions() throws {
        #expect(try Rate.perSecond(100) == Rate(permits: 1, per: .milliseconds(10)))
        #expect(try Rate.perSecond(100).description == "100/s")
        #expect(try Rate.perMinute(30).description == "1/2s")
        #expect(try Rate.every(.milliseconds(250)).permitsPerSecond == 4)
        #expect(try Rate.perSecond(3).description == "3/s")
    }

    @Test("property: never more than rate·t + burst in any window of length t")
    func neverExceedsRateTimesWindowPlusBurst() throws {
        try forEachSchedule("token bucket bound", count: 600) { random in
            let permitsPer = random.int(in: 1...7)
            let intervalNs = Int64(random.int(in: 1_000...50_000_000))
            let rate = try Rate(permits: permitsPer, per: .nanoseconds(intervalNs))
            let burst = random.int(in: 1...8)
            var bucket = try Bucket(rate: rate, burst: burst, initialTokens: random.int(in: 0...burst))
            var now: Int64 = Int64(random.int(in: 0...1_000_000))
            var admitted: [(t: Int64, n: Int, live: Bool)] = []
            var outstanding: [(reservation: RateLimitReservation<VirtualClock.Instant>, index: Int)] = []
            for _ in 0..<random.int(in: 20...160) {
                if random.chance(0.7) { now += Int64(random.int(in: 0...Int(2 * intervalNs))) }
                let n = random.int(in: 0...burst + 1)
                switch random.int(in: 0...9) {
                case 0...3:
                    if bucket.tryAcquire(n, at: Limiting.ns(now)) { admitted.append((now, n, true)) }
                case 4...6:
                    let maxWait = Duration.nanoseconds(Int64(random.int(in: 0...4)) * intervalNs)
                    if let r = bucket.reserve(n, at: Limiting.ns(now), maxWait: maxWait) {
                        try require(r.delay <= maxWait, "delay \(r.delay) over maxWait \(maxWait)")
                        outstanding.append((r, admitted.count))
                        admitted.append((r.timeToAct.nanoseconds, n, true))
                    }
                default:
                    guard !outstanding.isEmpty else { continue }
                    let pick = outstanding.remove(at: random.int(in: 0...outstanding.count - 1))
                    bucket.cancel(pick.reservation, at: Limiting.ns(now))
                    // A reservation cancelled before its time is not acted on.
                    if pick.reservation.timeToAct.nanoseconds >= now { admitted[pick.index].live = false }
                }
            }
            // Acts are rounded up to whole nanoseconds, so a window that starts at an act may
            // start up to 1 ns after the exact instant its tokens were there: allow that 1 ns.
            let acts = admitted.filter(\.live).sorted { $0.t < $1.t }
            let perNs = Int128(rate.permits), unit = Int128(Limiting.nanoseconds(rate.interval))
            for i in acts.indices {
                var total = 0
                for j in i..<acts.count {
                    total += acts[j].n
                    let allowed = Int128(burst) * unit + perNs * Int128(acts[j].t - acts[i].t + 1)
                    try require(Int128(total) * unit <= allowed,
                                "\(total) tokens in [\(acts[i].t), \(acts[j].t)] ns at \(rate), burst \(burst)")
                }
            }
        }
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var bucket = try TokenBucket<ContinuousClock.Instant>(rate: try .perSecond(1), burst: 3)
        let now = ContinuousClock.now
        #expect(Limiting.evaluated(bucket.tryAcquire(3, at: now)))
        #expect(!Limiting.evaluated(bucket.tryAcquire(at: now)))
        #expect(Limiting.evaluated(bucket.tryAcquire(at: now.advanced(by: .seconds(1)))))
        let reservation = bucket.reserve(1, at: now.advanced(by: .seconds(1)), maxWait: .seconds(2))
        #expect(reservation?.timeToAct == now.advanced(by: .seconds(2)))
    }
}
