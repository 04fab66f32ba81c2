import Resilience
import SimKernel
import Testing

@Suite("Backoff")
struct BackoffTests {
    private func ms(_ value: Double) -> Duration { .nanoseconds(Int64((value * 1e6).rounded())) }

    @Test("a constant backoff waits exactly its delay after every attempt")
    func constant() throws {
        let backoff = try Backoff.constant(.milliseconds(100))
        var random = RandomStream(seed: 1, name: "constant")
        for attempt in 1...10 {
            #expect(backoff.delay(afterAttempt: attempt, previous: nil, using: &random) == .milliseconds(100))
        }
    }

    @Test("exponential backoff without jitter doubles from base and stops at the cap")
    func exponentialNoJitter() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(1), jitter: .none)
        var random = RandomStream(seed: 1, name: "expo")
        let delays = (1...7).map { backoff.delay(afterAttempt: $0, previous: nil, using: &random) }
        #expect(delays == [100, 200, 400, 800, 1000, 1000, 1000].map { Duration.milliseconds($0) })
    }

    @Test("a multiplier of 1.5 grows geometrically (Resilience4j's default)")
    func fractionalMultiplier() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), multiplier: 1.5, cap: .seconds(10), jitter: .none)
        #expect(backoff.exponentialDelay(afterAttempt: 1) == .milliseconds(100))
        #expect(backoff.exponentialDelay(afterAttempt: 2) == .milliseconds(150))
        #expect(backoff.exponentialDelay(afterAttempt: 3) == .milliseconds(225))
        #expect(backoff.exponentialDelay(afterAttempt: 4) == ms(337.5))
    }

    @Test("attempt numbers below 1 count as the first attempt")
    func attemptBelowOne() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(1), jitter: .none)
        #expect(backoff.exponentialDelay(afterAttempt: 0) == .milliseconds(100))
        #expect(backoff.exponentialDelay(afterAttempt: -5) == .milliseconds(100))
    }

    @Test("huge attempt numbers saturate at the cap without overflow")
    func saturation() throws {
        for multiplier in [1.0001, 1.5, 2, 10, 1e300] {
            let backoff = try Backoff.exponential(base: .nanoseconds(1), multiplier: multiplier, cap: .seconds(3600), jitter: .none)
            #expect(backoff.exponentialDelay(afterAttempt: .max) == .seconds(3600))
        }
        let huge = try Backoff.exponential(base: .seconds(1), cap: .seconds(Int64.max / 2), jitter: .randomized(factor: 1))
        var random = RandomStream(seed: 2, name: "huge")
        #expect(huge.delay(afterAttempt: 10_000, previous: nil, using: &random) <= .seconds(Int64.max / 2))
    }

    @Test("full jitter stays in [0, expo] and averages about expo/2")
    func fullJitterMean() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(10), jitter: .full)
        var random = RandomStream(seed: 3, name: "full")
        var total = 0.0
        let draws = 20_000
        for _ in 0..<draws {
            let delay = backoff.delay(afterAttempt: 3, previous: nil, using: &random)
            #expect(delay >= .zero && delay <= .milliseconds(400))
            total += Double(delay.components.attoseconds) / 1e15 + Double(delay.components.seconds) * 1000
        }
        let mean = total / Double(draws)
        #expect(abs(mean - 200) < 5, "mean \(mean) ms")
    }

    @Test("equal jitter stays in [expo/2, expo]")
    func equalJitter() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(10), jitter: .equal)
        var random = RandomStream(seed: 4, name: "equal")
        var sawLowHalf = false, sawHighHalf = false
        for _ in 0..<2_000 {
            let delay = backoff.delay(afterAttempt: 2, previous: nil, using: &random)
            #expect(delay >= .milliseconds(100) && delay <= .milliseconds(200))
            if delay < .milliseconds(150) { sawLowHalf = true } else { sawHighHalf = true }
        }
        #expect(sawLowHalf && sawHighHalf)
    }

    @Test("decorrelated jitter draws from [base, 3 · previous], never above the cap")
    func decorrelated() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(2), jitter: .decorrelated)
        var random = RandomStream(seed: 5, name: "decorrelated")
        #expect(backoff.range(afterAttempt: 1, previous: nil) == .milliseconds(100) ... .milliseconds(300))
        #expect(backoff.range(afterAttempt: 7, previous: .milliseconds(500)) == .milliseconds(100) ... .milliseconds(1500))
        #expect(backoff.range(afterAttempt: 7, previous: .seconds(1)) == .milliseconds(100) ... .seconds(2))
        var previous: Duration?
        for attempt in 1...200 {
            let delay = backoff.delay(afterAttempt: attempt, previous: previous, using: &random)
            let upper = min(Duration.seconds(2), max(.milliseconds(100), (previous ?? .milliseconds(100)) * 3))
            #expect(delay >= .milliseconds(100) && delay <= upper)
            previous = delay
        }
    }

    @Test("the randomized interval lies within ±factor and is capped after randomizing")
    func randomized() throws {
        let constant = try Backoff.randomized(.milliseconds(100), factor: 0.5)
        #expect(constant.range(afterAttempt: 4, previous: nil) == .milliseconds(50) ... .milliseconds(150))
        let capped = try Backoff.exponential(base: .milliseconds(100), cap: .milliseconds(500), jitter: .randomized(factor: 0.5))
        // expo(3) = 400 ms: ±50 % is [200, 600] ms, capped to 500 ms.
        #expect(capped.range(afterAttempt: 3, previous: nil) == .milliseconds(200) ... .milliseconds(500))
        var random = RandomStream(seed: 6, name: "randomized")
        for _ in 0..<1_000 {
            let delay = capped.delay(afterAttempt: 3, previous: nil, using: &random)
            #expect(delay >= .milliseconds(200) && delay <= .milliseconds(500))
        }
    }

    @Test("the same seed gives the same delays")
    func reproducible() throws {
        let backoff = try Backoff.exponential(base: .milliseconds(10), cap: .seconds(5))
        var first = RandomStream(seed: 9, name: "repro")
        var second = RandomStream(seed: 9, name: "repro")
        let a = (1...20).map { backoff.delay(afterAttempt: $0, previous: nil, using: &first) }
        let b = (1...20).map { backoff.delay(afterAttempt: $0, previous: nil, using: &second) }
        #expect(a == b)
    }

    // MARK: Property

    /// The reference formulas, written independently of the implementation: repeated
    /// multiplication in Double, bounds in nanoseconds.
    private func referenceBounds(_ backoff: Backoff, base: Double, multiplier: Double, cap: Double, attempt: Int, previous: Double?) -> (Double, Double) {
        var expo = base
        if multiplier > 1 {
            var step = 1
            while step < attempt && expo < cap {
                expo *= multiplier
                step += 1
            }
        }
        expo = min(expo, cap)
        switch backoff.jitter {
        case .none: return (expo, expo)
        case .full: return (0, expo)
        case .equal: return (expo / 2, expo)
        case .decorrelated: return (base, min(cap, max(base, 3 * (previous ?? base))))
        case .randomized(let factor): return (min(expo * (1 - factor), cap), min(expo * (1 + factor), cap))
        }
    }

    @Test("every delay lies within its formula's bounds and never exceeds the cap")
    func boundsProperty() throws {
        try forEachSchedule("backoff bounds", count: 500) { random in
            let baseNs = Int64(random.int(in: 1...1_000_000_000))
            let capNs = baseNs.multipliedReportingOverflow(by: Int64(random.int(in: 1...1_000))).partialValue
            let multiplier = [1, 1.5, 2, 3, 1 + random.nextUnit() * 3][random.int(in: 0...4)]
            let jitter: Backoff.Jitter = [.none, .full, .equal, .decorrelated, .randomized(factor: random.nextUnit())][random.int(in: 0...4)]
            let backoff = try Backoff(base: .nanoseconds(baseNs), multiplier: multiplier, cap: .nanoseconds(capNs), jitter: jitter)
            var previous: Duration?
            for attempt in 1...30 {
                let delay = backoff.delay(afterAttempt: attempt, previous: previous, using: &random)
                let ns = Double(delay.components.seconds) * 1e9 + Double(delay.components.attoseconds) / 1e9
                let (low, high) = referenceBounds(
                    backoff, base: Double(baseNs), multiplier: multiplier, cap: Double(capNs), attempt: attempt,
                    previous: previous.map { Double($0.components.seconds) * 1e9 + Double($0.components.attoseconds) / 1e9 })
                // Rounding of the two Double computations may differ by a nanosecond or a
                // few parts in 10¹⁵.
                let tolerance = 1 + high * 1e-12
                try require(delay <= .nanoseconds(capNs), "delay \(delay) above cap \(capNs) ns (\(jitter), attempt \(attempt))")
                try require(ns >= low - tolerance && ns <= high + tolerance,
                            "delay \(ns) ns outside [\(low), \(high)] (\(jitter), ×\(multiplier), attempt \(attempt))")
                try require(backoff.range(afterAttempt: attempt, previous: previous).contains(delay), "delay outside range()")
                previous = delay
            }
        }
    }
}
