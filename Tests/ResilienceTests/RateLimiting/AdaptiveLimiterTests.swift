import Resilience
import SimKernel
import Testing

@Suite("AdaptiveLimiter")
struct AdaptiveLimiterTests {
    typealias Limiter<A: AdaptiveLimitAlgorithm> = AdaptiveLimiter<A, VirtualClock.Instant>

    @Test("admits while fewer than the limit are in flight, and rejects beyond")
    func admitsUpToLimit() throws {
        var limiter = Limiter(try AIMDLimit(initialLimit: 3, minLimit: 3, maxLimit: 3))
        let tokens = (0..<3).compactMap { _ in limiter.tryAcquire(at: at(ms: 0)) }
        #expect(tokens.count == 3 && limiter.inflight == 3)
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))) == nil)
        #expect(tokens.map(\.inflightAtStart) == [1, 2, 3])
        limiter.complete(tokens[0], at: at(ms: 5), outcome: .ignored)
        #expect(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 5))) != nil)
        let stats = limiter.statistics
        #expect(stats.admitted == 4 && stats.rejected == 1 && stats.dropped == 0 && stats.maxInflight == 3)
    }

    @Test("completing feeds the RTT and the in-flight count at the start; ignored feeds nothing")
    func feedsSamples() throws {
        var limiter = Limiter(try AIMDLimit(initialLimit: 4, minLimit: 1, maxLimit: 10, timeout: .milliseconds(100)))
        let a = try #require(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        let b = try #require(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 0))))
        limiter.complete(a, at: at(ms: 50), outcome: .ignored)
        #expect(limiter.limit == 4)
        limiter.complete(b, at: at(ms: 50))          // in flight at start 2: 2·2 ≥ 4 → +1
        #expect(limiter.limit == 5)
        let c = try #require(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 50))))
        limiter.complete(c, at: at(ms: 151))         // RTT 101 ms > timeout: ×0.9
        #expect(limiter.limit == 4)
        let d = try #require(Limiting.evaluated(limiter.tryAcquire(at: at(ms: 200))))
        limiter.complete(d, rtt: .milliseconds(1), outcome: .dropped)
        #expect(limiter.limit == 3 && limiter.statistics.dropped == 1 && limiter.inflight == 0)
    }

    /// Drives a limiter with a closed loop of `demand` clients (far more than the limit,
    /// so it is always saturated): every call admitted at `now` completes at
    /// `now + latency(completedSoFar, inflightAtStart)`, dropped if `drop(inflightAtStart)`;
    /// as each completes, waiting clients are admitted up to the limit. Returns the limit
    /// after each completion.
    static func drive<A: AdaptiveLimitAlgorithm>(
        _ algorithm: A, demand: Int = 400, completions: Int,
        latency: (_ completed: Int, _ inflight: Int) -> Duration,
        drop: (_ inflight: Int) -> Bool = { _ in false }
    ) -> [Int] {
        var limiter = Limiter(algorithm)
        var pending: [(end: Int64, token: Limiter<A>.Token, dropped: Bool)] = []   // sorted by end
        var now: Int64 = 0
        var limits: [Int] = []
        func admit() {
            while limiter.inflight < demand, let token = limiter.tryAcquire(at: Limiting.ns(now)) {
                let end = now + Limiting.nanoseconds(latency(limits.count, token.inflightAtStart))
                let index = pending.firstIndex { $0.end > end } ?? pending.count
                pending.insert((end, token, drop(token.inflightAtStart)), at: index)
            }
        }
        admit()
        while limits.count < completions {
            let next = pending.removeFirst()
            now = next.end
            limiter.complete(next.token, at: Limiting.ns(now), outcome: next.dropped ? .dropped : .success)
            limits.append(limiter.limit)
            admit()
        }
        return limits
    }

    static func mean(_ limits: ArraySlice<Int>) -> Double { Double(limits.reduce(0, +)) / Double(limits.count) }

    @Test("the limit follows measured latency: Vegas keeps about capacity + α…β in flight, and halves when the service's capacity halves")
    func vegasFollowsCapacity() throws {
        let limits = Self.drive(try VegasLimit(random: RandomStream(seed: 1, name: "vegas")), completions: 6000) { completed, inflight in
            let capacity = completed < 3000 ? 50 : 25
            return .milliseconds(10) * (Double(max(capacity, inflight)) / Double(capacity))
        }
        // Equilibrium: queue = L − capacity between α = 3 and β = 6 (log10 L = 1), so
        // L ≈ capacity + 3…6, with per-sample overshoot around it.
        let atFifty = Self.mean(limits[1000..<3000]), atTwentyFive = Self.mean(limits[4000..<6000])
        #expect((45...80).contains(atFifty), "mean limit \(atFifty) at capacity 50")
        #expect((22...40).contains(atTwentyFive), "mean limit \(atTwentyFive) at capacity 25")
    }

    @Test("the limit follows measured latency: Gradient2 drops to its minimum when calls slow down 5×, and grows back after")
    func gradientFollowsLatency() throws {
        let limits = Self.drive(try Gradient2Limit(), completions: 3000) { completed, _ in
            (1000..<1500).contains(completed) ? .milliseconds(50) : .milliseconds(10)
        }
        // Steady 10 ms: +0.8 per sample up to the max of 200.
        #expect(limits[999] == 200)
        // 50 ms is over 1.5 × the long-term RTT: gradient 0.5 until the average catches up.
        #expect(limits[1000..<1500].min()! == 20)
        #expect(limits.last! == 200)
    }

    @Test("the limit follows drops: AIMD backs off when calls beyond 60 in flight time out, and climbs to its max without drops")
    func aimdFollowsDrops() throws {
        let withDrops = Self.drive(try AIMDLimit(), completions: 4000, latency: { _, _ in .milliseconds(10) }, drop: { $0 > 60 })
        let withoutDrops = Self.drive(try AIMDLimit(), completions: 4000, latency: { _, _ in .milliseconds(10) })
        #expect(withoutDrops.suffix(1000).allSatisfy { $0 == 200 })
        // AIMD saw-tooths: it overshoots by about one round trip of +1s, then backs off ×0.9 per drop.
        let tail = withDrops.suffix(2000)
        #expect(tail.max()! < 200 && tail.min()! == 20)
        #expect((30...90).contains(Self.mean(tail)), "mean limit \(Self.mean(tail)) with drops beyond 60")
    }

    @Test("the limit follows latency over the timeout: AIMD treats a 50 ms call as a drop when the timeout is 30 ms")
    func aimdFollowsTimeouts() throws {
        let limits = Self.drive(try AIMDLimit(timeout: .milliseconds(30)), completions: 4000) { completed, _ in
            (2000..<3000).contains(completed) ? .milliseconds(50) : .milliseconds(10)
        }
        #expect(limits[1999] == 200)
        #expect(limits[2999] == 20)
        #expect(limits.last! == 200)
    }

    @Test("property: AIMD, Vegas and Gradient2 stay within their bounds for arbitrary RTT and drop sequences")
    func bounds() throws {
        try forEachSchedule("adaptive limit bounds", count: 600) { random in
            let minLimit = random.int(in: 1...30)
            let maxLimit = minLimit + random.int(in: 0...300)
            var aimd = try AIMDLimit(initialLimit: random.int(in: 0...400), minLimit: minLimit, maxLimit: maxLimit,
                                 backoffRatio: 0.5 + random.nextUnit() * 0.49, timeout: random.milliseconds(in: 1...500))
            var vegas = try VegasLimit(initialLimit: random.int(in: 0...400), maxLimit: maxLimit,
                                   smoothing: 0.05 + random.nextUnit() * 0.95, probeMultiplier: random.int(in: 1...40),
                                   random: random.split("jitter"))
            var gradient = try Gradient2Limit(initialLimit: random.int(in: 0...400), minLimit: minLimit, maxLimit: maxLimit,
                                          smoothing: 0.05 + random.nextUnit() * 0.95, queueSize: random.int(in: 0...20),
                                          tolerance: 1 + random.nextUnit() * 2, longWindow: random.int(in: 1...600))
            for step in 0..<random.int(in: 50...400) {
                let rtt: Duration = switch random.int(in: 0...9) {
                case 0: .zero
                case 1: .nanoseconds(1)
                case 2: .seconds(random.int(in: 1...1000))
                case 3: .nanoseconds(random.int(in: 1...1000))
                default: random.milliseconds(in: 1...2000)
                }
                let inflight = random.chance(0.1) ? random.int(in: 0...100_000) : random.int(in: 0...maxLimit * 2)
                let drop = random.chance(0.15)
                aimd.update(rtt: rtt, inflight: inflight, didDrop: drop)
                vegas.update(rtt: rtt, inflight: inflight, didDrop: drop)
                gradient.update(rtt: rtt, inflight: inflight, didDrop: drop)
                try require((minLimit...maxLimit).contains(aimd.limit), "AIMD \(aimd.limit) outside \(minLimit)...\(maxLimit) at step \(step)")
                try require((1...maxLimit).contains(vegas.limit), "Vegas \(vegas.limit) outside 1...\(maxLimit) at step \(step)")
                try require((minLimit...maxLimit).contains(gradient.limit), "Gradient2 \(gradient.limit) outside \(minLimit)...\(maxLimit) at step \(step)")
                try require(vegas.estimatedLimit.isFinite && gradient.estimatedLimit.isFinite, "non-finite estimate")
            }
        }
    }

    @Test("property: the limiter never admits beyond the limit in force, and in-flight returns to zero")
    func limiterNeverExceedsLimit() throws {
        try forEachSchedule("adaptive limiter admission", count: 500) { random in
            var limiter = Limiter(try Gradient2Limit(initialLimit: random.int(in: 1...40), minLimit: 1, maxLimit: random.int(in: 40...80)))
            var open: [Limiter<Gradient2Limit>.Token] = []
            var now: Int64 = 0
            for _ in 0..<random.int(in: 20...300) {
                now += Int64(random.int(in: 0...5_000_000))
                if random.chance(0.55) {
                    let limitBefore = limiter.limit
                    if let token = limiter.tryAcquire(at: Limiting.ns(now)) {
                        try require(limiter.inflight <= limitBefore, "\(limiter.inflight) in flight over limit \(limitBefore)")
                        open.append(token)
                    } else {
                        try require(limiter.inflight >= limitBefore, "rejected with \(limiter.inflight) < \(limitBefore)")
                    }
                } else if !open.isEmpty {
                    let token = open.remove(at: random.int(in: 0...open.count - 1))
                    let outcome: Limiter<Gradient2Limit>.Outcome = random.chance(0.1) ? .dropped : random.chance(0.1) ? .ignored : .success
                    limiter.complete(token, at: Limiting.ns(now), outcome: outcome)
                }
            }
            for token in open { limiter.complete(token, at: Limiting.ns(now)) }
            try require(limiter.inflight == 0, "\(limiter.inflight) left in flight")
        }
    }

    @Test("works with ContinuousClock instants")
    func continuousClock() throws {
        var limiter = AdaptiveLimiter<AIMDLimit, ContinuousClock.Instant>(try AIMDLimit(initialLimit: 2, minLimit: 1))
        let token = try #require(Limiting.evaluated(limiter.tryAcquire(at: .now)))
        limiter.complete(token, at: .now)
        #expect(limiter.inflight == 0 && limiter.limit == 3)
    }
}
