import Resilience
import SimKernel
import Testing

@Suite("RetryBudget")
struct RetryBudgetTests {
    typealias Budget = RetryBudget<VirtualClock.Instant>

    /// `budget.tryRetry(at:)`, callable inside `#expect`.
    private func spend(_ budget: inout Budget, at now: VirtualClock.Instant) -> Bool {
        budget.tryRetry(at: now)
    }

    @Test("Finagle's defaults: 20 %, 10 retries per second, a 10 s window")
    func defaults() throws {
        let configuration = try Budget.Configuration()
        #expect(configuration.retryRatio == 0.2)
        #expect(configuration.minRetriesPerSecond == 10)
        #expect(configuration.window == .seconds(10))
        #expect(configuration.reserve == 100)
    }

    @Test("a fresh budget allows exactly its reserve, then refuses")
    func reserveOnly() throws {
        var budget = Budget(try .init(retryRatio: 0.2, minRetriesPerSecond: 1, window: .seconds(10)))
        for _ in 0..<10 { #expect(spend(&budget, at: at(ms: 0))) }
        #expect(!spend(&budget, at: at(ms: 0)))
        #expect(budget.totalRetries == 10 && budget.totalDenied == 1)
    }

    @Test("each request adds retryRatio retries")
    func ratio() throws {
        var budget = Budget(try .init(retryRatio: 0.2, minRetriesPerSecond: 0))
        for _ in 0..<10 { budget.recordRequest(at: at(ms: 0)) }
        #expect(budget.retriesAvailable(at: at(ms: 0)) == 2)
        #expect(spend(&budget, at: at(ms: 1)))
        #expect(spend(&budget, at: at(ms: 2)))
        #expect(!spend(&budget, at: at(ms: 3)))
        for _ in 0..<4 { budget.recordRequest(at: at(ms: 4)) }
        // 14 requests · 0.2 = 2.8: still only 2 retries in all.
        #expect(!spend(&budget, at: at(ms: 5)))
        budget.recordRequest(at: at(ms: 6))
        #expect(spend(&budget, at: at(ms: 7)))
    }

    @Test("a refused retry changes nothing but the denial count")
    func refusalHasNoEffect() throws {
        var budget = Budget(try .init(retryRatio: 0.5, minRetriesPerSecond: 0))
        budget.recordRequest(at: at(ms: 0))
        #expect(!spend(&budget, at: at(ms: 0)))
        #expect(budget.counts(at: at(ms: 0)) == (1, 0))
        budget.recordRequest(at: at(ms: 0))
        #expect(spend(&budget, at: at(ms: 0)))
    }

    @Test("requests leave the window after `window`")
    func expiry() throws {
        var budget = Budget(try .init(retryRatio: 0.2, minRetriesPerSecond: 0, window: .seconds(10), buckets: 10))
        for _ in 0..<10 { budget.recordRequest(at: at(ms: 0)) }
        #expect(budget.retriesAvailable(at: at(ms: 9_999)) == 2)
        #expect(budget.retriesAvailable(at: at(ms: 10_000)) == 0)
        #expect(budget.counts(at: at(ms: 10_000)) == (0, 0))
        #expect(!spend(&budget, at: at(ms: 10_000)))
    }

    @Test("credit spent in one window still counts in the next: a burst of retries is paid back before more are allowed")
    func creditCarriesOver() throws {
        // Three 1 s slices; ratio 0.5, no reserve.
        var budget = Budget(try .init(retryRatio: 0.5, minRetriesPerSecond: 0, window: .seconds(3), buckets: 3))
        for _ in 0..<20 { budget.recordRequest(at: at(ms: 0)) }        // slice 0: 20 requests, credit 10
        for _ in 0..<5 { #expect(spend(&budget, at: at(ms: 1_500))) }  // slice 1: 5 retries
        for _ in 0..<5 { #expect(spend(&budget, at: at(ms: 2_500))) }  // slice 2: 5 more
        #expect(!spend(&budget, at: at(ms: 2_600)))
        // Slice 3: the requests of slice 0 left the window, the 10 retries did not.
        for _ in 0..<10 { budget.recordRequest(at: at(ms: 3_100)) }
        #expect(budget.counts(at: at(ms: 3_200)) == (10, 10))
        #expect(!spend(&budget, at: at(ms: 3_200)))
        // Slice 4: slice 1's retries left; 5 credit − 5 retries of slice 2 = 0.
        #expect(!spend(&budget, at: at(ms: 4_000)))
        // Slice 5: only slice 3's requests remain: 5 retries again.
        #expect(budget.retriesAvailable(at: at(ms: 5_000)) == 5)
    }

    @Test("an instant earlier than the current slice counts in the current slice")
    func timeGoingBackwards() throws {
        var budget = Budget(try .init(retryRatio: 1, minRetriesPerSecond: 0, window: .seconds(2), buckets: 2))
        budget.recordRequest(at: at(ms: 1_500))
        budget.recordRequest(at: at(ms: 100))
        #expect(budget.counts(at: at(ms: 1_500)) == (2, 0))
        #expect(spend(&budget, at: at(ms: 0)))
    }

    @Test("a retry storm is throttled to ratio · requests + reserve")
    func storm() throws {
        var budget = Budget(try .init(retryRatio: 0.2, minRetriesPerSecond: 1, window: .seconds(10)))
        var retries = 0
        // 1,000 failing requests over one second, each wanting 3 retries.
        for index in 0..<1_000 {
            let now = at(ms: Double(index))
            budget.recordRequest(at: now)
            for _ in 0..<3 where budget.tryRetry(at: now) { retries += 1 }
        }
        #expect(retries <= 200 + 10)
        #expect(retries >= 200)
    }

    @Test("on ContinuousClock instants, the budget counts real time")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        var budget = RetryBudget<ContinuousClock.Instant>(try .init(retryRatio: 0.5, minRetriesPerSecond: 0, window: .milliseconds(100), buckets: 2))
        // One instant for requests and retries: a loaded machine may run these lines far
        // apart, and the window is only 100 ms.
        let start = clock.now
        for _ in 0..<4 { budget.recordRequest(at: start) }
        let answers = (0..<3).map { _ in budget.tryRetry(at: start) }
        #expect(answers == [true, true, false])
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(150)), tolerance: nil)
        // The requests have left the window (the retries too).
        #expect(budget.counts(at: clock.now) == (0, 0))
    }

