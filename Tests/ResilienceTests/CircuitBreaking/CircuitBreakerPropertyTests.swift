import Resilience
import SimKernel
import Testing

/// Drives a ``CircuitBreaker`` through a random schedule (calls admitted, finishing,
/// failing, slow, hanging, released, ignored; time passing, sometimes straight to a due
/// instant; optionally manual transitions) and checks every answer against an
/// independent model of Resilience4j's semantics: the window recomputed from the list
/// of recorded outcomes, the half-open round's places, the timers.
private struct BreakerHarness: BreakerScheduleHarness {
    struct Coverage {
        var opened = 0
        var roundsDecided = 0
        var halfOpenTimeouts = 0
        var probesRejected = 0
        var timeBucketsExpired = 0
    }

    let configuration: CircuitBreakerConfiguration
    let allowManual: Bool
    let hangProbability: Double
    var failureProbability: Double
    var breaker: CircuitBreaker<VInstant>
    var nowNanoseconds: Int64 = 0
    var coverage = Coverage()

    // The model.
    var state: CircuitState = .closed
    var epoch = 0
    var enteredAt: Int64 = 0
    var held: [HeldPermission] = []
    var window: [RecordedOutcome] = []
    /// Outcomes recorded since the breaker last closed.
    var closedCalls = 0
    var timeOrigin: Int64?
    var timeHead: Int64 = 0
    var roundTaken = 0
    var round: [RecordedOutcome] = []
    var notPermitted = 0
    var transitions: [VTransition] = []

    var now: VInstant { VInstant(nanoseconds: nowNanoseconds) }
    var wait: Int64 { configuration.waitDurationInOpenState.nanoseconds }
    var maxWait: Int64 { configuration.maxWaitDurationInHalfOpenState.nanoseconds }
    var slowThreshold: Duration { configuration.slowCallDurationThreshold }
    /// Resilience4j caps a count window's minimum at the window's size (computed here
    /// independently of the library).
    var minimumCalls: Int {
        configuration.slidingWindowType == .countBased
            ? min(configuration.minimumNumberOfCalls, configuration.slidingWindowSize)
            : configuration.minimumNumberOfCalls
    }

    init(_ configuration: CircuitBreakerConfiguration, allowManual: Bool, hangProbability: Double, failureProbability: Double) {
        self.configuration = configuration
        self.allowManual = allowManual
        self.hangProbability = hangProbability
        self.failureProbability = failureProbability
        breaker = CircuitBreaker(configuration)
    }

    /// A random configuration: small windows and waits so that schedules of a few hundred
    /// steps go through many rounds.
    static func randomConfiguration(
        _ random: inout RandomStream,
        type: CircuitBreakerConfiguration.SlidingWindowType? = nil,
        maxWait: Bool? = nil
    ) -> CircuitBreakerConfiguration {
        let type = type ?? (random.chance(0.5) ? .countBased : .timeBased)
        let thresholds: [Double] = [10, 20, 25, 100.0 / 3, 50, 200.0 / 3, 75, 100]
        func threshold(_ random: inout RandomStream) -> Double {
            random.chance(0.6) ? thresholds[random.int(in: 0...thresholds.count - 1)] : Double(random.int(in: 1...100))
        }
        let withMaxWait = maxWait ?? random.chance(0.5)
        // `try!`: every value drawn lies in its valid range.
        return try! CircuitBreakerConfiguration(
            failureRateThreshold: threshold(&random),
            slowCallRateThreshold: threshold(&random),
            slowCallDurationThreshold: .milliseconds(100),
            minimumNumberOfCalls: random.int(in: 1...25),
            slidingWindowType: type,
            slidingWindowSize: type == .countBased ? random.int(in: 1...20) : random.int(in: 1...5),
            waitDurationInOpenState: random.milliseconds(in: 1...5000),
            permittedNumberOfCallsInHalfOpenState: random.int(in: 1...5),
            automaticTransitionFromOpenToHalfOpenEnabled: random.chance(0.5),
            maxWaitDurationInHalfOpenState: withMaxWait ? random.milliseconds(in: 1...5000) : .zero)
    }

    // MARK: Steps

    static let mix = BreakerStepMix(acquire: 0.40, complete: 0.75, ignored: 0.80, release: 0.85, advance: 0.97)

