import Synchronization

/// A lock a ``LockClient`` holds, and what the holder can know about it.
///
/// The client cannot see the store's clock, so it keeps a conservative *validity*: a lease
/// whose granting (or last renewing) command was sent at `s` is valid until
/// `s + ttl − drift`, never later than the store can expire it. ``isHeld`` turns false at
/// that instant, when a renewal is refused, or after release; once false it stays false
/// (a lease never becomes valid again: a later renewal reply cannot close the gap).
///
/// Checking ``isHeld`` before acting narrows the window but cannot close it: the holder
/// may pause between the check and the act. Pass ``fencingToken`` to the resource
/// (``FencedResource``) for safety.
public final class LockLease<C: Clock>: Sendable where C.Duration == Duration {
    /// Why a lease stopped being held before release.
    public enum Loss: Sendable, Equatable {
        /// No renewal was confirmed before the validity ran out (slow or unreachable store,
        /// or a holder paused past its TTL).
        case validityElapsed
        /// The store refused a renewal or release: the lock had expired or another owner
        /// held it.
        case rejectedByStore
    }

    private struct State {
        var validUntil: C.Instant
        var loss: Loss?
        var released = false
    }

    /// The locked key.
    public let key: String
    /// The owner value the store knows this lease by.
    public let owner: LockOwner
    /// The token the store issued with the grant; pass it with every operation on the
    /// protected resource.
    public let fencingToken: FencingToken
    /// The TTL the lock was granted (and is renewed) with.
    public let ttl: Duration
    /// When the granting command was sent (client's clock).
    public let acquiredAt: C.Instant
    /// The clock validity is measured on.
    public let clock: C
    private let state: Mutex<State>

    init(key: String, owner: LockOwner, fencingToken: FencingToken, ttl: Duration,
         acquiredAt: C.Instant, validUntil: C.Instant, clock: C) {
        self.key = key
        self.owner = owner
        self.fencingToken = fencingToken
        self.ttl = ttl
        self.acquiredAt = acquiredAt
        self.clock = clock
        state = Mutex(State(validUntil: validUntil))
    }

    /// The end of the current validity (client's clock); renewals move it later.
    public var validUntil: C.Instant { state.withLock { $0.validUntil } }

    /// Whether the holder may still rely on the lock now: not released, no renewal
    /// refused, and validity not yet over.
    public var isHeld: Bool {
        let now = clock.now
        return state.withLock { !$0.released && $0.loss == nil && now < $0.validUntil }
    }

    /// Why the lease is no longer held, as the holder saw it: `nil` while it is held and
    /// after a release made within the validity. Once set it never clears, even if a
    /// later release proves the store kept the lock.
    public var loss: Loss? {
        let now = clock.now
        return state.withLock { state in
            if let loss = state.loss { return loss }
            return !state.released && now >= state.validUntil ? .validityElapsed : nil
        }
    }

    /// Whether the lease was released by its holder.
    public var isReleased: Bool { state.withLock { $0.released } }

    /// Throws ``LockError/lost(key:fencingToken:)`` unless ``isHeld``.
    public func checkHeld() throws(LockError) {
        if !isHeld { throw .lost(key: key, fencingToken: fencingToken) }
    }

    /// Records a renewal confirmed by the store, valid until `newValidUntil`; refuses
    /// (and marks the lease lost) if the lease already stopped being held at `now`.
    func confirmRenewal(validUntil newValidUntil: C.Instant, now: C.Instant) -> Bool {
        state.withLock { state in
            guard !state.released, state.loss == nil else { return false }
            guard now < state.validUntil else {
                state.loss = .validityElapsed
                return false
            }
            if newValidUntil > state.validUntil { state.validUntil = newValidUntil }
            return true
        }
    }

    /// Marks the lease lost for `reason` unless it was released or already lost.
    func markLost(_ reason: Loss) {
        state.withLock { state in
            if !state.released, state.loss == nil { state.loss = reason }
        }
    }

    /// Marks the lease released at `now` (the holder stops relying on it), recording a
    /// validity that had already run out.
    func markReleased(now: C.Instant) {
        state.withLock { state in
            if !state.released, state.loss == nil, now >= state.validUntil { state.loss = .validityElapsed }
            state.released = true
        }
    }
}
