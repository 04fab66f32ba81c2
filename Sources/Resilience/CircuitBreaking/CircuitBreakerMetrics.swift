/// A snapshot of a ``CircuitBreaker``'s measurements (Resilience4j's
/// `CircuitBreaker.Metrics`).
///
/// In the closed state the counts are those of the sliding window; in the half-open state
/// those of the probes recorded so far; in the open state those that opened the breaker
/// (the window's, or the probes'), as in Resilience4j.
public struct CircuitBreakerMetrics: Sendable, Hashable {
    /// Calls held by the window (or recorded probes).
    public let numberOfBufferedCalls: Int
    /// Of these, calls that failed.
    public let numberOfFailedCalls: Int
    /// Of these, calls slower than the slow-call threshold (successful or failed).
    public let numberOfSlowCalls: Int
    /// Of these, calls both slow and failed.
    public let numberOfSlowFailedCalls: Int
    /// Calls rejected since the breaker was created or last reset (unlike Resilience4j,
    /// not reset on each transition, so a report can total them).
    public let numberOfNotPermittedCalls: Int
    /// The minimum number of buffered calls below which the rates are not evaluated.
    public let minimumNumberOfCalls: Int

    init(counts: OutcomeCounts, minimumNumberOfCalls: Int, notPermitted: Int) {
        numberOfBufferedCalls = counts.calls
        numberOfFailedCalls = counts.failures
        numberOfSlowCalls = counts.slowCalls
        numberOfSlowFailedCalls = counts.slowFailures
        numberOfNotPermittedCalls = notPermitted
        self.minimumNumberOfCalls = minimumNumberOfCalls
    }

    /// Buffered calls that succeeded.
    public var numberOfSuccessfulCalls: Int { numberOfBufferedCalls - numberOfFailedCalls }
    /// Buffered calls that succeeded but slowly.
    public var numberOfSlowSuccessfulCalls: Int { numberOfSlowCalls - numberOfSlowFailedCalls }

    /// Failed calls in percent of buffered calls; `nil` below the minimum number of calls
    /// (Resilience4j reports -1).
    public var failureRate: Double? {
        isBelowMinimum ? nil : Double(numberOfFailedCalls) * 100 / Double(numberOfBufferedCalls)
    }

    /// Slow calls in percent of buffered calls; `nil` below the minimum number of calls.
    public var slowCallRate: Double? {
        isBelowMinimum ? nil : Double(numberOfSlowCalls) * 100 / Double(numberOfBufferedCalls)
    }

    private var isBelowMinimum: Bool {
        numberOfBufferedCalls == 0 || numberOfBufferedCalls < minimumNumberOfCalls
    }
}