    mutating func passTime(_ random: inout RandomStream) {
        let targets = [breaker.nextTransition, breaker.openUntil, breaker.halfOpenDeadline].compactMap { $0 }
            .filter { $0.nanoseconds > nowNanoseconds }
        if let target = targets.first, random.chance(0.15) {
            // Exactly at a due instant, or just before it.
            nowNanoseconds = target.nanoseconds - (random.chance(0.3) ? 1 : 0)
        } else if random.chance(0.05) {
            nowNanoseconds += Int64(random.int(in: 0...Int(2 * wait / 1_000_000))) * 1_000_000
        } else {
            nowNanoseconds += Int64(random.int(in: 0...300)) * 1_000_000
        }
    }

    /// The timed transition the model expects before any operation at `now`.
    func dueTimer() -> (CircuitState, CircuitState, VTransition.Reason)? {
        switch state {
        case .open where configuration.automaticTransitionFromOpenToHalfOpenEnabled && nowNanoseconds >= enteredAt + wait:
            return (.open, .halfOpen, .waitElapsed)
        case .halfOpen where maxWait > 0 && nowNanoseconds >= enteredAt + maxWait:
            return (.halfOpen, .open, .halfOpenTimedOut)
        default:
            return nil
        }
    }

    mutating func expect(_ actual: VTransition?, _ expected: (CircuitState, CircuitState, VTransition.Reason)?, _ context: String) throws {
        guard let expected else {
            try require(actual == nil, "\(context): unexpected transition \(String(describing: actual)) in \(state) at \(now)")
            return
        }
        guard let actual else { throw PropertyViolation("\(context): expected \(expected) at \(now), got none") }
        try require(actual.from == expected.0 && actual.to == expected.1 && actual.reason == expected.2,
                    "\(context): expected \(expected), got \(actual) at \(now)")
        try apply(actual)
    }

    mutating func apply(_ transition: VTransition) throws {
        try require(transition.from == state, "transition \(transition) but the model is \(state)")
        try require(transition.from != transition.to, "transition to the same state: \(transition)")
        try require(transition.instant == now, "transition \(transition) stamped \(transition.instant), now \(now)")
        if transition.reason == .manual {
            try require(allowManual, "manual transition without a manual operation: \(transition)")
        } else {
            try require(isLegalAutomatic(transition), "illegal transition \(transition)")
        }
        if transition.from == .closed && transition.to == .open && transition.reason != .manual {
            let minimum = minimumCalls
            try require(closedCalls >= minimum, "opened after \(closedCalls) calls, minimum \(minimum)")
            try require(windowCounts().calls >= minimum, "opened with \(windowCounts().calls) calls in the window, minimum \(minimum)")
            coverage.opened += 1
        }
        if transition.from == .halfOpen && transition.reason != .halfOpenTimedOut && transition.reason != .manual {
            try require(round.count == configuration.permittedNumberOfCallsInHalfOpenState,
                        "half-open decided after \(round.count) of \(configuration.permittedNumberOfCallsInHalfOpenState) probes")
            coverage.roundsDecided += 1
        }
        if transition.reason == .halfOpenTimedOut {
            try require(maxWait > 0 && nowNanoseconds >= enteredAt + maxWait, "half-open timed out early")
            coverage.halfOpenTimeouts += 1
        }
        transitions.append(transition)
        state = transition.to
        epoch += 1
        enteredAt = nowNanoseconds
        switch transition.to {
        case .closed:
            window = []
            closedCalls = 0
        case .halfOpen:
            roundTaken = 0
            round = []
        case .open, .forcedOpen, .disabled: break
        }
    }

    mutating func acquire(hangs: Bool) throws {
        var expected = dueTimer()
        if expected == nil, state == .open, nowNanoseconds >= enteredAt + wait {
            expected = (.open, .halfOpen, .waitElapsed)
        }
        let admission = breaker.tryAcquirePermission(at: now)
        try expect(admission.transition, expected, "acquire")
        let permitted = configuration.permittedNumberOfCallsInHalfOpenState
        let expectPermit: Bool = switch state {
        case .closed, .disabled: true
        case .halfOpen: roundTaken < permitted
        case .open, .forcedOpen: false
        }
        try require(admission.isPermitted == expectPermit,
                    "acquire in \(state) at \(now): permitted \(admission.isPermitted), expected \(expectPermit) (round \(roundTaken)/\(permitted))")
        guard let permission = admission.permission else {
            notPermitted += 1
            if state == .halfOpen { coverage.probesRejected += 1 }
            return
        }
        try require(permission.isProbe == (state == .halfOpen), "isProbe \(permission.isProbe) in \(state)")
        if state == .halfOpen {
            roundTaken += 1
            try require(roundTaken <= permitted, "more probes out than permitted")
        }
        held.append(HeldPermission(permission: permission, epoch: epoch, hangs: hangs))
    }

