import Resilience
import SimKernel
import Testing

@Suite("TTLJitter")
struct TTLJitterTests {
    @Test("no jitter returns the TTL exactly and draws nothing")
    func noneIsExact() {
        var random = CachingCountingRandom()
        #expect(TTLJitter.none.apply(to: .seconds(300), using: &random) == .seconds(300))
        #expect(TTLJitter.below(0.2).apply(to: .zero, using: &random) == .zero)
        #expect(TTLJitter.around(0.2).apply(to: .seconds(-5), using: &random) == .seconds(-5))
        #expect(random.draws == 0)
    }

    @Test("bounds of 10 % on a 5-minute TTL: below 270–300 s, around 270–330 s, above 300–330 s")
    func boundsPerSpread() {
        let ttl = Duration.seconds(300)
        #expect(TTLJitter.below(0.1).bounds(for: ttl) == .seconds(270) ... .seconds(300))
        #expect(TTLJitter.around(0.1).bounds(for: ttl) == .seconds(270) ... .seconds(330))
        #expect(TTLJitter.above(0.1).bounds(for: ttl) == .seconds(300) ... .seconds(330))
        #expect(TTLJitter(fraction: 0.1).spread == .below)
    }

    @Test("the fraction is clamped to [0, 1]; NaN means none")
    func fractionClamped() {
        #expect(TTLJitter(fraction: 2).fraction == 1)
        #expect(TTLJitter(fraction: -1).fraction == 0)
        #expect(TTLJitter(fraction: .nan).fraction == 0)
        #expect(TTLJitter.below(1).bounds(for: .seconds(10)) == .zero ... .seconds(10))
    }

    @Test("a TTL near the largest duration saturates instead of overflowing")
    func hugeTTL() {
        var random = RandomStream(rawSeed: 1)
        let huge = Duration.nanoseconds(Int64.max - 10)
        let bounds = TTLJitter.above(1).bounds(for: huge)
        #expect(bounds.upperBound == .nanoseconds(Int64.max))
        let drawn = TTLJitter.around(0.5).apply(to: huge, using: &random)
        #expect(TTLJitter.around(0.5).bounds(for: huge).contains(drawn))
    }

    @Test("the same seed gives the same jitter (reproducible worlds)")
    func seeded() {
        var first = RandomStream(rawSeed: 99), second = RandomStream(rawSeed: 99)
        let a = (0..<20).map { _ in TTLJitter.around(0.3).apply(to: .seconds(60), using: &first) }
        let b = (0..<20).map { _ in TTLJitter.around(0.3).apply(to: .seconds(60), using: &second) }
        #expect(a == b)
        #expect(Set(a).count > 15)
    }

    @Test("jittered TTLs stay within their bounds and cover them (500 schedules)")
    func withinBounds() throws {
        try forEachSchedule("jitter.bounds", count: 500) { random in
            let ttl = Duration.nanoseconds(Int64(random.int(in: 1...3_600_000)) * 1_000_000 + Int64(random.int(in: 0...999_999)))
            let fraction = random.chance(0.1) ? [0.0, 1.0][random.int(in: 0...1)] : random.nextUnit()
            let spread = [TTLJitter.Spread.below, .around, .above][random.int(in: 0...2)]
            let jitter = TTLJitter(fraction: fraction, spread: spread)
            let bounds = jitter.bounds(for: ttl)
            let ttlNanos = ttl.nanoseconds
            let span = bounds.upperBound.nanoseconds - bounds.lowerBound.nanoseconds
            // The bounds themselves follow the spread's definition (to the nanosecond).
            let width = Int64((Double(ttlNanos) * fraction).rounded(.down))
            switch spread {
            case .below: try require(bounds == .nanoseconds(ttlNanos - width) ... ttl, "below bounds \(bounds)")
            case .around: try require(bounds == .nanoseconds(ttlNanos - width) ... .nanoseconds(ttlNanos + width), "around bounds \(bounds)")
            case .above: try require(bounds == ttl ... .nanoseconds(ttlNanos + width), "above bounds \(bounds)")
            }
            var deciles = Set<Int>()
            for _ in 0..<200 {
                let drawn = jitter.apply(to: ttl, using: &random)
                try require(bounds.contains(drawn), "\(drawn) outside \(bounds) (ttl \(ttl), \(jitter))")
                if span >= 1000 {
                    deciles.insert(Int((drawn.nanoseconds - bounds.lowerBound.nanoseconds) * 10 / (span + 1)))
                }
            }
            // Uniform over the interval: 200 draws leave a decile empty with probability
            // about 10 · 0.9^200 ≈ 7e-9.
            if span >= 1000 { try require(deciles.count == 10, "deciles hit: \(deciles.sorted())") }
        }
    }
}
