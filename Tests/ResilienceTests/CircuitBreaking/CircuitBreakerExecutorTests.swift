import Resilience
import SimKernel
import Synchronization
import Testing

/// Collects what an executor reports to its listener.
private final class EventLog<Instant: InstantProtocol>: Sendable {
    private let storage = Mutex<[CircuitEvent<Instant>]>([])

    func append(_ event: CircuitEvent<Instant>) { storage.withLock { $0.append(event) } }

    var events: [CircuitEvent<Instant>] { storage.withLock { $0 } }

    var transitions: [CircuitTransition<Instant>] {
        events.compactMap { if case .transition(let transition) = $0 { transition } else { nil } }
    }

    var rejections: Int {
        events.filter { if case .callNotPermitted = $0 { true } else { false } }.count
    }
}

/// A count-based breaker opening after `window` calls at 50%, waiting `wait`.
private func breaker(window: Int = 2, wait: Duration = .seconds(60), permitted: Int = 1, automatic: Bool = false,
                     maxWaitInHalfOpen: Duration = .zero, slow: Duration = .seconds(60)) throws -> CircuitBreaker<VInstant> {
    CircuitBreaker(try CircuitBreakerConfiguration(
        slowCallDurationThreshold: slow, minimumNumberOfCalls: window, slidingWindowSize: window,
        waitDurationInOpenState: wait, permittedNumberOfCallsInHalfOpenState: permitted,
        automaticTransitionFromOpenToHalfOpenEnabled: automatic, maxWaitDurationInHalfOpenState: maxWaitInHalfOpen))
}

private func failing() async throws -> Int { throw BackendError.unavailable }

/// A simulation-style actor running its calls through an executor, isolated to itself.
private actor Storefront {
    let executor: CircuitBreakerExecutor<CircuitBreaker<VInstant>, VirtualClock>
    let clock: VirtualClock
    var served = 0
    var degraded = 0

    init(clock: VirtualClock) throws {
        self.clock = clock
        executor = CircuitBreakerExecutor(try breaker(), clock: clock)
    }

    func browse(backendUp: Bool) async throws -> [String] {
        try await executor.execute({
            // Runs on this actor: touches its state without hopping.
            served += 1
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(20)), tolerance: nil)
            if !backendUp { throw BackendError.unavailable }
            return ["pizza"]
        }, fallback: { _ in
            degraded += 1
            return []  // The recommendation module degrades to an empty list.
        })
    }
}

@Suite("CircuitBreakerExecutor")
struct CircuitBreakerExecutorTests {
    @Test("an actor can run calls isolated to itself and degrade to an empty list")
    func actorIsolatedCalls() throws {
        try inWorld { clock in
            let store = try Storefront(clock: clock)
            var pages: [[String]] = []
            pages.append(try await store.browse(backendUp: true))
            for _ in 0..<2 { pages.append(try await store.browse(backendUp: false)) }
            pages.append(try await store.browse(backendUp: true))
            #expect(pages == [["pizza"], [], [], []])
            // One success and one failure reach 50%: the breaker opened, and the last two
            // calls never reached the backend.
            let (served, degraded) = (await store.served, await store.degraded)
            #expect(served == 2)
            #expect(degraded == 3)
        }
    }

