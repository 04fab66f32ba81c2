import Resilience
import SimKernel
import Testing

/// Drives a ``DegradeBreaker`` through a random schedule and checks every answer against
/// an independent model of Sentinel's degrade semantics (statistic buckets recomputed from
/// the list of recorded calls, strict comparisons, the single probe, the probe timeout).
private struct DegradeHarness: BreakerScheduleHarness {
    let rule: DegradeRule
    let allowManual: Bool
    let hangProbability: Double
    var failureProbability: Double
    var breaker: DegradeBreaker<VInstant>
    var nowNanoseconds: Int64 = 0

    var state: CircuitState = .closed
    var epoch = 0
    var retryAt: Int64 = 0
    var probeAdmittedAt: Int64?
    var held: [HeldPermission] = []
    var statistics: [RecordedOutcome] = []
    var origin: Int64?
    var head: Int64 = 0
    var notPermitted = 0
    var transitions: [VTransition] = []
    var opened = 0
    var probesDecided = 0
    var probeTimeouts = 0
    var probesRejected = 0

    var now: VInstant { VInstant(nanoseconds: nowNanoseconds) }
    var maxResponseTime: Duration {
        if case .slowCallRatio(let maxResponseTime, _) = rule.strategy { return maxResponseTime }
        return .milliseconds(100)
    }
    var probeTimeout: Int64? {
        let timeout = rule.probeTimeout ?? rule.timeWindow
        return timeout > .zero ? timeout.nanoseconds : nil
    }
    var bucketLength: Int64 { rule.statInterval.nanoseconds / Int64(rule.sampleCount) }

    init(_ rule: DegradeRule, allowManual: Bool, hangProbability: Double, failureProbability: Double) {
        self.rule = rule
        self.allowManual = allowManual
        self.hangProbability = hangProbability
        self.failureProbability = failureProbability
        breaker = DegradeBreaker(rule)
    }

