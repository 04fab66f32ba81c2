import Resilience
import SimKernel
import Testing

@Suite("VegasLimit")
struct VegasLimitTests {
    static func vegas(initial: Int = 20, max: Int = 1000, probeMultiplier: Int = 30) throws -> VegasLimit<RandomStream> {
        try VegasLimit(initialLimit: initial, maxLimit: max, probeMultiplier: probeMultiplier,
                   random: RandomStream(seed: 7, name: "vegas"))
    }

    @Test("the first sample only sets the no-load RTT; a lower RTT replaces it")
    func noLoadRtt() throws {
        var limit = try Self.vegas()
        limit.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        #expect(limit.rttNoLoad == .milliseconds(10) && limit.limit == 20)
        limit.update(rtt: .milliseconds(8), inflight: 20, didDrop: false)
        #expect(limit.rttNoLoad == .milliseconds(8) && limit.limit == 20)
    }

    @Test("no queueing (queue ≤ log10 L): grows by β = 6·log10 L")
    func growsFastWithoutQueue() throws {
        var limit = try Self.vegas()
        limit.update(rtt: .milliseconds(10), inflight: 20, didDrop: false)
        // queue = ⌈20·(1 − 10/10.5)⌉ = ⌈0.95⌉ = 1 ≤ log10(20) = 1.
        limit.update(rtt: .microseconds(10_500), inflight: 20, didDrop: false)
        #expect(limit.limit == 26)
    }

    @Test("queue between log10 L and α: grows by log10 L; above β: shrinks by log10 L; between α and β: unchanged")
    func vegasBands() throws {
        // L = 100: log10 = 2, α = 6, β = 12.
        var limit = try Self.vegas(initial: 100)
        limit.update(rtt: .milliseconds(100), inflight: 100, didDrop: false)
        limit.update(rtt: .milliseconds(104), inflight: 100, didDrop: false)   // queue ⌈3.85⌉ = 4 < α
        #expect(limit.limit == 102)
        // L = 102: queue = ⌈102·(1 − 100/110)⌉ = ⌈9.27⌉ = 10, in [α, β]: unchanged.
        limit.update(rtt: .milliseconds(110), inflight: 100, didDrop: false)
        #expect(limit.limit == 102)
        // queue = ⌈102·(1 − 100/150)⌉ = 34 > β: −2.
        limit.update(rtt: .milliseconds(150), inflight: 100, didDrop: false)
        #expect(limit.limit == 100)
        #expect(limit.alpha == 6 && limit.beta == 12)
    }

    @Test("a drop shrinks by log10 L even when the limit is unused; no drop and unused: unchanged")
    func drops() throws {
        var limit = try Self.vegas(initial: 100)
        limit.update(rtt: .milliseconds(10), inflight: 1, didDrop: false)
        limit.update(rtt: .milliseconds(10), inflight: 1, didDrop: false)
        #expect(limit.limit == 100)
        limit.update(rtt: .milliseconds(10), inflight: 1, didDrop: true)
        #expect(limit.limit == 98)
    }

    @Test("the no-load RTT is re-probed after about probeMultiplier·L samples (jitter in [0.5, 1))")
    func probing() throws {
        var limit = try Self.vegas(initial: 10, probeMultiplier: 2)
        limit.update(rtt: .milliseconds(10), inflight: 1, didDrop: false)
        var probedAfter: Int?
        for sample in 1...30 {
            limit.update(rtt: .milliseconds(50), inflight: 1, didDrop: false)
            if limit.rttNoLoad == .milliseconds(50) { probedAfter = sample; break }
        }
        // Probe when jitter·2·10 ≤ count with jitter ∈ [0.5, 1): at count 10...20, where the
        // first sample counted as 1, so after 9...19 samples of the loop.
        #expect(probedAfter.map { (9...19).contains($0) } == true, "probed after \(String(describing: probedAfter))")
    }

    @Test("non-positive RTTs are ignored")
    func ignoresZeroRtt() throws {
        var limit = try Self.vegas()
        limit.update(rtt: .zero, inflight: 20, didDrop: true)
        #expect(limit.limit == 20 && limit.rttNoLoad == nil)
    }

    @Test("works with RTTs measured on ContinuousClock, with the system generator")
    func continuousClock() throws {
        var limit = try VegasLimit(initialLimit: 20)
        let start = ContinuousClock.now
        limit.update(rtt: start.duration(to: .now) + .milliseconds(1), inflight: 20, didDrop: false)
        #expect(limit.rttNoLoad != nil && limit.limit == 20)
    }
}