    @Test("measures each call's duration on the clock, so a slow call counts as slow")
    func measuresDuration() throws {
        try inWorld { clock in
            let executor = CircuitBreakerExecutor(try breaker(window: 10, slow: .seconds(1)), clock: clock)
            let first = try await executor.execute {
                try await clock.sleep(until: clock.now.advanced(by: .seconds(2)), tolerance: nil)
                return 1
            }
            let second = try await executor.execute {
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(500)), tolerance: nil)
                return 2
            }
            #expect(first == 1 && second == 2)
            let metrics = executor.inspect { $0.metrics }
            #expect(metrics.numberOfBufferedCalls == 2)
            #expect(metrics.numberOfSlowCalls == 1)
            #expect(clock.ms == 2500)
        }
    }

    @Test("throws CallNotPermitted, without running the operation, with the time left to wait when open")
    func throwsWhenOpen() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let executor = CircuitBreakerExecutor(try breaker(), clock: clock, listener: log.append)
            for _ in 0..<2 { await #expect(throws: BackendError.unavailable) { try await executor.execute(failing) } }
            try await clock.sleep(until: clock.now.advanced(by: .seconds(10)), tolerance: nil)
            let ran = Mutex(false)
            do {
                _ = try await executor.execute { ran.withLock { $0 = true } }
                Issue.record("the call was permitted")
            } catch let rejection as CallNotPermitted {
                #expect(rejection == CallNotPermitted(state: .open, retryAfter: .seconds(50)))
            }
            #expect(!ran.withLock { $0 })
            #expect(log.transitions.map(\.to) == [.open])
            #expect(log.events.last == .callNotPermitted(state: .open, instant: clock.now))
        }
    }

    @Test("serves the fallback when the call fails or is not permitted, with the cause")
    func fallback() throws {
        try inWorld { clock in
            let executor = CircuitBreakerExecutor(try breaker(), clock: clock)
            var causes: [String] = []
            for _ in 0..<3 {
                let value = try await executor.execute(failing) { cause in
                    switch cause {
                    case .failure(let error):
                        causes.append("failure \(error)")
                        return -1
                    case .notPermitted(let rejection):
                        causes.append("rejected \(rejection.state)")
                        return -2
                    }
                }
                #expect(value < 0)
            }
            #expect(causes == ["failure unavailable", "failure unavailable", "rejected open"])
            #expect(executor.inspect { $0.metrics.numberOfNotPermittedCalls } == 1)
        }
    }

    @Test("ignored errors and errors that are not failures propagate past the fallback; only failures count as failed")
    func classification() throws {
        try inWorld { clock in
            let executor = CircuitBreakerExecutor(try breaker(window: 10), clock: clock,
                                                  countsAsFailure: { ($0 as? BackendError) != .notFound })
            let fallbackRan = Mutex(0)
            let fallback: (FallbackCause) async throws -> Int = { _ in fallbackRan.withLock { $0 += 1 }; return 0 }
            await #expect(throws: BackendError.notFound) {
                try await executor.execute({ throw BackendError.notFound }, fallback: fallback)
            }
            await #expect(throws: CancellationError.self) {
                try await executor.execute({ throw CancellationError() }, fallback: fallback)
            }
            _ = try await executor.execute(failing, fallback: fallback)
            #expect(fallbackRan.withLock { $0 } == 1)
            let metrics = executor.inspect { $0.metrics }
            #expect(metrics.numberOfBufferedCalls == 2)
            #expect(metrics.numberOfFailedCalls == 1)
        }
    }

    @Test("a cancelled half-open probe frees its place for the next call")
    func cancelledProbeFreesPlace() throws {
        try inWorld { clock in
            let executor = CircuitBreakerExecutor(try breaker(permitted: 1), clock: clock)
            for _ in 0..<2 { _ = try? await executor.execute(failing) }
            try await clock.sleep(until: clock.now.advanced(by: .seconds(60)), tolerance: nil)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await executor.execute {
                        try await clock.sleep(until: clock.now.advanced(by: .seconds(3600)), tolerance: nil)
                    }
                }
                try? await clock.sleep(until: clock.now.advanced(by: .seconds(1)), tolerance: nil)
                // The probe is out: everyone else is rejected.
                await #expect(throws: CallNotPermitted.self) { try await executor.execute { 0 } }
                group.cancelAll()
            }
            #expect(executor.state == .halfOpen)
            _ = try await executor.execute { 0 }
            #expect(executor.state == .closed)
        }
    }

    @Test("an inner breaker's rejection releases the outer probe, which goes back to open and probes again (Sentinel #1638)")
    func nestedRejectionReleasesProbe() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let outer = CircuitBreakerExecutor(
                DegradeBreaker<VInstant>(try DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30))),
                clock: clock, listener: log.append)
            let inner = CircuitBreakerExecutor(try breaker(), clock: clock)
            inner.transition(to: .forcedOpen)
            for _ in 0..<5 { _ = try? await outer.execute(failing) }
            try await clock.sleep(until: clock.now.advanced(by: .seconds(30)), tolerance: nil)
            await #expect(throws: CallNotPermitted.self) {
                try await outer.execute { try await inner.execute { 0 } }
            }
            #expect(outer.state == .open)
            _ = try await outer.execute { 0 }
            #expect(log.transitions.map(\.reason) == [.failureRateExceeded(100), .waitElapsed, .probeReleased, .waitElapsed, .probesPassed])
            #expect(log.transitions.last?.to == .closed)
        }
    }

    @Test("the listener receives every transition and rejection, in order, stamped with the clock's instants")
    func listenerOrder() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let executor = CircuitBreakerExecutor(try breaker(wait: .seconds(5)), clock: clock, listener: log.append)
            let start = clock.now
            for _ in 0..<2 { _ = try? await executor.execute(failing) }
            _ = try? await executor.execute { 0 }
            try await clock.sleep(until: start.advanced(by: .seconds(5)), tolerance: nil)
            _ = try await executor.execute { 0 }
            let five = start.advanced(by: .seconds(5))
            #expect(log.events == [
                .transition(VTransition(from: .closed, to: .open, instant: start, reason: .failureRateExceeded(100))),
                .callNotPermitted(state: .open, instant: start),
                .transition(VTransition(from: .open, to: .halfOpen, instant: five, reason: .waitElapsed)),
                .transition(VTransition(from: .halfOpen, to: .closed, instant: five, reason: .probesPassed)),
            ])
        }
    }

    @Test("runTimers performs the automatic open → half-open transition exactly at the end of the open wait")
    func automaticTransitionTimer() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let executor = CircuitBreakerExecutor(try breaker(wait: .seconds(60), automatic: true), clock: clock, listener: log.append)
            let start = clock.now
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await executor.runTimers() }
                try? await clock.sleep(until: start.advanced(by: .seconds(1)), tolerance: nil)
                for _ in 0..<2 { _ = try? await executor.execute(failing) }
                try? await clock.sleep(until: start.advanced(by: .seconds(100)), tolerance: nil)
                #expect(executor.inspect { $0.state } == .halfOpen)
                group.cancelAll()
            }
            #expect(log.transitions == [
                VTransition(from: .closed, to: .open, instant: start.advanced(by: .seconds(1)), reason: .failureRateExceeded(100)),
                VTransition(from: .open, to: .halfOpen, instant: start.advanced(by: .seconds(61)), reason: .waitElapsed),
            ])
        }
    }

    @Test("runTimers reopens a half-open breaker whose probes hang, exactly at the maximum half-open wait")
    func hangingProbesTimer() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let executor = CircuitBreakerExecutor(try breaker(wait: .seconds(60), permitted: 2, maxWaitInHalfOpen: .seconds(10)),
                                                  clock: clock, listener: log.append)
            let start = clock.now
            await withTaskGroup(of: Void.self) { timers in
                timers.addTask { await executor.runTimers() }
                for _ in 0..<2 { _ = try? await executor.execute(failing) }
                try? await clock.sleep(until: start.advanced(by: .seconds(60)), tolerance: nil)
                await withTaskGroup(of: Void.self) { probes in
                    for _ in 0..<2 {
                        probes.addTask {
                            _ = try? await executor.execute {
                                try await clock.sleep(until: clock.now.advanced(by: .seconds(3600)), tolerance: nil)
                            }
                        }
                    }
                    try? await clock.sleep(until: start.advanced(by: .seconds(80)), tolerance: nil)
                    #expect(executor.inspect { $0.state } == .open)
                    probes.cancelAll()
                }
                #expect(executor.inspect { $0.state } == .open)
                timers.cancelAll()
            }
            #expect(log.transitions.map(\.reason) == [.failureRateExceeded(100), .waitElapsed, .halfOpenTimedOut])
            #expect(log.transitions.last?.instant == start.advanced(by: .seconds(70)))
        }
    }

    @Test("the core-path Sentinel rule serves the fallback for exactly its 30 s break, then one probe closes it")
    func gradedRuleThroughExecutor() throws {
        try inWorld { clock in
            let log = EventLog<VInstant>()
            let executor = CircuitBreakerExecutor(
                DegradeBreaker<VInstant>(try DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30))),
                clock: clock, listener: log.append)
            let start = clock.now
            var servedFromCache = 0
            var served = 0
            for index in 0..<400 {
                try await clock.sleep(until: start.advanced(by: .milliseconds(100 * index)), tolerance: nil)
                let value = try await executor.execute({
                    try await clock.sleep(until: clock.now.advanced(by: .milliseconds(10)), tolerance: nil)
                    // The backend fails every third call for the first 5 s, then recovers.
                    if clock.now < start.advanced(by: .seconds(5)) && index % 3 == 0 { throw BackendError.unavailable }
                    return "fresh"
                }, fallback: { cause in
                    if case .notPermitted = cause { servedFromCache += 1 }
                    return "cached"
                })
                if value == "fresh" { served += 1 }
            }
            let transitions = log.transitions
            #expect(transitions.map(\.to) == [.open, .halfOpen, .closed])
            let trip = try #require(transitions.first).instant
            // Calls start every 100 ms: those starting within (trip, trip + 30 s) are rejected.
            #expect(servedFromCache == 300)
            #expect(transitions[1].instant == trip.advanced(by: .seconds(30) + .milliseconds(90)))
            #expect(log.rejections == 300)
            #expect(served > 0)
        }
    }

    @Test("works on ContinuousClock: times calls and fires the automatic transition on real time")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let log = EventLog<ContinuousClock.Instant>()
        let executor = CircuitBreakerExecutor(
            CircuitBreaker<ContinuousClock.Instant>(try CircuitBreakerConfiguration(
                minimumNumberOfCalls: 1, slidingWindowSize: 1, waitDurationInOpenState: .milliseconds(50),
                automaticTransitionFromOpenToHalfOpenEnabled: true)),
            clock: clock, listener: log.append)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await executor.runTimers() }
            _ = try? await executor.execute { throw BackendError.unavailable }
            // Generous: parallel tests may keep every thread busy for a while.
            let deadline = clock.now.advanced(by: realClockPatience)
            while executor.inspect({ $0.state }) != .halfOpen && clock.now < deadline {
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(10)), tolerance: nil)
            }
            group.cancelAll()
        }
        let transitions = log.transitions
        #expect(transitions.map(\.to) == [.open, .halfOpen])
        if transitions.count == 2 {
            #expect(transitions[0].instant.duration(to: transitions[1].instant) >= .milliseconds(50))
        }
    }
}