    static func randomRule(_ random: inout RandomStream, probeTimeout: Bool? = nil) -> DegradeRule {
        let ratios: [Double] = [0, 0.2, 0.5, 1]
        func ratio(_ random: inout RandomStream) -> Double {
            random.chance(0.6) ? ratios[random.int(in: 0...3)] : random.nextUnit()
        }
        let strategy: DegradeRule.Strategy = switch random.int(in: 0...2) {
        case 0: .slowCallRatio(maxResponseTime: .milliseconds(100), threshold: ratio(&random))
        case 1: .errorRatio(ratio(&random))
        default: .errorCount(random.int(in: 0...10))
        }
        let intervals: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(60)]
        let timeout: Duration? = switch probeTimeout {
        case true?: random.milliseconds(in: 1...5000)
        case false?: .zero
        case nil: [nil, .zero, random.milliseconds(in: 1...5000)][random.int(in: 0...2)]
        }
        // `try!`: every value drawn lies in its valid range.
        return try! DegradeRule(
            strategy: strategy,
            timeWindow: random.milliseconds(in: 1...5000),
            minRequestAmount: random.int(in: 1...8),
            statInterval: intervals[random.int(in: 0...intervals.count - 1)],
            sampleCount: [1, 1, 2, 4, 5][random.int(in: 0...4)],
            probeTimeout: timeout)
    }

    static let mix = BreakerStepMix(acquire: 0.45, complete: 0.80, ignored: 0.84, release: 0.88, advance: 0.97)

    mutating func passTime(_ random: inout RandomStream) {
        let targets = [breaker.nextTransition, breaker.openUntil].compactMap { $0 }.filter { $0.nanoseconds > nowNanoseconds }
        if let target = targets.first, random.chance(0.15) {
            nowNanoseconds = target.nanoseconds - (random.chance(0.3) ? 1 : 0)
        } else if random.chance(0.05) {
            nowNanoseconds += Int64(random.int(in: 0...10_000)) * 1_000_000
        } else {
            nowNanoseconds += Int64(random.int(in: 0...150)) * 1_000_000
        }
    }

    func dueTimer() -> (CircuitState, CircuitState, VTransition.Reason)? {
        guard state == .halfOpen, let admitted = probeAdmittedAt, let timeout = probeTimeout,
              nowNanoseconds >= admitted + timeout else { return nil }
        return (.halfOpen, .open, .halfOpenTimedOut)
    }

    mutating func expect(_ actual: VTransition?, _ expected: (CircuitState, CircuitState, VTransition.Reason)?, _ context: String) throws {
        guard let expected else {
            try require(actual == nil, "\(context): unexpected \(String(describing: actual)) in \(state) at \(now)")
            return
        }
        guard let actual else { throw PropertyViolation("\(context): expected \(expected) at \(now), got none") }
        try require(actual.from == expected.0 && actual.to == expected.1 && actual.reason == expected.2,
                    "\(context): expected \(expected), got \(actual) at \(now)")
        try require(actual.instant == now, "\(context): stamped \(actual.instant), now \(now)")
        try require(actual.reason == .manual ? allowManual : isLegalAutomatic(actual), "illegal transition \(actual)")
        try require(actual.from == state && actual.from != actual.to, "transition \(actual) from model state \(state)")
        if actual.from == .halfOpen && (actual.reason == .probesPassed || actual.reason == .probeFailed) { probesDecided += 1 }
        if actual.reason == .halfOpenTimedOut { probeTimeouts += 1 }
        if actual.from == .closed && actual.to == .open && actual.reason != .manual {
            try require(windowCounts().calls >= rule.minRequestAmount, "tripped below minRequestAmount")
            opened += 1
        }
        transitions.append(actual)
        state = actual.to
        epoch += 1
        probeAdmittedAt = nil
        switch actual.to {
        case .closed: statistics = []
        case .open: retryAt = actual.reason == .probeReleased ? nowNanoseconds : nowNanoseconds + rule.timeWindow.nanoseconds
        case .halfOpen, .forcedOpen, .disabled: break
        }
    }

    mutating func acquire(hangs: Bool) throws {
        var expected = dueTimer()
        if expected == nil, state == .open, nowNanoseconds >= retryAt { expected = (.open, .halfOpen, .waitElapsed) }
        let admission = breaker.tryAcquirePermission(at: now)
        try expect(admission.transition, expected, "acquire")
        let expectPermit: Bool = switch state {
        case .closed, .disabled: true
        case .halfOpen: probeAdmittedAt == nil
        case .open, .forcedOpen: false
        }
        try require(admission.isPermitted == expectPermit, "acquire in \(state) at \(now): permitted \(admission.isPermitted)")
        guard let permission = admission.permission else {
            notPermitted += 1
            if state == .halfOpen { probesRejected += 1 }
            return
        }
        try require(permission.isProbe == (state == .halfOpen), "isProbe \(permission.isProbe) in \(state)")
        if state == .halfOpen { probeAdmittedAt = nowNanoseconds }
        held.append(HeldPermission(permission: permission, epoch: epoch, hangs: hangs))
    }

    mutating func complete(_ random: inout RandomStream, ignored: Bool) throws {
        guard let call = held.removeReporting(&random) else { return try advance() }
        let failed = !ignored && random.chance(failureProbability)
        let duration: Duration = switch random.int(in: 0...7) {
        case 0: maxResponseTime
        case 1: maxResponseTime + .nanoseconds(1)
        case 2, 3: maxResponseTime + random.milliseconds(in: 1...2000)
        default: random.milliseconds(in: 0...99)
        }
        let timer = dueTimer()
        let result: VTransition? = if ignored {
            breaker.onIgnoredError(call.permission, duration: duration, at: now)
        } else if failed {
            breaker.onError(call.permission, duration: duration, at: now)
        } else {
            breaker.onSuccess(call.permission, duration: duration, at: now)
        }
        if let timer { return try expect(result, timer, "record after the probe timeout") }
        guard call.epoch == epoch else { return try expect(result, nil, "stale record") }
        let isSlowStrategy = if case .slowCallRatio = rule.strategy { true } else { false }
        let slow = isSlowStrategy && duration > maxResponseTime
        switch state {
        case .closed:
            statistics.append(RecordedOutcome(nanoseconds: nowNanoseconds, failed: failed, slow: slow))
            if origin == nil { origin = nowNanoseconds }
            head = max(head, bucket(nowNanoseconds))
            let oldest = head - Int64(rule.sampleCount)
            let (start, length) = (origin ?? 0, bucketLength)
            statistics.removeAll { ($0.nanoseconds - start) / length <= oldest }
            try expect(result, tripReason().map { (.closed, .open, $0) }, "record while closed")
        case .halfOpen:
            let probeFailed = isSlowStrategy ? slow : failed
            try expect(result, probeFailed ? (.halfOpen, .open, .probeFailed) : (.halfOpen, .closed, .probesPassed), "probe")
        case .open, .forcedOpen, .disabled:
            try expect(result, nil, "record in \(state)")
        }
    }

    mutating func release(_ random: inout RandomStream) throws {
        guard !held.isEmpty else { return try advance() }
        let call = held.remove(at: random.int(in: 0...held.count - 1))
        let timer = dueTimer()
        let result = breaker.releasePermission(call.permission, at: now)
        if let timer { return try expect(result, timer, "release after the probe timeout") }
        let isCurrentProbe = call.epoch == epoch && state == .halfOpen && call.permission.isProbe
        try expect(result, isCurrentProbe ? (.halfOpen, .open, .probeReleased) : nil, "release")
    }

    mutating func advance() throws {
        let timer = dueTimer()
        try expect(breaker.advance(to: now), timer, "advance")
    }

    mutating func manual(_ random: inout RandomStream) throws {
        let targets: [CircuitState] = [.closed, .open, .halfOpen, .forcedOpen, .disabled]
        let target = targets[random.int(in: 0...4)]
        let result = breaker.transition(to: target, at: now)
        try expect(result, target == state ? nil : (state, target, .manual), "manual transition to \(target)")
    }

    func bucket(_ nanoseconds: Int64) -> Int64 { (nanoseconds - (origin ?? 0)) / bucketLength }

    func windowCounts() -> (calls: Int, failures: Int, slow: Int) {
        let kept = statistics.filter { bucket($0.nanoseconds) > head - Int64(rule.sampleCount) }
        return (kept.count, kept.filter(\.failed).count, kept.filter(\.slow).count)
    }

    func tripReason() -> VTransition.Reason? {
        let counts = windowCounts()
        guard counts.calls >= rule.minRequestAmount else { return nil }
        switch rule.strategy {
        case .slowCallRatio(_, let threshold):
            let ratio = Double(counts.slow) / Double(counts.calls)
            return ratio > threshold || (ratio == 1 && threshold == 1) ? .slowCallRateExceeded(ratio * 100) : nil
        case .errorRatio(let threshold):
            let ratio = Double(counts.failures) / Double(counts.calls)
            return ratio > threshold ? .failureRateExceeded(ratio * 100) : nil
        case .errorCount(let threshold):
            return counts.failures > threshold ? .errorCountExceeded(counts.failures) : nil
        }
    }

    func checkInvariants(afterManual: Bool) throws {
        try require(breaker.state == state, "breaker \(breaker.state), model \(state)")
        let metrics = breaker.metrics
        try require(metrics.numberOfNotPermittedCalls == notPermitted, "not permitted \(metrics.numberOfNotPermittedCalls), model \(notPermitted)")
        if state == .closed {
            let counts = windowCounts()
            try require(metrics.requests == counts.calls && metrics.errors == counts.failures && metrics.slowRequests == counts.slow,
                        "statistics \(metrics), recomputed \(counts)")
        }
        if state == .halfOpen, !afterManual, let admitted = probeAdmittedAt, let timeout = probeTimeout {
            try require(nowNanoseconds < admitted + timeout, "still half-open at \(now) past the probe timeout")
        }
    }
}

