import Resilience
import SimKernel
import Testing

/// A small count-based breaker: window 10, minimum 10, open wait 60 s, 3 probes.
private func smallBreaker(
    windowSize: Int = 10, minimumNumberOfCalls: Int = 10, failureRateThreshold: Double = 50,
    slowCallRateThreshold: Double = 100, slowCallDurationThreshold: Duration = .seconds(1),
    permitted: Int = 3, automatic: Bool = false, maxWaitInHalfOpen: Duration = .zero,
    type: CircuitBreakerConfiguration.SlidingWindowType = .countBased
) throws -> CircuitBreaker<VInstant> {
    CircuitBreaker(try CircuitBreakerConfiguration(
        failureRateThreshold: failureRateThreshold,
        slowCallRateThreshold: slowCallRateThreshold,
        slowCallDurationThreshold: slowCallDurationThreshold,
        minimumNumberOfCalls: minimumNumberOfCalls,
        slidingWindowType: type,
        slidingWindowSize: windowSize,
        waitDurationInOpenState: .seconds(60),
        permittedNumberOfCallsInHalfOpenState: permitted,
        automaticTransitionFromOpenToHalfOpenEnabled: automatic,
        maxWaitDurationInHalfOpenState: maxWaitInHalfOpen))
}

/// `breaker` opened by failures at `ms` (window of 10, all failing).
private func openedBreaker(at ms: Double = 1000, permitted: Int = 3, automatic: Bool = false,
                           maxWaitInHalfOpen: Duration = .zero) throws -> CircuitBreaker<VInstant> {
    var breaker = try smallBreaker(permitted: permitted, automatic: automatic, maxWaitInHalfOpen: maxWaitInHalfOpen)
    for _ in 0..<10 { breaker.fail(at: ms) }
    return breaker
}

@Suite("CircuitBreaker (Resilience4j semantics)")
struct CircuitBreakerTests {
    // MARK: Closed

    @Test("the defaults are Resilience4j's")
    func defaults() throws {
        let configuration = try CircuitBreakerConfiguration()
        #expect(configuration.failureRateThreshold == 50)
        #expect(configuration.slowCallRateThreshold == 100)
        #expect(configuration.slowCallDurationThreshold == .seconds(60))
        #expect(configuration.minimumNumberOfCalls == 100)
        #expect(configuration.slidingWindowType == .countBased)
        #expect(configuration.slidingWindowSize == 100)
        #expect(configuration.waitDurationInOpenState == .seconds(60))
        #expect(configuration.permittedNumberOfCallsInHalfOpenState == 10)
        #expect(configuration.automaticTransitionFromOpenToHalfOpenEnabled == false)
        #expect(configuration.maxWaitDurationInHalfOpenState == .zero)
        let breaker = CircuitBreaker<VInstant>()
        #expect(breaker.state == .closed)
        #expect(breaker.nextTransition == nil)
        #expect(breaker.openUntil == nil)
    }

    @Test("a closed breaker stays closed below the minimum number of calls even if every call fails")
    func belowMinimum() throws {
        var breaker = try smallBreaker(windowSize: 20, minimumNumberOfCalls: 10)
        for index in 0..<9 { #expect(breaker.fail(at: Double(index)) == nil) }
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfBufferedCalls == 9)
        #expect(breaker.metrics.failureRate == nil)
        let transition = breaker.fail(at: 9)
        #expect(transition == VTransition(from: .closed, to: .open, instant: at(ms: 9), reason: .failureRateExceeded(100)))
        #expect(breaker.state == .open)
    }

