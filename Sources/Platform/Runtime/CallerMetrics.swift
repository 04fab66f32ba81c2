import Resilience
import SimKernel
import World

/// The metrics of one caller's calls to one callee (`<caller>.calls.<callee>.<figure>`),
/// as handles made once, each with a ``MetricDescriptor``: the hot path adds to a handle
/// and never builds a name.
///
/// Per-reason counters (`failed.<reason>`) come from a closed set (``Failure/all``);
/// each is made on its first use, so a report lists the reasons that happened, plus the
/// ones reported even at zero (`deadline`, and `breaker_open` behind a breaker).
///
/// World-confined: only the world's thread touches it.
final class CallerMetrics: @unchecked Sendable {
    /// Attempts sent to the callee (not those a breaker refused).
    let attempts: CounterMetric
    /// Attempt latency as the caller sees it.
    let latency: HistogramMetric
    /// Retries made; retries the retry budget refused; retries not made because the next
    /// attempt would start after the call's deadline. Each is made on first use, so a
    /// report lists only what happened (as before the handles existed).
    private(set) lazy var retries = counter("retries")
    private(set) lazy var retryBudgetExhausted = counter("retry_budget_exhausted")
    private(set) lazy var retryDeadlinePassed = counter("retry_deadline_passed")
    /// Transitions of this caller's breaker, into each state (closed, open, half-open
    /// made at once; forced open and disabled, which only a hand could cause, on first
    /// use), and of all breakers.
    private var transitions: [CounterMetric?] = Array(repeating: nil, count: 5)
    let allBreakerTransitions: CounterMetric?
    /// Instances whose breaker for the callee is open (forced open included) and
    /// half-open, summed over the caller's instances: the breaker's state over time,
    /// which per-interval transition counts cannot give (a report draws it as bands).
    let breakerOpen: GaugeMetric?
    let breakerHalfOpen: GaugeMetric?
    /// The callee's side (only when it is a service): calls this caller's breaker shed,
    /// and calls it gave up on when its own deadline passed (`<callee>.rejected.*`).
    let shedByBreaker: CounterMetric?
    let abandonedAtDeadline: CounterMetric?
    private var failures: [CounterMetric?] = Array(repeating: nil, count: Failure.all.count)
    private var fallbacks: [CounterMetric?] = Array(repeating: nil, count: FallbackMode.allCases.count + 1)
    private let metrics: Metrics
    private let caller: String
    private let callee: String
    private let prefix: String

    init(caller: String, callee: String, hasBreaker: Bool, calleeIsService: Bool, metrics: Metrics) {
        self.metrics = metrics
        self.caller = caller
        self.callee = callee
        prefix = "\(caller).calls.\(callee)"
        func describe(_ kind: MetricDescriptor.Kind, _ figure: String, unit: MetricDescriptor.Unit = .count, reason: String? = nil) -> MetricDescriptor {
            MetricDescriptor(kind, unit: unit, service: caller, figure: figure, callee: callee, reason: reason)
        }
        attempts = metrics.counter("\(prefix).attempts", describedAs: describe(.counter, "calls.attempts"))
        latency = metrics.histogram("\(prefix).latency", describedAs: describe(.histogram, "calls.latency", unit: .nanoseconds))
        allBreakerTransitions = hasBreaker
            ? metrics.counter("breakers.transitions", describedAs: MetricDescriptor(.counter, unit: .count, service: "breakers", figure: "transitions"))
            : nil
        breakerOpen = hasBreaker
            ? metrics.gauge("\(prefix).breaker.open", describedAs: describe(.gauge, "calls.breaker.state", reason: "open"))
            : nil
        breakerHalfOpen = hasBreaker
            ? metrics.gauge("\(prefix).breaker.half_open", describedAs: describe(.gauge, "calls.breaker.state", reason: "half_open"))
            : nil
        shedByBreaker = calleeIsService && hasBreaker
            ? metrics.counter("\(callee).rejected.breaker_open",
                              describedAs: MetricDescriptor(.counter, unit: .count, service: callee, figure: "rejected", reason: "breaker_open"))
            : nil
        abandonedAtDeadline = calleeIsService
            ? metrics.counter("\(callee).rejected.deadline",
                              describedAs: MetricDescriptor(.counter, unit: .count, service: callee, figure: "rejected", reason: "deadline"))
            : nil
        // Reported even when zero: "no call timed out" is a finding, not a missing row.
        _ = failed(.deadline)
        if hasBreaker {
            _ = failed(.breakerOpen)
            for state in [CircuitState.open, .halfOpen, .closed] { _ = transition(to: state) }
        }
    }

