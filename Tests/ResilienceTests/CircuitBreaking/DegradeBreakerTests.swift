import Resilience
import SimKernel
import Testing

/// The source documents' core-path rule: exception ratio > 20% → break for 30 s.
// `try!`: the source documents' rules are valid.
private let corePath = try! DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30))
/// The source documents' secondary-path rule: > 50 exceptions a minute → degrade.
private let secondaryPath = try! DegradeRule(strategy: .errorCount(50), timeWindow: .seconds(60), statInterval: .seconds(60))

/// A breaker on `rule`, opened by failures at `ms`.
private func opened(_ rule: DegradeRule, at ms: Double = 0) -> DegradeBreaker<VInstant> {
    var breaker = DegradeBreaker<VInstant>(rule)
    while breaker.state == .closed { breaker.fail(at: ms) }
    return breaker
}

@Suite("DegradeBreaker (Sentinel degrade rules)")
struct DegradeBreakerTests {
    @Test("the defaults are Sentinel's: 5 requests minimum, a 1 s statistic interval of one bucket; the probe timeout is the break time")
    func defaults() throws {
        let rule = try DegradeRule(strategy: .errorRatio(0.5), timeWindow: .seconds(10))
        #expect(rule.minRequestAmount == 5)
        #expect(rule.statInterval == .seconds(1))
        #expect(rule.sampleCount == 1)
        #expect(rule.probeTimeout == nil)
        #expect(rule.effectiveProbeTimeout == .seconds(10))
        #expect(try DegradeRule(strategy: .errorCount(1), timeWindow: .seconds(10), probeTimeout: .zero).effectiveProbeTimeout == nil)
        if case .slowCallRatio(_, let threshold) = DegradeRule.Strategy.slowCallRatio(maxResponseTime: .seconds(1)) {
            #expect(threshold == 1.0)
        }
    }

    // MARK: The documents' graded rules