    @Test("the breaker opens when the failure rate reaches the threshold exactly (≥, not >)")
    func thresholdIsInclusive() throws {
        var atThreshold = try smallBreaker()
        for index in 0..<5 { atThreshold.succeed(at: Double(index)) }
        for index in 5..<9 { #expect(atThreshold.fail(at: Double(index)) == nil) }
        #expect(atThreshold.fail(at: 9)?.reason == .failureRateExceeded(50))

        var belowThreshold = try smallBreaker()
        for index in 0..<6 { belowThreshold.succeed(at: Double(index)) }
        for index in 6..<10 { #expect(belowThreshold.fail(at: Double(index)) == nil) }
        #expect(belowThreshold.state == .closed)
        #expect(belowThreshold.metrics.failureRate == 40)
    }

    @Test("a call is slow only when it takes strictly longer than the slow-call threshold")
    func slowIsStrict() throws {
        var breaker = try smallBreaker(slowCallDurationThreshold: .seconds(1))
        breaker.succeed(at: 0, taking: .seconds(1))
        #expect(breaker.metrics.numberOfSlowCalls == 0)
        breaker.succeed(at: 1, taking: .seconds(1) + .nanoseconds(1))
        breaker.fail(at: 2, taking: .seconds(2))
        let metrics = breaker.metrics
        #expect(metrics.numberOfSlowCalls == 2)
        #expect(metrics.numberOfSlowFailedCalls == 1)
        #expect(metrics.numberOfSlowSuccessfulCalls == 1)
        #expect(metrics.numberOfSuccessfulCalls == 2)
        #expect(metrics.numberOfFailedCalls == 1)
    }

    @Test("the slow-call rate opens the breaker at its threshold, counting slow failures too")
    func slowCallRateTrips() throws {
        var breaker = try smallBreaker(failureRateThreshold: 100, slowCallRateThreshold: 50)
        for index in 0..<5 { breaker.succeed(at: Double(index)) }
        for index in 5..<9 { #expect(breaker.succeed(at: Double(index), taking: .seconds(3)) == nil) }
        // 4 slow of 9: one more slow call, a failing one, makes 5 of 10.
        #expect(breaker.fail(at: 9, taking: .seconds(3))?.reason == .slowCallRateExceeded(50))
        #expect(breaker.metrics.slowCallRate == 50)
        #expect(breaker.metrics.failureRate == 10)
    }

    @Test("a count window holds only the last N outcomes")
    func countWindowSlides() throws {
        var breaker = try smallBreaker(windowSize: 4, minimumNumberOfCalls: 4, failureRateThreshold: 75)
        breaker.fail(at: 0)
        breaker.fail(at: 1)
        for index in 2..<6 { #expect(breaker.succeed(at: Double(index)) == nil) }
        #expect(breaker.metrics.numberOfFailedCalls == 0)
        #expect(breaker.metrics.numberOfBufferedCalls == 4)
        #expect(breaker.fail(at: 6) == nil)
        #expect(breaker.fail(at: 7) == nil)
        #expect(breaker.metrics.failureRate == 50)
        #expect(breaker.fail(at: 8)?.reason == .failureRateExceeded(75))
    }

    @Test("a count window's minimum number of calls is capped at its size")
    func minimumCappedAtWindowSize() throws {
        var breaker = try smallBreaker(windowSize: 5, minimumNumberOfCalls: 100)
        for index in 0..<4 { breaker.fail(at: Double(index)) }
        #expect(breaker.state == .closed)
        #expect(breaker.fail(at: 4)?.to == .open)
        #expect(breaker.metrics.minimumNumberOfCalls == 5)
    }

    // MARK: Open

    @Test("an open breaker rejects calls until the wait has elapsed, and counts them")
    func openRejectsUntilWaitElapsed() throws {
        var breaker = try openedBreaker(at: 1000)
        #expect(breaker.openUntil == at(ms: 61_000))
        #expect(breaker.lastTransitionAt == at(ms: 1000))
        let early = breaker.tryAcquirePermission(at: at(ms: 60_999.999))
        #expect(!early.isPermitted)
        #expect(early.transition == nil)
        #expect(breaker.metrics.numberOfNotPermittedCalls == 1)
        // Metrics keep showing the window that opened the breaker.
        #expect(breaker.metrics.failureRate == 100)
        let due = breaker.tryAcquirePermission(at: at(ms: 61_000))
        let permission = try #require(due.permission)
        #expect(permission.isProbe)
        #expect(due.transition == VTransition(from: .open, to: .halfOpen, instant: at(ms: 61_000), reason: .waitElapsed))
        #expect(breaker.state == .halfOpen)
    }

    @Test("without automatic transition an open breaker waits for a call, however late")
    func lazyTransition() throws {
        var breaker = try openedBreaker(at: 1000)
        #expect(breaker.nextTransition == nil)
        #expect(breaker.advance(to: at(ms: 10_000_000)) == nil)
        #expect(breaker.state == .open)
        #expect(breaker.tryAcquirePermission(at: at(ms: 10_000_000)).transition?.to == .halfOpen)
    }

    @Test("with automatic transition, nextTransition is the end of the open wait and advance performs it")
    func automaticTransition() throws {
        var breaker = try openedBreaker(at: 1000, automatic: true)
        #expect(breaker.nextTransition == at(ms: 61_000))
        #expect(breaker.advance(to: at(ms: 60_999)) == nil)
        #expect(breaker.advance(to: at(ms: 61_000)) ==
                VTransition(from: .open, to: .halfOpen, instant: at(ms: 61_000), reason: .waitElapsed))
        #expect(breaker.state == .halfOpen)
        #expect(breaker.nextTransition == nil)
    }

    // MARK: Half-open

    @Test("a half-open breaker admits exactly the permitted number of probes")
    func halfOpenAdmitsExactly() throws {
        var breaker = try openedBreaker(permitted: 3)
        var permissions: [CircuitPermission] = []
        for _ in 0..<3 { permissions.append(try breaker.acquire(at: 61_000)) }
        #expect(permissions.allSatisfy { $0.isProbe })
        let before = breaker.metrics.numberOfNotPermittedCalls
        #expect(!breaker.tryAcquirePermission(at: at(ms: 61_001)).isPermitted)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 90_000)).isPermitted)
        #expect(breaker.metrics.numberOfNotPermittedCalls == before + 2)
    }

    @Test("a half-open breaker decides once every probe is recorded: under the threshold it closes with a fresh window")
    func halfOpenCloses() throws {
        var breaker = try openedBreaker(permitted: 3)
        let probes = try (0..<3).map { _ in try breaker.acquire(at: 61_000) }
        #expect(breaker.onSuccess(probes[0], duration: .zero, at: at(ms: 61_100)) == nil)
        #expect(breaker.onError(probes[1], duration: .zero, at: at(ms: 61_200)) == nil)
        #expect(breaker.metrics.numberOfBufferedCalls == 2)
        #expect(breaker.state == .halfOpen)
        let transition = breaker.onSuccess(probes[2], duration: .zero, at: at(ms: 61_300))
        #expect(transition == VTransition(from: .halfOpen, to: .closed, instant: at(ms: 61_300), reason: .probesPassed))
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        #expect(breaker.metrics.minimumNumberOfCalls == 10)
    }

    @Test("a half-open breaker whose probes reach the threshold opens again and restarts the wait")
    func halfOpenReopens() throws {
        var breaker = try openedBreaker(permitted: 2)
        let first = try breaker.acquire(at: 61_000)
        let second = try breaker.acquire(at: 61_000)
        #expect(breaker.onSuccess(first, duration: .zero, at: at(ms: 61_500)) == nil)
        let transition = breaker.onError(second, duration: .zero, at: at(ms: 62_000))
        #expect(transition == VTransition(from: .halfOpen, to: .open, instant: at(ms: 62_000), reason: .failureRateExceeded(50)))
        #expect(breaker.openUntil == at(ms: 122_000))
        #expect(breaker.metrics.numberOfBufferedCalls == 2)
        #expect(breaker.metrics.failureRate == 50)
    }

    @Test("a released probe, or one that threw an ignored error, frees its place for another call")
    func releasedProbeFreesPlace() throws {
        var breaker = try openedBreaker(permitted: 2)
        let first = try breaker.acquire(at: 61_000)
        let second = try breaker.acquire(at: 61_000)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 61_000)).isPermitted)
        #expect(breaker.releasePermission(first, at: at(ms: 61_001)) == nil)
        let third = try breaker.acquire(at: 61_002)
        #expect(breaker.onIgnoredError(second, duration: .seconds(1), at: at(ms: 61_003)) == nil)
        let fourth = try breaker.acquire(at: 61_004)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 61_005)).isPermitted)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        breaker.onSuccess(third, duration: .zero, at: at(ms: 61_006))
        #expect(breaker.onSuccess(fourth, duration: .zero, at: at(ms: 61_007))?.to == .closed)
    }

    @Test("releasing a permission or ignoring an error while closed records nothing")
    func releaseWhileClosed() throws {
        var breaker = try smallBreaker(windowSize: 2, minimumNumberOfCalls: 2)
        let first = try breaker.acquire(at: 0)
        let second = try breaker.acquire(at: 0)
        #expect(breaker.releasePermission(first, at: at(ms: 1)) == nil)
        #expect(breaker.onIgnoredError(second, duration: .zero, at: at(ms: 1)) == nil)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
    }

    @Test("an outcome of a call admitted before a transition is ignored (not counted as a probe)")
    func staleOutcomesIgnored() throws {
        var breaker = try smallBreaker(permitted: 1)
        let early = try breaker.acquire(at: 0)
        for index in 1...10 { breaker.fail(at: Double(index)) }
        #expect(breaker.state == .open)
        #expect(breaker.onSuccess(early, duration: .seconds(1), at: at(ms: 20)) == nil)
        let probe = try breaker.acquire(at: 70_000)
        #expect(breaker.state == .halfOpen)
        // The early call finishing now would close the breaker if it counted as a probe.
        #expect(breaker.onSuccess(early, duration: .seconds(70), at: at(ms: 70_001)) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        #expect(breaker.onError(probe, duration: .zero, at: at(ms: 70_002))?.to == .open)
    }

    @Test("a half-open breaker whose probes hang opens again after the maximum half-open wait")
    func halfOpenMaxWait() throws {
        var breaker = try openedBreaker(permitted: 2, maxWaitInHalfOpen: .seconds(10))
        let probe = try breaker.acquire(at: 61_000)
        _ = try breaker.acquire(at: 61_000)
        #expect(breaker.halfOpenDeadline == at(ms: 71_000))
        #expect(breaker.nextTransition == at(ms: 71_000))
        #expect(breaker.advance(to: at(ms: 70_999.999)) == nil)
        let transition = breaker.advance(to: at(ms: 71_000))
        #expect(transition == VTransition(from: .halfOpen, to: .open, instant: at(ms: 71_000), reason: .halfOpenTimedOut))
        #expect(breaker.openUntil == at(ms: 131_000))
        // The hung probe finally returns: too late to decide anything.
        #expect(breaker.onSuccess(probe, duration: .seconds(20), at: at(ms: 81_000)) == nil)
        #expect(breaker.state == .open)
    }

    @Test("the half-open deadline also passes on the next call that tells the breaker the time")
    func halfOpenMaxWaitOnNextCall() throws {
        var breaker = try openedBreaker(permitted: 1, maxWaitInHalfOpen: .seconds(10))
        let probe = try breaker.acquire(at: 61_000)
        let admission = breaker.tryAcquirePermission(at: at(ms: 75_000))
        #expect(!admission.isPermitted)
        #expect(admission.transition?.reason == .halfOpenTimedOut)
        #expect(admission.transition?.instant == at(ms: 75_000))
        #expect(breaker.openUntil == at(ms: 135_000))
        // A result reported after the deadline but before anyone noticed is stale too.
        var other = try openedBreaker(permitted: 1, maxWaitInHalfOpen: .seconds(10))
        let otherProbe = try other.acquire(at: 61_000)
        #expect(other.onSuccess(otherProbe, duration: .seconds(12), at: at(ms: 73_000))?.reason == .halfOpenTimedOut)
        #expect(other.state == .open)
        _ = probe
    }

    @Test("a maximum half-open wait of zero waits forever, as Resilience4j")
    func halfOpenWaitsForever() throws {
        var breaker = try openedBreaker(permitted: 1)
        _ = try breaker.acquire(at: 61_000)
        #expect(breaker.nextTransition == nil)
        #expect(breaker.advance(to: at(ms: 365 * 86_400_000)) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 365 * 86_400_000)).isPermitted)
    }

    @Test("with automatic transition and a half-open wait, an idle breaker cycles open and half-open")
    func automaticCycle() throws {
        var breaker = try openedBreaker(at: 0, automatic: true, maxWaitInHalfOpen: .seconds(5))
        var instants: [VInstant] = []
        var states: [CircuitState] = []
        while let due = breaker.nextTransition, instants.count < 4 {
            let transition = breaker.advance(to: due)
            instants.append(due)
            states.append(transition?.to ?? breaker.state)
        }
        #expect(instants == [at(ms: 60_000), at(ms: 65_000), at(ms: 125_000), at(ms: 130_000)])
        #expect(states == [.halfOpen, .open, .halfOpen, .open])
    }

    // MARK: By hand

    @Test("forced open rejects every call, disabled admits every call and never trips, leaving them starts a fresh window")
    func forcedAndDisabled() throws {
        var breaker = try smallBreaker(windowSize: 2, minimumNumberOfCalls: 2)
        breaker.fail(at: 0)
        #expect(breaker.transition(to: .forcedOpen, at: at(ms: 1)) ==
                VTransition(from: .closed, to: .forcedOpen, instant: at(ms: 1), reason: .manual))
        #expect(breaker.transition(to: .forcedOpen, at: at(ms: 2)) == nil)
        #expect(!breaker.tryAcquirePermission(at: at(ms: 1_000_000)).isPermitted)
        #expect(breaker.advance(to: at(ms: 1_000_000)) == nil)
        #expect(breaker.transition(to: .disabled, at: at(ms: 1_000_001))?.to == .disabled)
        for index in 0..<20 { #expect(breaker.fail(at: 1_000_002 + Double(index)) == nil) }
        #expect(breaker.state == .disabled)
        #expect(breaker.transition(to: .closed, at: at(ms: 1_000_100))?.from == .disabled)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        #expect(breaker.fail(at: 1_000_101) == nil)
        #expect(breaker.fail(at: 1_000_102)?.to == .open)
    }

    @Test("reset returns to closed with an empty window and no rejections counted")
    func reset() throws {
        var breaker = try openedBreaker(at: 0)
        _ = breaker.tryAcquirePermission(at: at(ms: 1))
        #expect(breaker.metrics.numberOfNotPermittedCalls == 1)
        #expect(breaker.reset(at: at(ms: 2)) == VTransition(from: .open, to: .closed, instant: at(ms: 2), reason: .manual))
        #expect(breaker.metrics.numberOfNotPermittedCalls == 0)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        let early = try breaker.acquire(at: 3)
        breaker.fail(at: 4)
        #expect(breaker.reset(at: at(ms: 5)) == nil)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        #expect(breaker.onError(early, duration: .zero, at: at(ms: 6)) == nil)
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
    }

    // MARK: Time window

    @Test("a time window forgets outcomes older than its size")
    func timeWindowForgets() throws {
        // 3 one-second buckets, minimum 2 calls, trips only at 100% failures.
        var late = try smallBreaker(windowSize: 3, minimumNumberOfCalls: 2, failureRateThreshold: 100, type: .timeBased)
        late.fail(at: 0)
        #expect(late.fail(at: 3000) == nil)
        #expect(late.metrics.numberOfBufferedCalls == 1)
        #expect(late.fail(at: 3500)?.to == .open)

        var inTime = try smallBreaker(windowSize: 3, minimumNumberOfCalls: 2, failureRateThreshold: 100, type: .timeBased)
        inTime.fail(at: 0)
        #expect(inTime.fail(at: 2999)?.to == .open)
    }

    @Test("time-window buckets are whole seconds after the first outcome, and advance lets them expire")
    func timeWindowBuckets() throws {
        var breaker = try smallBreaker(windowSize: 3, minimumNumberOfCalls: 5, type: .timeBased)
        breaker.succeed(at: 700)
        breaker.fail(at: 1800)
        breaker.advance(to: at(ms: 3699))
        #expect(breaker.metrics.numberOfBufferedCalls == 2)
        breaker.advance(to: at(ms: 3700))
        #expect(breaker.metrics.numberOfBufferedCalls == 1)
        #expect(breaker.metrics.numberOfFailedCalls == 1)
        breaker.advance(to: at(ms: 4700))
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
        // A long silence clears every bucket at once.
        breaker.fail(at: 5000)
        breaker.advance(to: at(ms: 1_000_000))
        #expect(breaker.metrics.numberOfBufferedCalls == 0)
    }

    @Test("a time window's minimum number of calls is not capped at its size")
    func timeWindowMinimumNotCapped() throws {
        var breaker = try smallBreaker(windowSize: 2, minimumNumberOfCalls: 6, type: .timeBased)
        for index in 0..<5 { #expect(breaker.fail(at: Double(index)) == nil) }
        #expect(breaker.fail(at: 5)?.to == .open)
    }

    // MARK: Real time

    @Test("works on ContinuousClock: opens, rejects, and lets a probe through after the wait")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        var breaker = CircuitBreaker<ContinuousClock.Instant>(try CircuitBreakerConfiguration(
            minimumNumberOfCalls: 2, slidingWindowSize: 2, waitDurationInOpenState: .milliseconds(50),
            permittedNumberOfCallsInHalfOpenState: 1))
        // Opening and the rejection at one instant: on a loaded machine these lines may
        // run further apart than the 50 ms wait.
        let start = clock.now
        for _ in 0..<2 {
            let permission = try #require(breaker.tryAcquirePermission(at: start).permission)
            breaker.onError(permission, duration: .milliseconds(1), at: start)
        }
        #expect(breaker.state == .open)
        #expect(!breaker.tryAcquirePermission(at: start).isPermitted)
        try await clock.sleep(until: start.advanced(by: .milliseconds(60)), tolerance: nil)
        let probe = try #require(breaker.tryAcquirePermission(at: clock.now).permission)
        #expect(breaker.onSuccess(probe, duration: .milliseconds(1), at: clock.now)?.to == .closed)
    }
}