/// One call of a random executor schedule.
private struct PlannedCall: Sendable {
    enum Outcome: Sendable { case success, failure, notFound, cancelled, innerRejection, hang }
    var delay: Duration
    var latency: Duration
    var outcome: Outcome
}

/// What a random executor schedule left behind.
private struct ScheduleResult<Breaker: Sendable>: Sendable {
    var transitions: [VTransition]
    var rejections: Int
    var breaker: Breaker
}

/// Runs `plans` (one list of calls per concurrent caller) through an executor on
/// `breaker` in a simulated world, with its timers running; hanging calls are cancelled
/// at the end. Returns the listener's record and a copy of the breaker.
private func runSchedule<B: CircuitBreaking>(_ breaker: B, plans: [[PlannedCall]], seed: UInt64) throws -> ScheduleResult<B>
where B.Instant == VInstant {
    try inWorld(seed: seed) { clock in
        let log = EventLog<VInstant>()
        let executor = CircuitBreakerExecutor(breaker, clock: clock, countsAsFailure: { ($0 as? BackendError) != .notFound },
                                              listener: log.append)
        let horizon = clock.now.advanced(by: .seconds(600))
        await withTaskGroup(of: Void.self) { timers in
            timers.addTask { await executor.runTimers() }
            await withTaskGroup(of: Void.self) { callers in
                for plan in plans {
                    callers.addTask {
                        for call in plan {
                            try? await clock.sleep(until: clock.now.advanced(by: call.delay), tolerance: nil)
                            _ = try? await executor.execute {
                                if call.outcome == .hang {
                                    try await clock.sleep(until: horizon.advanced(by: .seconds(3600)), tolerance: nil)
                                }
                                try await clock.sleep(until: clock.now.advanced(by: call.latency), tolerance: nil)
                                switch call.outcome {
                                case .success, .hang: return 0
                                case .failure: throw BackendError.unavailable
                                case .notFound: throw BackendError.notFound
                                case .cancelled: throw CancellationError()
                                case .innerRejection: throw CallNotPermitted(state: .open, retryAfter: nil)
                                }
                            }
                        }
                    }
                }
                try? await clock.sleep(until: horizon, tolerance: nil)
                callers.cancelAll()
            }
            timers.cancelAll()
        }
        return ScheduleResult(transitions: log.transitions, rejections: log.rejections, breaker: executor.inspect { $0 })
    }
}

