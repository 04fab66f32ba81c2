import Resilience
import SimKernel
import Testing

/// Virtual instants, as the simulation uses them.
typealias VInstant = VirtualClock.Instant
/// A transition of a breaker on virtual time.
typealias VTransition = CircuitTransition<VInstant>

extension CircuitBreaking where Instant == VirtualClock.Instant {
    /// Acquires a permission at `ms` and records a success of `duration` at the same
    /// instant; returns the transition the record (or else the acquisition) caused.
    @discardableResult
    mutating func succeed(at ms: Double, taking duration: Duration = .milliseconds(1),
                          sourceLocation: SourceLocation = #_sourceLocation) -> VTransition? {
        let admission = tryAcquirePermission(at: at(ms: ms))
        guard let permission = admission.permission else {
            Issue.record("the call at \(ms) ms was rejected (\(state))", sourceLocation: sourceLocation)
            return nil
        }
        return onSuccess(permission, duration: duration, at: at(ms: ms)) ?? admission.transition
    }

    /// Acquires a permission at `ms` and records a failure of `duration` at the same instant.
    @discardableResult
    mutating func fail(at ms: Double, taking duration: Duration = .milliseconds(1),
                       sourceLocation: SourceLocation = #_sourceLocation) -> VTransition? {
        let admission = tryAcquirePermission(at: at(ms: ms))
        guard let permission = admission.permission else {
            Issue.record("the call at \(ms) ms was rejected (\(state))", sourceLocation: sourceLocation)
            return nil
        }
        return onError(permission, duration: duration, at: at(ms: ms)) ?? admission.transition
    }

    /// Acquires a permission at `ms`, expecting it to be granted.
    mutating func acquire(at ms: Double, sourceLocation: SourceLocation = #_sourceLocation) throws -> CircuitPermission {
        try #require(tryAcquirePermission(at: at(ms: ms)).permission, "the call at \(ms) ms was rejected",
                     sourceLocation: sourceLocation)
    }
}

/// Whether `transition` is one a breaker may make on its own (not by hand).
func isLegalAutomatic(_ transition: VTransition) -> Bool {
    switch (transition.from, transition.to, transition.reason) {
    case (.closed, .open, .failureRateExceeded), (.closed, .open, .slowCallRateExceeded),
         (.closed, .open, .errorCountExceeded):
        return true
    case (.open, .halfOpen, .waitElapsed):
        return true
    case (.halfOpen, .closed, .probesPassed):
        return true
    case (.halfOpen, .open, .failureRateExceeded), (.halfOpen, .open, .slowCallRateExceeded),
         (.halfOpen, .open, .probeFailed), (.halfOpen, .open, .probeReleased),
         (.halfOpen, .open, .halfOpenTimedOut):
        return true
    default:
        return false
    }
}

/// Errors for the tests' operations.
enum BackendError: Error, Equatable {
    case unavailable
    case notFound
}
