import Synchronization

/// The client side of a Redis-style distributed lock: acquire with retry and a wait limit,
/// a renewal watchdog, release by owner, and ``withLock(_:ttl:maxWait:_:)`` tying the three
/// together with structured concurrency.
///
/// - **Acquire** sends `SET key owner NX PX ttl` with a fresh ``LockOwner`` per attempt.
///   While another owner holds the key it retries after exponential backoff with AWS's
///   *equal jitter* (`expo/2 + U(0, expo/2)`, `expo = min(maxDelay, initialDelay·2ⁿ)`;
///   full jitter may draw near-zero waits, each a wasted round trip against a held lock),
///   never sleeping past the holder's remaining TTL (but at least 1 ms), until `maxWait`;
///   the last attempt is made at the limit (`maxWait == 0` is a single try, Redisson's
///   `tryLock()`). An
///   attempt in flight at the limit is not cut off (its transport's timeout bounds it):
///   abandoning a `SET` that may still land would orphan a lock.
/// - **Validity.** A grant is valid, as far as the client can tell, until the command's
///   send time + `ttl` − drift (`ttl·driftFactor + minimumDrift`, Redlock's 1 % + 2 ms).
///   A grant whose reply arrives after that is useless: it is released and retried, as
///   Redlock does.
/// - **Lost replies.** A `SET` that failed without a reply may have landed; the client
///   sends a compare-and-delete for that attempt's owner before retrying with a new one,
///   so a lost reply does not leave an orphan lock for a whole TTL.
/// - **Watchdog** (``keepAlive(_:)``, Redisson style): renews by compare-and-extend every
///   `renewalInterval` (default `ttl/3`) while the holder runs. Unlike Redisson, which only
///   logs a failed renewal (redisson#4698) and whose renewal can outlive `unlock()`
///   (redisson#7272, #2714), the watchdog here is a child task of the holder's scope, so it
///   stops before the release is sent; a refused renewal, or no confirmed renewal before
///   the validity ends (each renewal call is cut off at that instant), makes the lease lost
///   and ``LockLease/isHeld`` false at once. Failed renewals are retried after
///   `initialDelay` until the validity ends.
/// - **Cancellation.** A cancelled acquire throws ``LockError/cancelled`` and holds
///   nothing: a grant that arrives for a cancelled task is released at once, and a
///   cancelled ``withLock(_:ttl:maxWait:_:)`` still releases. Both rely on the transport
///   delivering compare-and-delete from a cancelled task (see ``LockStoreConnection``);
///   one that does not leaves the lock to expire by its TTL.
///
/// The client keeps no waiting line of its own: waiters poll the store. It is safe to use
/// from many tasks at once.
public final class LockClient<C: Clock, Connection: LockStoreConnection, Random: RandomNumberGenerator & Sendable>: Sendable
where C.Duration == Duration {
    /// Timing of a client's locks.
    public struct Configuration: Sendable, Equatable {
        /// Lease length of every grant and renewal (default 30 s: `PX 30000` of the source
        /// documents, and Redisson's `lockWatchdogTimeout`).
        public private(set) var ttl: Duration
        /// How long an acquire keeps trying while others hold the key (default 10 s);
        /// `.zero` makes a single attempt.
        public private(set) var maxWait: Duration
        /// First retry delay, and the delay between failed renewals (default 50 ms).
        public private(set) var initialDelay: Duration
        /// Cap on a retry delay (default 1 s).
        public private(set) var maxDelay: Duration
        /// Renewal period of the watchdog; `nil` (default) means `ttl / 3`.
        public private(set) var renewalInterval: Duration?
        /// Assumed clock-rate difference between client and store, as a fraction of the TTL
        /// (default 0.01, Redlock's).
        public private(set) var driftFactor: Double
        /// Fixed drift allowance added to `ttl·driftFactor` (default 2 ms, Redlock's).
        public private(set) var minimumDrift: Duration

        /// A configuration; every parameter has the default documented on its property.
        ///
        /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
        public init(
            ttl: Duration = .seconds(30),
            maxWait: Duration = .seconds(10),
            initialDelay: Duration = .milliseconds(50),
            maxDelay: Duration = .seconds(1),
            renewalInterval: Duration? = nil,
            driftFactor: Double = 0.01,
            minimumDrift: Duration = .milliseconds(2)
        ) throws(ConfigurationError) {
            let check = ConfigurationCheck("LockClient.Configuration")
            try check.require(ttl > .zero, "ttl", "> 0", ttl)
            try check.requireLockRetry(maxWait: maxWait, initialDelay: initialDelay, maxDelay: maxDelay)
            try check.require(renewalInterval.map { $0 > .zero } ?? true, "renewalInterval", "> 0 or nil", renewalInterval ?? .zero)
            try check.requireLockDrift(ttl: ttl, driftFactor: driftFactor, minimumDrift: minimumDrift)
            self.ttl = ttl
            self.maxWait = maxWait
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.renewalInterval = renewalInterval
            self.driftFactor = driftFactor
            self.minimumDrift = minimumDrift
        }

        /// The drift allowance for a lease of `ttl`.
        public func drift(for ttl: Duration) -> Duration {
            LockTiming.drift(ttl: ttl, driftFactor: driftFactor, minimumDrift: minimumDrift)
        }

        /// The defaults documented on the properties.
        // `try!`: constant, valid arguments; the initialiser cannot throw for them.
        public static var standard: Configuration { try! Configuration() }

        /// The watchdog's period for a lease of `ttl`.
        public func renewalInterval(for ttl: Duration) -> Duration { renewalInterval ?? ttl / 3 }
    }

    /// Counters describing the client's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Acquires that returned a lease.
        public var acquired = 0
        /// `SET` commands sent.
        public var attempts = 0
        /// Attempts refused because another owner held the key.
        public var contended = 0
        /// Acquires that gave up at the wait limit (timed out or store unavailable).
        public var gaveUp = 0
        /// Commands of any kind that failed without a reply.
        public var storeErrors = 0
        /// Renewals the store confirmed.
        public var renewals = 0
        /// Renewals the store refused (the lock had expired or changed hands).
        public var renewalsRefused = 0
        /// Releases that found the lock still held.
        public var released = 0
        /// Releases that found the lock already lost (expired or taken).
        public var lost = 0
    }

    /// The link to the lock store.
    public let connection: Connection
    /// The client's clock (validity, backoff, renewal timing).
    public let clock: C
    /// Timing of the client's locks.
    public let configuration: Configuration
    /// This client's identity in every ``LockOwner`` it makes; unique among the store's
    /// clients.
    public let clientID: UInt64
    private let state: Mutex<LockClientState<Random, Statistics>>

    /// A client of the store behind `connection`. `random` supplies retry jitter and, when
    /// `clientID` is `nil`, the client's identity (64 random bits).
    public init(connection: Connection, clock: C, configuration: Configuration = .standard,
                clientID: UInt64? = nil, random: Random) {
        var random = random
        self.clientID = clientID ?? random.next()
        self.connection = connection
        self.clock = clock
        self.configuration = configuration
        state = Mutex(LockClientState(random: random, statistics: Statistics()))
    }

    /// A snapshot of the client's counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    // MARK: Acquire

    /// Acquires `key` for `ttl` (default: the configuration's), retrying while others hold
    /// it for up to `maxWait` (default: the configuration's; the task's ``TaskDeadline``
    /// shortens it). The lease is not renewed:
    /// use ``withLock(_:ttl:maxWait:_:)``, or run ``keepAlive(_:)`` in a child task, for that.
    ///
    /// - Throws: ``LockError/timedOut(key:)`` when others held the key until the limit,
    ///   ``LockError/storeUnavailable(key:)`` when no attempt got a reply,
    ///   ``LockError/cancelled`` when the task was cancelled (nothing is then held).
    public func acquire(_ key: String, ttl: Duration? = nil, maxWait: Duration? = nil) async throws(LockError) -> LockLease<C> {
        let ttl = ttl ?? configuration.ttl
        // A per-call `ttl` is a constant of the calling code (the configuration's, checked
        // when it was made, is the default): one the drift consumes is a programming
        // error, not input, so it stays a precondition rather than a ``LockError``.
        precondition(configuration.drift(for: ttl) < ttl, "the drift allowance leaves no validity for a lease of ttl")
        let validity = ttl - configuration.drift(for: ttl)
        // The task's deadline shortens the wait (see TaskDeadline.limit).
        let deadline = clock.now.advanced(by: TaskDeadline.limit(maxWait ?? configuration.maxWait, on: clock)!)
        var retries = 0
        var gotReply = false
        while true {
            if Task.isCancelled { throw .cancelled }
            let owner = nextOwner()
            let sentAt = clock.now
            let reply: LockAcquisition?
            do { reply = try await connection.set(key, owner: owner, ttl: ttl) } catch { reply = nil }
            var heldFor: Duration?
            switch reply {
            case .granted(let token)?:
                gotReply = true
                let validUntil = sentAt.advanced(by: validity)
                if !Task.isCancelled, clock.now < validUntil {
                    record { $0.acquired += 1 }
                    return LockLease(key: key, owner: owner, fencingToken: token, ttl: ttl,
                                     acquiredAt: sentAt, validUntil: validUntil, clock: clock)
                }
                // Cancelled meanwhile, or granted too late to be of use: give it back.
                await abandon(key, owner)
            case .held(let remaining)?:
                gotReply = true
                heldFor = remaining
                record { $0.contended += 1 }
            case nil:
                record { $0.storeErrors += 1 }
                await abandon(key, owner)
            }
            if Task.isCancelled { throw .cancelled }
            let now = clock.now
            if now >= deadline {
                record { $0.gaveUp += 1 }
                throw gotReply ? .timedOut(key: key) : .storeUnavailable(key: key)
            }
            retries += 1
            var delay = backoff(retry: retries)
            // Wake when the holder's lease ends, but never spin: a store may report 0 ms
            // left (Redis's PTTL has millisecond resolution).
            if let heldFor { delay = Swift.min(delay, Swift.max(heldFor, .milliseconds(1))) }
            var wake = now.advanced(by: delay)
            if wake > deadline { wake = deadline }
            do { try await clock.sleep(until: wake, tolerance: nil) } catch { throw .cancelled }
        }
    }

    private func backoff(retry: Int) -> Duration {
        state.withLock { $0.backoff(retry: retry, initialDelay: configuration.initialDelay, maxDelay: configuration.maxDelay) }
    }

    private func nextOwner() -> LockOwner {
        state.withLock { state in
            state.statistics.attempts += 1
            return state.nextOwner(client: clientID)
        }
    }

    /// Best-effort compare-and-delete of an attempt the caller will not use.
    private func abandon(_ key: String, _ owner: LockOwner) async {
        do { _ = try await connection.compareAndDelete(key, owner: owner) } catch { record { $0.storeErrors += 1 } }
    }

    private func record(_ update: (inout Statistics) -> Void) {
        state.withLock { update(&$0.statistics) }
    }

    // MARK: Renew

    /// Renews `lease` once by compare-and-extend, for its TTL from now.
    ///
    /// - Throws: ``LockError/lost(key:fencingToken:)`` when the lease was no longer held or
    ///   the store refused (the lease is then lost for good);
    ///   ``LockError/storeUnavailable(key:)`` when the store did not reply (the lease keeps
    ///   its current validity; retry before it ends).
    public func extend(_ lease: LockLease<C>) async throws(LockError) {
        try lease.checkHeld()
        let sentAt = clock.now
        let extended: Bool
        do {
            extended = try await connection.compareAndExtend(lease.key, owner: lease.owner, ttl: lease.ttl)
        } catch {
            record { $0.storeErrors += 1 }
            throw .storeUnavailable(key: lease.key)
        }
        guard confirm(extended, lease, sentAt: sentAt) else {
            throw .lost(key: lease.key, fencingToken: lease.fencingToken)
        }
    }

    /// Applies a renewal reply; returns whether the lease is still held.
    private func confirm(_ extended: Bool, _ lease: LockLease<C>, sentAt: C.Instant) -> Bool {
        guard extended else {
            lease.markLost(.rejectedByStore)
            record { $0.renewalsRefused += 1 }
            return false
        }
        let validUntil = sentAt.advanced(by: lease.ttl - configuration.drift(for: lease.ttl))
        guard lease.confirmRenewal(validUntil: validUntil, now: clock.now) else { return false }
        record { $0.renewals += 1 }
        return true
    }

    /// The renewal watchdog: renews `lease` every `renewalInterval` (counted from the last
    /// confirmed renewal's send time) until the calling task is cancelled, the lease is
    /// released, or it is lost. Run it as a child task next to the work the lease
    /// protects, and cancel it before releasing (``withLock(_:ttl:maxWait:_:)`` does).
    ///
    /// Each renewal is cut off when the lease's validity ends; a renewal that fails
    /// without reply is retried after `initialDelay`, as long as validity remains.
    public func keepAlive(_ lease: LockLease<C>) async {
        let interval = configuration.renewalInterval(for: lease.ttl)
        var next = lease.acquiredAt.advanced(by: interval)
        while true {
            do { try await clock.sleep(until: next, tolerance: nil) } catch { return }
            guard lease.isHeld else { return }
            let deadline = lease.validUntil
            let sentAt = clock.now
            let connection = self.connection
            let outcome = await clock.lockCall(before: deadline) {
                try await connection.compareAndExtend(lease.key, owner: lease.owner, ttl: lease.ttl)
            }
            switch outcome {
            case .cancelled:
                return
            case .replied(let extended):
                guard confirm(extended, lease, sentAt: sentAt) else { return }
                next = sentAt.advanced(by: interval)
            case .failed:
                if Task.isCancelled { return }
                record { $0.storeErrors += 1 }
                next = Swift.min(clock.now.advanced(by: configuration.initialDelay), deadline)
            case .deadlinePassed:
                if Task.isCancelled { return }
                lease.markLost(.validityElapsed)
                return
            }
        }
    }

    // MARK: Release

    /// Releases `lease` by compare-and-delete. Afterwards the lease is no longer held,
    /// whatever the outcome.
    ///
    /// - Throws: ``LockError/lost(key:fencingToken:)`` when the store no longer had this
    ///   owner's lock (it expired, possibly changing hands: work done under it may have
    ///   overlapped another holder's); ``LockError/storeUnavailable(key:)`` when the store
    ///   did not reply (the lock then expires by its TTL).
    ///
    /// A successful delete proves the lock was this owner's without a break since the grant
    /// (owners are never reused), even if the client's conservative validity had run out.
    public func release(_ lease: LockLease<C>) async throws(LockError) {
        let deleted: Bool
        do {
            deleted = try await connection.compareAndDelete(lease.key, owner: lease.owner)
        } catch {
            lease.markReleased(now: clock.now)
            record { $0.storeErrors += 1 }
            throw .storeUnavailable(key: lease.key)
        }
        if !deleted { lease.markLost(.rejectedByStore) }
        lease.markReleased(now: clock.now)
        record { deleted ? ($0.released += 1) : ($0.lost += 1) }
        if !deleted { throw .lost(key: lease.key, fencingToken: lease.fencingToken) }
    }

    // MARK: Scoped

    /// Acquires `key`, runs `body` while the watchdog renews the lease in a child task,
    /// then stops the watchdog and releases, and returns what `body` returned.
    ///
    /// `body` runs in the calling task (keeping the caller's isolation) and receives the
    /// lease: pass ``LockLease/fencingToken`` to the protected resource, and consult
    /// ``LockLease/isHeld`` before irreversible steps. The lock is released however `body`
    /// ends; cancelling the task stops `body` (cooperatively), the watchdog, and any wait.
    ///
    /// - Throws: the acquire's ``LockError``; else `body`'s error if it threw; else
    ///   ``LockError/lost(key:fencingToken:)`` if the lock was lost before the release
    ///   (the holder's work may have overlapped another's; its result is withheld). A
    ///   release without reply does not throw if the lease was still held when `body`
    ///   returned.
    public func withLock<T>(
        _ key: String, ttl: Duration? = nil, maxWait: Duration? = nil,
        _ body: (LockLease<C>) async throws -> T
    ) async throws -> T {
        let lease = try await acquire(key, ttl: ttl, maxWait: maxWait)
        let outcome: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepAlive(lease) }
            defer { group.cancelAll() }
            do { return .success(try await body(lease)) } catch { return .failure(error) }
        }
        let heldAtEnd = lease.isHeld
        var releaseError: LockError?
        do { try await release(lease) } catch { releaseError = error }
        let value = try outcome.get()
        switch releaseError {
        case nil: return value
        case .storeUnavailable? where heldAtEnd: return value
        default: throw LockError.lost(key: key, fencingToken: lease.fencingToken)
        }
    }
}

extension LockClient where Random == SystemRandomNumberGenerator {
    /// A production client drawing its identity and jitter from the system's generator.
    public convenience init(connection: Connection, clock: C, configuration: Configuration = .standard) {
        self.init(connection: connection, clock: clock, configuration: configuration, random: SystemRandomNumberGenerator())
    }
}