    /// Declares every metric a caller of `callee` with `policy` may make (see
    /// ``MetricVocabulary``), before the world runs: callers are made on a service's first
    /// call to each callee, during the run. Makes no metric.
    static func declare(caller: String, callee: String, policy: CallPolicy, calleeIsService: Bool, in metrics: Metrics) {
        let prefix = "\(caller).calls.\(callee)"
        for figure in ["attempts", "retries", "retry_budget_exhausted", "retry_deadline_passed"] {
            metrics.declare(.counter, "\(prefix).\(figure)")
        }
        metrics.declare(.histogram, "\(prefix).latency")
        metrics.declare(.counter, "\(prefix).failed", reasons: Failure.labels)
        if let fallback = policy.fallback {
            metrics.declare(.counter, "\(prefix).fallback", reasons: [fallback.mode.rawValue, "missed"])
        }
        if policy.breaker != nil {
            metrics.declare(.counter, "breakers.transitions")
            for state in [CircuitState.closed, .open, .halfOpen, .forcedOpen, .disabled] {
                metrics.declare(.counter, "\(prefix).breaker.to_\(state.metricName)")
            }
            metrics.declare(.gauge, "\(prefix).breaker.open")
            metrics.declare(.gauge, "\(prefix).breaker.half_open")
            if calleeIsService { metrics.declare(.counter, "\(callee).rejected.breaker_open") }
        }
        if calleeIsService { metrics.declare(.counter, "\(callee).rejected.deadline") }
    }

    /// The client-side counter `<caller>.calls.<callee>.<figure>`.
    private func counter(_ figure: String) -> CounterMetric {
        metrics.counter("\(prefix).\(figure)",
                        describedAs: MetricDescriptor(.counter, unit: .count, service: caller, figure: "calls.\(figure)", callee: callee))
    }

    /// The counter of attempts that failed with `failure` (`failed.<reason>`).
    func failed(_ failure: Failure) -> CounterMetric {
        reasonCounter(&failures, failure.index, figure: "failed", separator: ".", reason: failure.label)
    }

    /// The counter of transitions into `state` (`breaker.to_<state>`).
    func transition(to state: CircuitState) -> CounterMetric {
        let index: Int = switch state {
        case .closed: 0
        case .open: 1
        case .halfOpen: 2
        case .forcedOpen: 3
        case .disabled: 4
        }
        return reasonCounter(&transitions, index, figure: "breaker.to", separator: "_", reason: state.metricName)
    }

    /// Moves one instance's breaker from `from` to `to` in the state gauges.
    func breakerMoved(from: CircuitState, to: CircuitState) {
        stateGauge(from)?.add(-1)
        stateGauge(to)?.add(1)
    }

    private func stateGauge(_ state: CircuitState) -> GaugeMetric? {
        switch state {
        case .open, .forcedOpen: breakerOpen
        case .halfOpen: breakerHalfOpen
        case .closed, .disabled: nil
        }
    }

    /// The counter of degraded answers served in `mode` (`fallback.<mode>`), or, with
    /// `nil`, of fallbacks that had nothing to serve (`fallback.missed`).
    func fallback(_ mode: FallbackMode?) -> CounterMetric {
        let index = mode.map { FallbackMode.allCases.firstIndex(of: $0)! } ?? FallbackMode.allCases.count
        return reasonCounter(&fallbacks, index, figure: "fallback", separator: ".", reason: mode?.rawValue ?? "missed")
    }

    /// The counter `<caller>.calls.<callee>.<figure><separator><reason>`, made on first use
    /// and kept in `cache[index]`: no name is built once it exists.
    private func reasonCounter(_ cache: inout [CounterMetric?], _ index: Int, figure: String, separator: String,
                               reason: String) -> CounterMetric {
        if let counter = cache[index] { return counter }
        let counter = metrics.counter("\(prefix).\(figure)\(separator)\(reason)",
                                      describedAs: MetricDescriptor(.counter, unit: .count, service: caller, figure: "calls.\(figure)",
                                                                    callee: callee, reason: reason))
        cache[index] = counter
        return counter
    }
}
