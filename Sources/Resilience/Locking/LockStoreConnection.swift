/// A client's link to one lock store: the four commands a ``LockClient`` sends, each an
/// asynchronous round trip that may be slow or fail.
///
/// In production a conformance speaks to Redis (`SET NX PX`, `GET`, and the two Lua
/// scripts); in a simulation it crosses the simulated network to a lock-server actor that
/// runs a ``LockStore``; ``InMemoryLockConnection`` calls a store in the same process.
///
/// The store evaluates expiry with *its own* clock, so replies carry durations, never
/// instants: the client and the store need not share a clock.
///
/// Contract:
/// - A thrown error means "no reply": the command may or may not have taken effect
///   (a lost reply). Clients must allow for both.
/// - `set`, `get` and `compareAndExtend` should end promptly when their task is cancelled
///   (throwing), so a client's watchdog and deadlines can stop them.
/// - `compareAndDelete` is the cleanup a cancelled task still has to send (a cancelled
///   `withLock` releases its lock; a cancelled acquire gives back a grant): a transport
///   should deliver it even when the calling task is cancelled, as Go code detaches
///   cleanup from a cancelled context (`context.WithoutCancel`).
/// - Every call is bounded by the transport's own timeout, as a Redis client's socket
///   timeout bounds a command.
public protocol LockStoreConnection: Sendable {
    /// `SET key owner NX PX ttl`; see ``LockStore/set(_:owner:ttl:now:)``.
    func set(_ key: String, owner: LockOwner, ttl: Duration) async throws -> LockAcquisition
    /// `GET key`; see ``LockStore/get(_:now:)``.
    func get(_ key: String) async throws -> LockHolder?
    /// Delete `key` only if `owner` holds it; see ``LockStore/compareAndDelete(_:owner:now:)``.
    func compareAndDelete(_ key: String, owner: LockOwner) async throws -> Bool
    /// Set `key` to expire `ttl` from now only if `owner` holds it; see
    /// ``LockStore/compareAndExtend(_:owner:ttl:now:)``.
    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async throws -> Bool
}

/// The reply to `SET key owner NX PX ttl`.
public enum LockAcquisition: Sendable, Equatable {
    /// The lock is the caller's, with this fencing token.
    case granted(FencingToken)
    /// Another lock is live on the key for `remaining` more (measured on the store's clock).
    case held(remaining: Duration)
}

/// The live lock on a key, as `GET` reports it.
public struct LockHolder: Sendable, Equatable {
    /// Who holds it.
    public var owner: LockOwner
    /// The fencing token issued with its grant.
    public var fencingToken: FencingToken
    /// How long it lives unless extended or released (store's clock).
    public var remaining: Duration

    /// A holder record.
    public init(owner: LockOwner, fencingToken: FencingToken, remaining: Duration) {
        self.owner = owner
        self.fencingToken = fencingToken
        self.remaining = remaining
    }
}