    @Test("core path: an exception ratio of exactly 20% does not break, above 20% breaks for 30 s")
    func corePathRule() throws {
        var breaker = DegradeBreaker<VInstant>(corePath)
        for index in 0..<8 { breaker.succeed(at: Double(index)) }
        #expect(breaker.fail(at: 8) == nil)
        #expect(breaker.fail(at: 9) == nil)
        #expect(breaker.metrics.errors == 2)
        #expect(breaker.metrics.requests == 10)
        let transition = breaker.fail(at: 10)
        #expect(transition == VTransition(from: .closed, to: .open, instant: at(ms: 10),
                                          reason: .failureRateExceeded(Double(3) / Double(11) * 100)))
        #expect(breaker.openUntil == at(ms: 30_010))
        #expect(!breaker.tryAcquirePermission(at: at(ms: 30_009.999)).isPermitted)
        let admission = breaker.tryAcquirePermission(at: at(ms: 30_010))
        let probe = try #require(admission.permission)
        #expect(probe.isProbe)
        #expect(admission.transition?.to == .halfOpen)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 30_010)).isPermitted)
        #expect(breaker.onSuccess(probe, duration: .milliseconds(5), at: at(ms: 30_015)) ==
                VTransition(from: .halfOpen, to: .closed, instant: at(ms: 30_015), reason: .probesPassed))
        #expect(breaker.metrics.requests == 0)
        #expect(breaker.metrics.numberOfNotPermittedCalls == 2)
    }

    @Test("secondary path: 50 exceptions in a minute do not degrade, the 51st does")
    func secondaryPathRule() {
        var breaker = DegradeBreaker<VInstant>(secondaryPath)
        for second in 0..<50 { #expect(breaker.fail(at: Double(second) * 1000) == nil) }
        for second in 50..<59 { breaker.succeed(at: Double(second) * 1000) }
        #expect(breaker.state == .closed)
        #expect(breaker.fail(at: 59_000)?.reason == .errorCountExceeded(51))
        #expect(breaker.openUntil == at(ms: 119_000))
    }

    @Test("secondary path: exceptions split across two statistic minutes never degrade")
    func secondaryPathAcrossMinutes() {
        var breaker = DegradeBreaker<VInstant>(secondaryPath)
        for second in 0..<30 { breaker.fail(at: Double(second) * 1000) }
        for second in 60..<90 { breaker.fail(at: Double(second) * 1000) }
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.errors == 30)
    }

    // MARK: Closed

    @Test("fewer than minRequestAmount calls never trip the rule")
    func minRequestAmount() {
        var breaker = DegradeBreaker<VInstant>(corePath)
        for index in 0..<4 { #expect(breaker.fail(at: Double(index)) == nil) }
        #expect(breaker.fail(at: 4)?.reason == .failureRateExceeded(100))
    }

    @Test("a one-bucket statistic interval restarts every interval; more buckets make it slide")
    func tumblingAndSlidingIntervals() throws {
        let failures: [Double] = [0, 400, 600, 1100, 1200, 1300]
        var tumbling = DegradeBreaker<VInstant>(try DegradeRule(strategy: .errorCount(3), timeWindow: .seconds(5), minRequestAmount: 1))
        for ms in failures { #expect(tumbling.fail(at: ms) == nil) }
        #expect(tumbling.metrics.errors == 3)

        var sliding = DegradeBreaker<VInstant>(try DegradeRule(strategy: .errorCount(3), timeWindow: .seconds(5),
                                                           minRequestAmount: 1, sampleCount: 2))
        for ms in failures.dropLast() { #expect(sliding.fail(at: ms) == nil) }
        // Buckets [500, 1000) and [1000, 1500) hold 600, 1100, 1200 and now 1300.
        #expect(sliding.fail(at: 1300)?.reason == .errorCountExceeded(4))
    }

    @Test("slow-call ratio: a call is slow only above the maximum response time, and the ratio must exceed the threshold")
    func slowCallRatio() throws {
        let rule = try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .milliseconds(200), threshold: 0.5), timeWindow: .seconds(10))
        var breaker = DegradeBreaker<VInstant>(rule)
        for index in 0..<3 { breaker.succeed(at: Double(index), taking: .milliseconds(200)) }
        #expect(breaker.metrics.slowRequests == 0)
        for index in 3..<6 { #expect(breaker.succeed(at: Double(index), taking: .milliseconds(201)) == nil) }
        #expect(breaker.metrics.slowRequests == 3)
        #expect(breaker.succeed(at: 6, taking: .seconds(8))?.reason == .slowCallRateExceeded(Double(4) / Double(7) * 100))
    }

    @Test("slow-call ratio with threshold 1 trips when every call was slow (Sentinel's special case)")
    func slowCallRatioOfOne() throws {
        var breaker = DegradeBreaker<VInstant>(try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .milliseconds(100)),
                                                           timeWindow: .seconds(10)))
        for index in 0..<4 { #expect(breaker.succeed(at: Double(index), taking: .seconds(1)) == nil) }
        #expect(breaker.succeed(at: 4, taking: .seconds(1))?.reason == .slowCallRateExceeded(100))
    }

    @Test("errors do not count for the slow-call strategy")
    func slowCallIgnoresErrors() throws {
        var breaker = DegradeBreaker<VInstant>(try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .milliseconds(100), threshold: 0),
                                                           timeWindow: .seconds(10)))
        for index in 0..<20 { #expect(breaker.fail(at: Double(index), taking: .milliseconds(10)) == nil) }
        #expect(breaker.metrics.errors == 20)
    }

    @Test("ignored errors count as completions without error; released permissions are not counted")
    func ignoredAndReleasedWhileClosed() throws {
        var breaker = DegradeBreaker<VInstant>(corePath)
        let ignored = try breaker.acquire(at: 0)
        let released = try breaker.acquire(at: 0)
        breaker.onIgnoredError(ignored, duration: .milliseconds(3), at: at(ms: 1))
        breaker.releasePermission(released, at: at(ms: 1))
        #expect(breaker.metrics.requests == 1)
        #expect(breaker.metrics.errors == 0)
    }

    // MARK: Half-open

    @Test("a failed probe opens the breaker for another full time window")
    func failedProbe() throws {
        var breaker = opened(corePath, at: 0)
        let probe = try breaker.acquire(at: 30_000)
        #expect(breaker.onError(probe, duration: .milliseconds(1), at: at(ms: 30_500)) ==
                VTransition(from: .halfOpen, to: .open, instant: at(ms: 30_500), reason: .probeFailed))
        #expect(breaker.openUntil == at(ms: 60_500))
    }

    @Test("slow-call strategy: a slow probe reopens even if it succeeded, a fast failing probe closes (as Sentinel)")
    func slowStrategyProbes() throws {
        let rule = try DegradeRule(strategy: .slowCallRatio(maxResponseTime: .milliseconds(100)), timeWindow: .seconds(10))
        var slow = DegradeBreaker<VInstant>(rule)
        for index in 0..<5 { slow.succeed(at: Double(index), taking: .seconds(1)) }
        let slowProbe = try slow.acquire(at: 10_004)
        #expect(slow.onSuccess(slowProbe, duration: .milliseconds(101), at: at(ms: 10_105))?.reason == .probeFailed)

        var fast = DegradeBreaker<VInstant>(rule)
        for index in 0..<5 { fast.succeed(at: Double(index), taking: .seconds(1)) }
        let fastProbe = try fast.acquire(at: 10_004)
        #expect(fast.onError(fastProbe, duration: .milliseconds(100), at: at(ms: 10_104))?.to == .closed)
    }

    @Test("a probe released without being made returns to open and the next call probes at once (Sentinel #1638 workaround)")
    func releasedProbe() throws {
        var breaker = opened(corePath, at: 0)
        let probe = try breaker.acquire(at: 30_000)
        let transition = breaker.releasePermission(probe, at: at(ms: 30_001))
        #expect(transition == VTransition(from: .halfOpen, to: .open, instant: at(ms: 30_001), reason: .probeReleased))
        #expect(breaker.openUntil == at(ms: 30_001))
        let next = breaker.tryAcquirePermission(at: at(ms: 30_002))
        #expect(next.permission?.isProbe == true)
        #expect(next.transition?.to == .halfOpen)
    }

    @Test("a probe that never reports back is given up after the probe timeout; its late outcome is ignored")
    func probeTimeout() throws {
        var breaker = opened(corePath, at: 0)
        let probe = try breaker.acquire(at: 30_000)
        #expect(breaker.nextTransition == at(ms: 60_000))
        #expect(breaker.advance(to: at(ms: 59_999)) == nil)
        #expect(breaker.advance(to: at(ms: 60_000)) ==
                VTransition(from: .halfOpen, to: .open, instant: at(ms: 60_000), reason: .halfOpenTimedOut))
        #expect(breaker.openUntil == at(ms: 90_000))
        #expect(breaker.onSuccess(probe, duration: .seconds(35), at: at(ms: 65_000)) == nil)
        #expect(breaker.state == .open)

        var custom = opened(try DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30), probeTimeout: .seconds(5)), at: 0)
        _ = try custom.acquire(at: 30_000)
        let admission = custom.tryAcquirePermission(at: at(ms: 35_000))
        #expect(admission.transition?.reason == .halfOpenTimedOut)
        #expect(!admission.isPermitted)
    }

    @Test("a probe timeout of zero waits forever, as Sentinel")
    func probeWaitsForever() throws {
        var breaker = opened(try DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30), probeTimeout: .zero), at: 0)
        _ = try breaker.acquire(at: 30_000)
        #expect(breaker.nextTransition == nil)
        #expect(breaker.advance(to: at(ms: 86_400_000)) == nil)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 86_400_000)).isPermitted)
        #expect(breaker.state == .halfOpen)
    }

    @Test("only the probe decides: a call admitted while closed finishing during half-open is ignored")
    func staleOutcomeIgnored() throws {
        var breaker = DegradeBreaker<VInstant>(corePath)
        let early = try breaker.acquire(at: 0)
        for index in 1...5 { breaker.fail(at: Double(index)) }
        let probe = try breaker.acquire(at: 30_005)
        #expect(breaker.onSuccess(early, duration: .seconds(30), at: at(ms: 30_006)) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.onError(probe, duration: .zero, at: at(ms: 30_007))?.reason == .probeFailed)
    }

    @Test("forced open rejects, disabled admits without counting, and a manual half-open lets the next call probe")
    func manualStates() throws {
        var breaker = DegradeBreaker<VInstant>(corePath)
        #expect(breaker.transition(to: .forcedOpen, at: at(ms: 0))?.reason == .manual)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 1_000_000)).isPermitted)
        breaker.transition(to: .disabled, at: at(ms: 1_000_000))
        for index in 0..<10 { #expect(breaker.fail(at: 1_000_000 + Double(index)) == nil) }
        #expect(breaker.metrics.requests == 0)
        breaker.transition(to: .halfOpen, at: at(ms: 1_000_010))
        let probe = try breaker.acquire(at: 1_000_011)
        #expect(probe.isProbe)
        #expect(breaker.onSuccess(probe, duration: .zero, at: at(ms: 1_000_012))?.to == .closed)
    }

    // MARK: Real time

    @Test("works on ContinuousClock: breaks, rejects, and lets one probe through after the time window")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        var breaker = DegradeBreaker<ContinuousClock.Instant>(
            try DegradeRule(strategy: .errorCount(0), timeWindow: .milliseconds(50), minRequestAmount: 1))
        // Opening and the rejection at one instant: on a loaded machine these lines may
        // run further apart than the 50 ms window.
        let start = clock.now
        let permission = try #require(breaker.tryAcquirePermission(at: start).permission)
        #expect(breaker.onError(permission, duration: .milliseconds(1), at: start)?.to == .open)
        #expect(!breaker.tryAcquirePermission(at: start).isPermitted)
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(60)), tolerance: nil)
        let probe = try #require(breaker.tryAcquirePermission(at: clock.now).permission)
        #expect(!breaker.tryAcquirePermission(at: clock.now).isPermitted)
        #expect(breaker.onSuccess(probe, duration: .milliseconds(1), at: clock.now)?.to == .closed)
    }
}
