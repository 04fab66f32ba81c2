import Resilience
import SimKernel
import Testing

@Suite("EarlyRefresh")
struct EarlyRefreshTests {
    @Test("an expired entry is always refreshed, without drawing")
    func expiredAlwaysRefreshes() {
        var random = CachingCountingRandom()
        let xfetch = EarlyRefresh()
        #expect(xfetch.shouldRefresh(now: at(ms: 1000), expiresAt: at(ms: 1000), recomputeTime: .zero, using: &random))
        #expect(xfetch.shouldRefresh(now: at(ms: 1001), expiresAt: at(ms: 1000), recomputeTime: .seconds(1), using: &random))
        #expect(random.draws == 0)
    }

    @Test("before expiry nothing refreshes when the recompute time or beta is zero")
    func zeroScaleNeverRefreshesEarly() {
        var random = CachingCountingRandom()
        for _ in 0..<100 {
            #expect(!EarlyRefresh().shouldRefresh(now: at(ms: 999), expiresAt: at(ms: 1000), recomputeTime: .zero, using: &random))
            #expect(!EarlyRefresh(beta: 0).shouldRefresh(now: at(ms: 999), expiresAt: at(ms: 1000), recomputeTime: .seconds(5), using: &random))
        }
        #expect(EarlyRefresh(beta: -3).beta == 0)
        #expect(EarlyRefresh(beta: .nan).beta == 0)
        #expect(random.draws == 0)
    }

    /// At a gap g before expiry the refresh probability is exp(−g/(δβ)).
    @Test("the refresh probability at a gap g before expiry is exp(−g/(δ·β))", arguments: [
        (gapMs: 50.0, deltaMs: 100.0, beta: 1.0, expected: 0.606_530_659_712_633_4),  // e^-0.5
        (gapMs: 100.0, deltaMs: 100.0, beta: 1.0, expected: 0.367_879_441_171_442_3), // e^-1
        (gapMs: 200.0, deltaMs: 100.0, beta: 1.0, expected: 0.135_335_283_236_612_7), // e^-2
        (gapMs: 200.0, deltaMs: 100.0, beta: 2.0, expected: 0.367_879_441_171_442_3), // e^-1
        (gapMs: 1000.0, deltaMs: 100.0, beta: 1.0, expected: 0.000_045_399_929_762_5), // e^-10
    ])
    func refreshProbability(gapMs: Double, deltaMs: Double, beta: Double, expected: Double) {
        var random = RandomStream(seed: 11, name: "xfetch")
        let trials = 40_000
        var refreshed = 0
        let xfetch = EarlyRefresh(beta: beta)
        for _ in 0..<trials where xfetch.shouldRefresh(
            now: at(ms: 10_000 - gapMs), expiresAt: at(ms: 10_000),
            recomputeTime: .milliseconds(Int64(deltaMs)), using: &random) {
            refreshed += 1
        }
        let measured = Double(refreshed) / Double(trials)
        // Binomial standard deviation; 5σ plus a hair for the rarest case.
        let sigma = (expected * (1 - expected) / Double(trials)).squareRoot()
        #expect(abs(measured - expected) <= 5 * sigma + 1e-4, "measured \(measured), expected \(expected)")
    }
}
