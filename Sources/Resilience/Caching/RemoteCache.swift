/// A shared cache on the other side of the network: Redis in production, the cache-server
/// actor in a simulation. The second level of a ``TwoLevelCache``.
///
/// Implementations may be actors (their isolated methods satisfy these requirements) or
/// `Sendable` classes. Errors are the remote's failures (connection refused, timeout);
/// a missing key is not an error.
public protocol RemoteCache<Key, Value>: Sendable {
    /// The key type (a Redis key).
    associatedtype Key: Hashable & Sendable
    /// The value type (what the remote stores for a key, after any serialisation).
    associatedtype Value: Sendable

    /// The live value stored for `key`, or nil when there is none (Redis `GET`).
    func get(_ key: Key) async throws -> Value?

    /// Stores `value` for `key` for `ttl`, replacing any previous value
    /// (Redis `SET key value PX ttl`).
    func set(_ key: Key, _ value: Value, ttl: Duration) async throws

    /// Removes `key`; removing a missing key succeeds (Redis `DEL`).
    func delete(_ key: Key) async throws
}
