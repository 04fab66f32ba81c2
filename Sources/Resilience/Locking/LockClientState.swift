/// What a lock client (``LockClient``, ``Redlock``) changes behind its mutex: the jitter
/// source, the attempt sequence that makes every attempt's ``LockOwner`` new, and its
/// counters.
struct LockClientState<Random: RandomNumberGenerator, Statistics> {
    var random: Random
    var sequence: UInt64 = 0
    var statistics: Statistics

    init(random: Random, statistics: Statistics) {
        self.random = random
        self.statistics = statistics
    }

    /// The owner value of the next attempt by client `client`: never one used before, so a
    /// late release of an old attempt cannot delete a newer one.
    mutating func nextOwner(client: UInt64) -> LockOwner {
        sequence += 1
        return LockOwner(client: client, sequence: sequence)
    }

    /// The wait before retry number `retry` (see ``LockBackoff``), drawing its jitter.
    mutating func backoff(retry: Int, initialDelay: Duration, maxDelay: Duration) -> Duration {
        let unit = Double.random(in: 0..<1, using: &random)
        return LockBackoff.delay(retry: retry, initialDelay: initialDelay, maxDelay: maxDelay, unit: unit)
    }
}