@Suite("DegradeBreaker properties (seeded random schedules)")
struct DegradeBreakerPropertyTests {
    static let schedules = 500
    static let steps = 300

    @Test("the degrade breaker makes only legal transitions and admits exactly one probe while half-open")
    func legalTransitionsAndSingleProbe() throws {
        var decided = 0
        var rejectedProbes = 0
        try forEachSchedule("degrade legal transitions", count: Self.schedules) { random in
            let rule = DegradeHarness.randomRule(&random)
            var harness = DegradeHarness(rule, allowManual: true, hangProbability: random.nextUnit() * 0.2,
                                         failureProbability: random.nextUnit())
            try harness.run(steps: Self.steps, &random)
            for (previous, next) in zip(harness.transitions, harness.transitions.dropFirst()) {
                try require(previous.to == next.from, "broken chain \(previous) then \(next)")
            }
            decided += harness.probesDecided
            rejectedProbes += harness.probesRejected
        }
        #expect(decided > Self.schedules)
        #expect(rejectedProbes > Self.schedules)
    }

    @Test("the rule trips exactly when the statistic interval's value is strictly above the threshold")
    func tripsExactly() throws {
        var opened = 0
        try forEachSchedule("degrade trips exactly", count: Self.schedules) { random in
            let rule = DegradeHarness.randomRule(&random)
            var harness = DegradeHarness(rule, allowManual: false, hangProbability: 0, failureProbability: random.nextUnit())
            try harness.run(steps: Self.steps, &random)
            opened += harness.opened
        }
        #expect(opened > Self.schedules)
    }

    @Test("a probe that never reports back releases the half-open state after the probe timeout")
    func probeTimeoutReleases() throws {
        var timeouts = 0
        try forEachSchedule("degrade probe timeout", count: Self.schedules) { random in
            let rule = DegradeHarness.randomRule(&random, probeTimeout: true)
            var harness = DegradeHarness(rule, allowManual: false, hangProbability: 0.5 + random.nextUnit() / 2,
                                         failureProbability: 0.5 + random.nextUnit() / 2)
            try harness.run(steps: Self.steps, &random)
            if harness.state == .halfOpen, let admitted = harness.probeAdmittedAt, let timeout = harness.probeTimeout {
                harness.nowNanoseconds = admitted + timeout
                try harness.advance()
                try require(harness.breaker.state == .open, "still \(harness.breaker.state) after the probe timeout")
            }
            timeouts += harness.probeTimeouts
        }
        #expect(timeouts > Self.schedules)
    }
}
