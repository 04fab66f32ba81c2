/// A number a lock store issues with every grant, larger than every number it issued
/// before, for any key (Kleppmann's fencing token).
///
/// A resource that remembers the highest token it has seen (``FencedResource``) can then
/// refuse an operation from a holder whose lock has since expired and been granted to
/// someone else: the later holder's token is higher. The lock alone cannot prevent that
/// case, because a holder paused past its TTL (GC, slow disk) does not know it is paused.
///
/// Tokens are compared as integers; they say nothing about time.
public struct FencingToken: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The token as an integer (the first grant of a fresh store gets 1).
    public var value: UInt64

    /// The token `value`.
    public init(_ value: UInt64) { self.value = value }

    /// Orders tokens by their integers: a higher token comes from a later grant.
    public static func < (lhs: FencingToken, rhs: FencingToken) -> Bool { lhs.value < rhs.value }

    /// `#value`, e.g. `#42`.
    public var description: String { "#\(value)" }
}

/// Who holds a lock: the random value of `SET key value NX PX ttl`.
///
/// Only the owner may release (compare-and-delete) or extend (compare-and-extend) the
/// lock. A ``LockClient`` makes a fresh owner for every acquisition attempt from its
/// `client` identity and a counter, so two acquisitions (even by one client) never share
/// an owner and a late release of an old lease cannot delete a newer one. Unlike Redis
/// clients that draw 20 random bytes per attempt, the value is two integers: `client`
/// must be unique among the store's clients (a ``LockClient`` draws it from its random
/// generator), which keeps the value allocation-free and the simulation reproducible.
public struct LockOwner: Hashable, Sendable, CustomStringConvertible {
    /// Identity of the client process (unique among the clients of one store).
    public var client: UInt64
    /// Which acquisition attempt of that client.
    public var sequence: UInt64

    /// The owner value for attempt `sequence` of client `client`.
    public init(client: UInt64, sequence: UInt64) {
        self.client = client
        self.sequence = sequence
    }

    /// `client.sequence`, e.g. `7.3`.
    public var description: String { "\(client).\(sequence)" }
}