private func randomPlans(_ random: inout RandomStream) -> [[PlannedCall]] {
    let failureProbability = random.nextUnit()
    return (0..<random.int(in: 1...6)).map { _ in
        (0..<random.int(in: 5...40)).map { _ in
            let roll = random.nextUnit()
            let outcome: PlannedCall.Outcome = switch roll {
            case ..<0.05: .hang
            case ..<0.10: .cancelled
            case ..<0.15: .innerRejection
            case ..<0.20: .notFound
            default: random.chance(failureProbability) ? .failure : .success
            }
            return PlannedCall(delay: random.milliseconds(in: 0...3000), latency: random.milliseconds(in: 0...400), outcome: outcome)
        }
    }
}

private func requireLegalChain(_ transitions: [VTransition]) throws {
    for transition in transitions {
        try require(isLegalAutomatic(transition), "illegal transition \(transition)")
    }
    for (previous, next) in zip(transitions, transitions.dropFirst()) {
        try require(previous.to == next.from && previous.instant <= next.instant, "broken chain \(previous) then \(next)")
    }
}

@Suite("CircuitBreakerExecutor properties (seeded random schedules in a simulated world)")
struct CircuitBreakerExecutorPropertyTests {
    @Test("concurrent callers with hangs, cancellations and nested rejections leave no half-open place leaked (Resilience4j breaker)")
    func noLeakedProbePlaces() throws {
        var halfOpenEnds = 0
        try forEachSchedule("executor no leaked places", count: 500) { random in
            let configuration = try CircuitBreakerConfiguration(
                failureRateThreshold: Double(random.int(in: 20...80)),
                slowCallDurationThreshold: .milliseconds(300),
                minimumNumberOfCalls: random.int(in: 1...6), slidingWindowSize: random.int(in: 1...8),
                waitDurationInOpenState: random.milliseconds(in: 100...5000),
                permittedNumberOfCallsInHalfOpenState: random.int(in: 1...4),
                automaticTransitionFromOpenToHalfOpenEnabled: random.chance(0.5),
                maxWaitDurationInHalfOpenState: random.chance(0.5) ? random.milliseconds(in: 100...5000) : .zero)
            let plans = randomPlans(&random)
            let result = try runSchedule(CircuitBreaker<VInstant>(configuration), plans: plans, seed: random.next())
            try requireLegalChain(result.transitions)
            try require(result.transitions.last?.to ?? .closed == result.breaker.state, "listener and breaker disagree")
            // Every permission came back: a half-open breaker has a place for each probe not yet recorded.
            var copy = result.breaker
            if copy.state == .halfOpen {
                halfOpenEnds += 1
                let now = copy.lastTransitionAt!
                var admitted = 0
                while copy.tryAcquirePermission(at: now).isPermitted { admitted += 1 }
                let expected = configuration.permittedNumberOfCallsInHalfOpenState - result.breaker.metrics.numberOfBufferedCalls
                try require(admitted == expected, "half-open admits \(admitted), expected \(expected): a place leaked")
            }
        }
        #expect(halfOpenEnds > 0)
    }

    @Test("concurrent callers with hangs, cancellations and nested rejections never leave a Sentinel breaker stuck half-open")
    func noLeakedProbeSentinel() throws {
        var probed = 0
        try forEachSchedule("executor sentinel no leaked probe", count: 500) { random in
            let rule = try DegradeRule(strategy: random.chance(0.5) ? .errorRatio(random.nextUnit()) : .errorCount(random.int(in: 0...5)),
                                   timeWindow: random.milliseconds(in: 100...5000), minRequestAmount: random.int(in: 1...6),
                                   probeTimeout: random.chance(0.5) ? .zero : nil)
            let result = try runSchedule(DegradeBreaker<VInstant>(rule), plans: randomPlans(&random), seed: random.next())
            try requireLegalChain(result.transitions)
            // Every call has ended, so the probe was reported or released: a Sentinel
            // breaker is half-open only while its probe is out.
            try require(result.breaker.state != .halfOpen, "the probe leaked: still half-open after every call ended")
            if result.transitions.contains(where: { $0.to == .halfOpen }) { probed += 1 }
        }
        #expect(probed > 0)
    }
}