    mutating func complete(_ random: inout RandomStream, ignored: Bool) throws {
        guard let call = held.removeReporting(&random) else { return try advance() }
        let failed = random.chance(failureProbability)
        let duration: Duration = switch random.int(in: 0...9) {
        case 0: slowThreshold
        case 1: slowThreshold + .nanoseconds(1)
        case 2, 3: slowThreshold + random.milliseconds(in: 1...2000)
        default: random.milliseconds(in: 0...99)
        }
        let timer = dueTimer()
        let result: VTransition?
        if ignored {
            result = breaker.onIgnoredError(call.permission, duration: duration, at: now)
        } else if failed {
            result = breaker.onError(call.permission, duration: duration, at: now)
        } else {
            result = breaker.onSuccess(call.permission, duration: duration, at: now)
        }
        if let timer { return try expect(result, timer, "record after a due timer") }
        guard call.epoch == epoch else { return try expect(result, nil, "stale record") }
        if ignored { return try releaseModel(call, result) }
        let recorded = RecordedOutcome(nanoseconds: nowNanoseconds, failed: failed, slow: duration > slowThreshold)
        switch state {
        case .closed:
            window.append(recorded)
            closedCalls += 1
            if configuration.slidingWindowType == .timeBased {
                if timeOrigin == nil { timeOrigin = nowNanoseconds }
                timeHead = max(timeHead, bucket(nowNanoseconds))
            }
            trimWindow()
            let counts = windowCounts()
            try expect(result, tripReason(counts, minimum: minimumCalls).map { (.closed, .open, $0) }, "record while closed")
        case .halfOpen:
            try require(call.permission.isProbe, "a current permission in half-open that is not a probe")
            round.append(recorded)
            let permitted = configuration.permittedNumberOfCallsInHalfOpenState
            if round.count < permitted { return try expect(result, nil, "probe \(round.count) of \(permitted)") }
            let counts = (calls: round.count, failures: round.filter(\.failed).count, slow: round.filter(\.slow).count)
            if let reason = tripReason(counts, minimum: permitted) {
                try expect(result, (.halfOpen, .open, reason), "last probe")
            } else {
                try expect(result, (.halfOpen, .closed, .probesPassed), "last probe")
            }
        case .open, .forcedOpen, .disabled:
            try expect(result, nil, "record in \(state)")
        }
    }

    mutating func release(_ random: inout RandomStream) throws {
        // Any held permission may be released, hanging or not: its call was never made.
        guard !held.isEmpty else { return try advance() }
        let call = held.remove(at: random.int(in: 0...held.count - 1))
        let timer = dueTimer()
        let result = breaker.releasePermission(call.permission, at: now)
        if let timer { return try expect(result, timer, "release after a due timer") }
        guard call.epoch == epoch else { return try expect(result, nil, "stale release") }
        try releaseModel(call, result)
    }

    mutating func releaseModel(_ call: HeldPermission, _ result: VTransition?) throws {
        try expect(result, nil, "release")
        if state == .halfOpen && call.permission.isProbe { roundTaken -= 1 }
    }

    mutating func advance() throws {
        let timer = dueTimer()
        let result = breaker.advance(to: now)
        try expect(result, timer, "advance")
        if configuration.slidingWindowType == .timeBased, timeOrigin != nil {
            let before = windowCounts().calls
            timeHead = max(timeHead, bucket(nowNanoseconds))
            if windowCounts().calls < before { coverage.timeBucketsExpired += 1 }
            trimWindow()
        }
    }