    // MARK: Property

    @Test("at every retry the window holds retries ≤ ratio · requests + reserve; refusals only when it would not; any window-long run ≤ ratio · requests of two windows + reserve")
    func windowProperty() throws {
        try forEachSchedule("retry budget window", count: 500) { random in
            let ratio = [0, 0.1, 0.2, 0.5, 1, random.nextUnit() * 2][random.int(in: 0...5)]
            let minPerSecond = [0, 0.5, 1, 2, Double(random.int(in: 0...20))][random.int(in: 0...4)]
            let windowMs = random.int(in: 1...10) * 1_000
            let buckets = random.int(in: 1...10)
            let configuration = try RetryBudget<VirtualClock.Instant>.Configuration(
                retryRatio: ratio, minRetriesPerSecond: minPerSecond, window: .milliseconds(windowMs), buckets: buckets)
            var budget = RetryBudget<VirtualClock.Instant>(configuration)
            let reserve = minPerSecond * Double(windowMs) / 1000
            let widthNs = Int64(windowMs) * 1_000_000 / Int64(buckets)
            // The test's own log of events, per slice number.
            var requests: [Int64: Int] = [:]
            var retries: [Int64: Int] = [:]
            var nowNs = Int64(random.int(in: 0...5_000)) * 1_000_000
            let originNs = nowNs
            let bursty = random.chance(0.5)

            /// Sums over the `count` slices ending with `end`.
            func sums(endingAt end: Int64, slices count: Int) -> (requests: Int, retries: Int) {
                var requestSum = 0, retrySum = 0
                var slice = end
                while slice > end - Int64(count) && slice >= 0 {
                    requestSum += requests[slice, default: 0]
                    retrySum += retries[slice, default: 0]
                    slice -= 1
                }
                return (requestSum, retrySum)
            }

            for step in 0..<400 {
                if step > 0, random.chance(bursty ? 0.05 : 0.3) {
                    nowNs += Int64(random.int(in: 0...(windowMs / 2))) * 1_000_000
                }
                let now = VirtualClock.Instant(nanoseconds: nowNs)
                let slice = (nowNs - originNs) / widthNs
                if random.chance(bursty ? 0.3 : 0.6) {
                    budget.recordRequest(at: now)
                    requests[slice, default: 0] += 1
                } else if budget.tryRetry(at: now) {
                    retries[slice, default: 0] += 1
                    let window = sums(endingAt: slice, slices: buckets)
                    try require(Double(window.retries) <= ratio * Double(window.requests) + reserve + 1e-9,
                                "retry allowed with \(window.retries) retries for \(window.requests) requests in the window")
                } else {
                    let window = sums(endingAt: slice, slices: buckets)
                    let slack = ratio * Double(window.requests) + reserve - Double(window.retries)
                    try require(slack < 1 + 1e-9, "retry refused with slack \(slack) at slice \(slice)")
                }
            }
            let last = (nowNs - originNs) / widthNs
            for end in 0...last {
                let run = sums(endingAt: end, slices: buckets)
                let funding = sums(endingAt: end, slices: 2 * buckets)
                try require(Double(run.retries) <= ratio * Double(funding.requests) + reserve + 1e-9,
                            "slices ending at \(end): \(run.retries) retries, \(funding.requests) requests over two windows")
            }
            try require(budget.totalRetries == retries.values.reduce(0, +), "retry count differs from the log")
        }
    }
}
