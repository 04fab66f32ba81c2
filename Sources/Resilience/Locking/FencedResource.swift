/// A value guarded by fencing tokens (Kleppmann): it accepts an operation only if the
/// operation's token is not lower than the highest token it has seen, so a lock holder
/// that was paused past its TTL, and whose lock has meanwhile gone to a newer holder who
/// already touched the resource, can no longer change it.
///
/// Equal tokens pass (one holder may operate many times). A stale holder whose successor
/// has not touched the resource yet is still admitted; that is safe, because its operation
/// is then simply ordered before the successor's.
///
/// **Reads are fenced too** (``read(with:)``), which goes beyond Kleppmann's write-only
/// check: for a read-modify-write such as "read stock, deduct one", checking only the
/// write lets an old holder read, a new holder read the same value, and both write (two
/// sales of the last unit). When every read and write presents its token, accepted
/// operations are ordered by token, so no accepted write is based on a value another
/// holder has changed since it was read. ``update(with:_:)`` does both in one step.
///
/// A pure state machine: the storage service (a database actor in the simulation) keeps
/// one per guarded record.
public struct FencedResource<Value> {
    /// Counters of admitted and refused operations.
    public struct Statistics: Sendable, Equatable {
        /// Writes (and updates) admitted.
        public var acceptedWrites = 0
        /// Writes (and updates) refused because a higher token had been seen.
        public var rejectedStaleWrites = 0
        /// Reads admitted.
        public var acceptedReads = 0
        /// Reads refused because a higher token had been seen.
        public var rejectedStaleReads = 0
    }

    /// The current value.
    public private(set) var value: Value
    /// The highest token seen so far, or `nil` before the first fenced operation.
    public private(set) var highestToken: FencingToken?
    /// The resource's counters.
    public private(set) var statistics = Statistics()

    /// A resource holding `value`, having seen no token higher than `highestToken`
    /// (default none).
    public init(_ value: Value, highestToken: FencingToken? = nil) {
        self.value = value
        self.highestToken = highestToken
    }

    /// Whether an operation with `token` would be admitted now (no side effect).
    public func admits(_ token: FencingToken) -> Bool {
        highestToken.map { token >= $0 } ?? true
    }

    /// A fenced read: the value, recording `token` as seen, or `nil` if `token` is stale.
    public mutating func read(with token: FencingToken) -> Value? {
        guard admit(token) else {
            statistics.rejectedStaleReads += 1
            return nil
        }
        statistics.acceptedReads += 1
        return value
    }

    /// A fenced write: replaces the value and returns `true`, or returns `false` and
    /// changes nothing if `token` is stale.
    @discardableResult
    public mutating func write(_ newValue: Value, with token: FencingToken) -> Bool {
        guard admit(token) else {
            statistics.rejectedStaleWrites += 1
            return false
        }
        value = newValue
        statistics.acceptedWrites += 1
        return true
    }

    /// A fenced read-modify-write in one step: runs `body` on the value and returns its
    /// result, or returns `nil` without running it if `token` is stale. Counts as a write.
    public mutating func update<R>(with token: FencingToken, _ body: (inout Value) throws -> R) rethrows -> R? {
        guard admit(token) else {
            statistics.rejectedStaleWrites += 1
            return nil
        }
        statistics.acceptedWrites += 1
        return try body(&value)
    }

    private mutating func admit(_ token: FencingToken) -> Bool {
        guard admits(token) else { return false }
        highestToken = token
        return true
    }
}

extension FencedResource: Sendable where Value: Sendable {}
extension FencedResource: Equatable where Value: Equatable {}
