/// The retry delay shared by ``LockClient`` and ``Redlock``: AWS's *equal jitter*,
/// `expo/2 + U(0, expo/2)` with `expo = min(maxDelay, initialDelay·2^(retry−1))`.
///
/// Equal rather than full jitter: full jitter may draw near-zero waits, each costing a
/// round trip against a lock that is still held.
enum LockBackoff {
    /// The delay before retry number `retry` (from 1), given `unit` uniform in [0, 1).
    static func delay(retry: Int, initialDelay: Duration, maxDelay: Duration, unit: Double) -> Duration {
        let doublings = Swift.min(Swift.max(retry - 1, 0), 40)
        let exponential = Swift.min(maxDelay, initialDelay * (Int64(1) << doublings))
        return exponential / 2 + (exponential / 2) * unit
    }
}
