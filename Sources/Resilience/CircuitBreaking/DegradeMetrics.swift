/// A snapshot of a ``DegradeBreaker``'s statistics.
public struct DegradeMetrics: Sendable, Hashable {
    /// Calls completed in the statistic interval (as of the last recorded call).
    public let requests: Int
    /// Of these, calls that threw an error.
    public let errors: Int
    /// Of these, calls slower than the rule's maximum response time (slow-call strategy).
    public let slowRequests: Int
    /// Calls rejected since the breaker was created.
    public let numberOfNotPermittedCalls: Int

    init(counts: OutcomeCounts, notPermitted: Int) {
        requests = counts.calls
        errors = counts.failures
        slowRequests = counts.slowCalls
        numberOfNotPermittedCalls = notPermitted
    }
}
