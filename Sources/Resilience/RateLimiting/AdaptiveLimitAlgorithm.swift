/// An adaptive concurrency-limit algorithm (Netflix concurrency-limits' `Limit`): a
/// pure state machine fed one sample per finished call, whose ``limit`` estimates how
/// many calls may be in flight before they start queueing (limit ≈ throughput ×
/// latency, Little's law).
public protocol AdaptiveLimitAlgorithm {
    /// The current concurrency limit (≥ 1).
    var limit: Int { get }

    /// Feeds one finished call: its round-trip time `rtt`, the calls that were in flight
    /// when it started (itself included), and whether it was dropped (timed out,
    /// rejected downstream, shed).
    mutating func update(rtt: Duration, inflight: Int, didDrop: Bool)
}