    mutating func manual(_ random: inout RandomStream) throws {
        let targets: [CircuitState] = [.closed, .open, .halfOpen, .forcedOpen, .disabled]
        if random.chance(0.2) {
            let result = breaker.reset(at: now)
            try expect(result, state == .closed ? nil : (state, .closed, .manual), "reset")
            epoch += 1
            window = []
            closedCalls = 0
            notPermitted = 0
            return
        }
        let target = targets[random.int(in: 0...targets.count - 1)]
        let result = breaker.transition(to: target, at: now)
        try expect(result, target == state ? nil : (state, target, .manual), "manual transition to \(target)")
    }

    // MARK: Model

    func bucket(_ nanoseconds: Int64) -> Int64 { (nanoseconds - (timeOrigin ?? 0)) / 1_000_000_000 }

    /// Drops outcomes that can never be in the window again (keeps the model fast; the
    /// window itself is still computed by `windowCounts`).
    mutating func trimWindow() {
        switch configuration.slidingWindowType {
        case .countBased:
            if window.count > 2 * configuration.slidingWindowSize { window.removeFirst(window.count - configuration.slidingWindowSize) }
        case .timeBased:
            let oldest = timeHead - Int64(configuration.slidingWindowSize)
            let start = timeOrigin ?? 0
            window.removeAll { ($0.nanoseconds - start) / 1_000_000_000 <= oldest }
        }
    }

    func windowCounts() -> (calls: Int, failures: Int, slow: Int) {
        let kept: ArraySlice<RecordedOutcome> = switch configuration.slidingWindowType {
        case .countBased: window.suffix(configuration.slidingWindowSize)
        case .timeBased: window.filter { bucket($0.nanoseconds) > timeHead - Int64(configuration.slidingWindowSize) }[...]
        }
        return (kept.count, kept.filter(\.failed).count, kept.filter(\.slow).count)
    }

    func tripReason(_ counts: (calls: Int, failures: Int, slow: Int), minimum: Int) -> VTransition.Reason? {
        guard counts.calls > 0, counts.calls >= minimum else { return nil }
        let failureRate = Double(counts.failures) * 100 / Double(counts.calls)
        if failureRate >= configuration.failureRateThreshold { return .failureRateExceeded(failureRate) }
        let slowRate = Double(counts.slow) * 100 / Double(counts.calls)
        if slowRate >= configuration.slowCallRateThreshold { return .slowCallRateExceeded(slowRate) }
        return nil
    }

    func checkInvariants(afterManual: Bool) throws {
        try require(breaker.state == state, "breaker is \(breaker.state), model \(state)")
        let metrics = breaker.metrics
        try require(metrics.numberOfNotPermittedCalls == notPermitted,
                    "not permitted \(metrics.numberOfNotPermittedCalls), model \(notPermitted)")
        switch state {
        case .closed:
            let counts = windowCounts()
            try require(metrics.numberOfBufferedCalls == counts.calls && metrics.numberOfFailedCalls == counts.failures
                        && metrics.numberOfSlowCalls == counts.slow,
                        "window \(metrics) but the last outcomes give \(counts)")
            let minimum = minimumCalls
            let expectedRate: Double? = counts.calls == 0 || counts.calls < minimum ? nil : Double(counts.failures) * 100 / Double(counts.calls)
            try require(metrics.failureRate == expectedRate,
                        "failure rate \(String(describing: metrics.failureRate)), recomputed \(String(describing: expectedRate))")
        case .halfOpen:
            try require(metrics.numberOfBufferedCalls == round.count, "half-open metrics \(metrics.numberOfBufferedCalls), probes recorded \(round.count)")
            try require(roundTaken >= round.count && roundTaken <= configuration.permittedNumberOfCallsInHalfOpenState,
                        "round taken \(roundTaken), recorded \(round.count)")
            if !afterManual && maxWait > 0 {
                try require(nowNanoseconds < enteredAt + maxWait, "still half-open at \(now), past the deadline")
            }
        case .open, .forcedOpen, .disabled:
            break
        }
    }
}

@Suite("CircuitBreaker properties (seeded random schedules)")
struct CircuitBreakerPropertyTests {
    static let schedules = 500
    static let steps = 300

    private static func harness(
        _ random: inout RandomStream,
        type: CircuitBreakerConfiguration.SlidingWindowType? = nil,
        maxWait: Bool? = nil,
        allowManual: Bool = false,
        hangProbability: Double? = nil
    ) -> BreakerHarness {
        let configuration = BreakerHarness.randomConfiguration(&random, type: type, maxWait: maxWait)
        let hang = hangProbability ?? (random.chance(0.5) ? 0 : random.nextUnit() * 0.3)
        return BreakerHarness(configuration, allowManual: allowManual, hangProbability: hang, failureProbability: random.nextUnit())
    }

