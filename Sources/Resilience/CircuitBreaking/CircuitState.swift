/// The state of a circuit breaker: Resilience4j's `CircuitBreaker.State` (without
/// `METRICS_ONLY`), of which Sentinel's degrade rules use the first three.
public enum CircuitState: Sendable, Hashable, CustomStringConvertible {
    /// Calls pass; their outcomes are measured, and too many failures (or slow calls) open
    /// the breaker.
    case closed
    /// Calls are rejected until the open wait has elapsed; then the next call (or, with
    /// automatic transition, a timer) moves the breaker to ``halfOpen``.
    case open
    /// A limited number of probe calls pass; their outcomes decide between ``closed`` and
    /// ``open``. Every other call is rejected.
    case halfOpen
    /// Every call is rejected until the breaker is moved out of this state by hand
    /// (Resilience4j's `FORCED_OPEN`).
    case forcedOpen
    /// Every call passes and nothing is measured until the breaker is moved out of this
    /// state by hand (Resilience4j's `DISABLED`).
    case disabled

    /// `closed`, `open`, `halfOpen`, `forcedOpen` or `disabled`.
    public var description: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "halfOpen"
        case .forcedOpen: "forcedOpen"
        case .disabled: "disabled"
        }
    }
}

/// Proof that a breaker admitted a call: hand it back with the call's outcome
/// (`onSuccess`, `onError`, `onIgnoredError`) or, if the call was never made, to
/// `releasePermission`.
///
/// It carries the breaker's generation, which changes on every transition (and on a
/// reset). An outcome whose permission belongs to an earlier generation is *stale* and is
/// ignored. Unlike Resilience4j and Sentinel, a call admitted while closed that finishes
/// after the breaker went open and then half-open is therefore never mistaken for one of
/// the half-open probes, and a hung probe that finally returns after the half-open wait
/// expired cannot close the breaker.
public struct CircuitPermission: Sendable, Hashable {
    /// The generation of the breaker that admitted the call.
    let generation: UInt64
    /// Whether the call was admitted as a half-open probe (its outcome helps decide
    /// between closing and reopening the breaker).
    public let isProbe: Bool

    init(generation: UInt64, isProbe: Bool) {
        self.generation = generation
        self.isProbe = isProbe
    }
}

/// A change of a breaker's state, reported by the mutating call that caused it.
public struct CircuitTransition<Instant: InstantProtocol>: Sendable, Hashable, CustomStringConvertible {
    /// Why a breaker changed state.
    public enum Reason: Sendable, Hashable {
        /// The failure rate, in percent, reached the threshold (Resilience4j: `≥`;
        /// Sentinel's error ratio: `>`, reported here as a percentage too).
        case failureRateExceeded(Double)
        /// The slow-call rate, in percent, reached the threshold.
        case slowCallRateExceeded(Double)
        /// The number of errors in the statistic interval exceeded the threshold
        /// (Sentinel's error-count strategy).
        case errorCountExceeded(Int)
        /// The open wait elapsed and a call (or the automatic-transition timer) moved the
        /// breaker to half-open.
        case waitElapsed
        /// The half-open probes were recorded and stayed under the thresholds.
        case probesPassed
        /// Sentinel's single half-open probe failed (an error, or a slow response for the
        /// slow-call strategy).
        case probeFailed
        /// Sentinel's half-open probe was admitted but never made (blocked elsewhere) and
        /// its permission released: back to open, and the next call probes again at once
        /// (Sentinel's workaround for issue #1638).
        case probeReleased
        /// The half-open state lasted its maximum wait without a decision, because probes
        /// hang or never report back (the fix for Resilience4j #903/#935/#1533 and
        /// Sentinel #1638).
        case halfOpenTimedOut
        /// Moved by hand: `transition(to:at:)` or `reset(at:)`.
        case manual
    }

    /// The state before.
    public let from: CircuitState
    /// The state after.
    public let to: CircuitState
    /// When it happened: the instant passed to the call that caused it.
    public let instant: Instant
    /// Why it happened.
    public let reason: Reason

    /// A transition from `from` to `to` at `instant` because of `reason`.
    public init(from: CircuitState, to: CircuitState, instant: Instant, reason: Reason) {
        self.from = from
        self.to = to
        self.instant = instant
        self.reason = reason
    }

    /// `from → to (reason)`.
    public var description: String { "\(from) → \(to) (\(reason))" }
}

/// What a breaker answered to a request for permission.
public struct CircuitAdmission<Instant: InstantProtocol>: Sendable, Hashable {
    /// The permission to make the call, or `nil` when the call is not permitted (the
    /// breaker is open, forced open, or half-open with every probe handed out).
    public let permission: CircuitPermission?
    /// The transition the request caused, if any (for instance open → half-open once the
    /// open wait has elapsed, or a timed-out half-open state → open).
    public let transition: CircuitTransition<Instant>?

    /// An answer carrying `permission` (nil = rejected) and the `transition` it caused.
    public init(permission: CircuitPermission?, transition: CircuitTransition<Instant>?) {
        self.permission = permission
        self.transition = transition
    }

    /// Whether the call may be made.
    public var isPermitted: Bool { permission != nil }
}
