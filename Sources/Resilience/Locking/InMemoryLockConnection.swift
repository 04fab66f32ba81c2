import Synchronization

/// A ``LockStore`` in this process, behind a mutex, reading time from `clock`: the lock
/// server for tests and for several tasks of one process sharing locks (and, wrapped in
/// a simulated network link, the state a lock-server actor could hold).
///
/// Calls never fail, never suspend, and take effect at `clock.now`.
public final class InMemoryLockConnection<C: Clock>: LockStoreConnection, Sendable where C.Duration == Duration {
    /// The clock the store evaluates expiry against.
    public let clock: C
    private let store: Mutex<LockStore<C.Instant>>

    /// A connection to `store` (by default an empty store whose first fencing token is 1),
    /// timed by `clock`.
    public init(clock: C, store: LockStore<C.Instant> = LockStore()) {
        self.clock = clock
        self.store = Mutex(store)
    }

    /// `SET key owner NX PX ttl` at `clock.now`; see ``LockStore/set(_:owner:ttl:now:)``.
    public func set(_ key: String, owner: LockOwner, ttl: Duration) async -> LockAcquisition {
        let now = clock.now
        return store.withLock { $0.set(key, owner: owner, ttl: ttl, now: now) }
    }

    /// `GET key` at `clock.now`; see ``LockStore/get(_:now:)``.
    public func get(_ key: String) async -> LockHolder? {
        let now = clock.now
        return store.withLock { $0.get(key, now: now) }
    }

    /// The unlock script at `clock.now`; see ``LockStore/compareAndDelete(_:owner:now:)``.
    public func compareAndDelete(_ key: String, owner: LockOwner) async -> Bool {
        let now = clock.now
        return store.withLock { $0.compareAndDelete(key, owner: owner, now: now) }
    }

    /// The renewal script at `clock.now`; see ``LockStore/compareAndExtend(_:owner:ttl:now:)``.
    public func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async -> Bool {
        let now = clock.now
        return store.withLock { $0.compareAndExtend(key, owner: owner, ttl: ttl, now: now) }
    }

    /// A snapshot of the store's counters.
    public var statistics: LockStore<C.Instant>.Statistics { store.withLock { $0.statistics } }

    /// The highest fencing token the store has issued, if any.
    public var lastFencingToken: FencingToken? { store.withLock { $0.lastFencingToken } }

    /// Runs `body` on the store under its mutex (inspection, or an active-expiry sweep:
    /// `withStore { $0.removeExpired(now: clock.now) }`). `body` must not suspend or call
    /// back into this connection.
    public func withStore<R>(_ body: (inout LockStore<C.Instant>) -> R) -> R {
        store.withLock { body(&$0) }
    }
}