    @Test("the breaker makes only legal transitions (closed→open, open→half-open, half-open→closed/open, manual ones to and from forced states)")
    func legalTransitions() throws {
        var total = BreakerHarness.Coverage()
        var manualTransitions = 0
        try forEachSchedule("breaker legal transitions", count: Self.schedules) { random in
            var harness = Self.harness(&random, allowManual: true)
            try harness.run(steps: Self.steps, &random)
            total.opened += harness.coverage.opened
            total.roundsDecided += harness.coverage.roundsDecided
            manualTransitions += harness.transitions.filter { $0.reason == .manual }.count
            // The recorded history is a chain.
            for (previous, next) in zip(harness.transitions, harness.transitions.dropFirst()) {
                try require(previous.to == next.from && previous.instant <= next.instant, "broken chain \(previous) then \(next)")
            }
        }
        #expect(total.opened > Self.schedules)
        #expect(total.roundsDecided > Self.schedules)
        #expect(manualTransitions > Self.schedules)
    }

    @Test("half-open admits exactly permittedNumberOfCallsInHalfOpenState calls until it decides")
    func halfOpenAdmitsExactly() throws {
        var total = BreakerHarness.Coverage()
        try forEachSchedule("breaker half-open admits exactly", count: Self.schedules) { random in
            var harness = Self.harness(&random, type: .countBased, hangProbability: random.nextUnit() * 0.2)
            harness.failureProbability = 0.5 + random.nextUnit() / 2
            try harness.run(steps: Self.steps, &random)
            total.roundsDecided += harness.coverage.roundsDecided
            total.probesRejected += harness.coverage.probesRejected
        }
        #expect(total.roundsDecided > Self.schedules)
        #expect(total.probesRejected > Self.schedules)
    }

    @Test("with a count window the reported failure rate equals the rate recomputed from the last N recorded outcomes")
    func countWindowRate() throws {
        var opened = 0
        try forEachSchedule("breaker count window rate", count: Self.schedules) { random in
            var harness = Self.harness(&random, type: .countBased)
            try harness.run(steps: Self.steps, &random)
            opened += harness.coverage.opened
        }
        #expect(opened > Self.schedules)
    }

    @Test("the breaker never opens before minimumNumberOfCalls")
    func neverBeforeMinimum() throws {
        var opened = 0
        try forEachSchedule("breaker minimum calls", count: Self.schedules) { random in
            var harness = Self.harness(&random)
            // Mostly failures, so the minimum is what holds the breaker closed.
            harness.failureProbability = 0.8 + random.nextUnit() / 5
            try harness.run(steps: Self.steps, &random)
            opened += harness.coverage.opened
        }
        #expect(opened > Self.schedules)
    }

    @Test("a time window forgets outcomes older than its size")
    func timeWindowForgets() throws {
        var expired = 0
        try forEachSchedule("breaker time window", count: Self.schedules) { random in
            var harness = Self.harness(&random, type: .timeBased)
            try harness.run(steps: Self.steps, &random)
            expired += harness.coverage.timeBucketsExpired
        }
        #expect(expired > Self.schedules)
    }

    @Test("with a maximum half-open wait the breaker always leaves half-open when probes hang")
    func halfOpenMaxWaitLeaves() throws {
        var timeouts = 0
        try forEachSchedule("breaker half-open max wait", count: Self.schedules) { random in
            var harness = Self.harness(&random, maxWait: true, hangProbability: 0.5 + random.nextUnit() / 2)
            harness.failureProbability = 0.5 + random.nextUnit() / 2
            try harness.run(steps: Self.steps, &random)
            // However the schedule ended, telling the breaker a late enough time leaves half-open.
            if harness.state == .halfOpen {
                harness.nowNanoseconds = harness.enteredAt + harness.maxWait
                try harness.advance()
                try require(harness.breaker.state == .open, "still \(harness.breaker.state) after the half-open deadline")
            }
            timeouts += harness.coverage.halfOpenTimeouts
        }
        #expect(timeouts > Self.schedules)
    }
}
