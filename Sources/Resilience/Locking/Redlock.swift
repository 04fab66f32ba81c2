import Synchronization

/// Redlock: one lock over N independent stores (Redis's recommendation is 5 masters),
/// held when a majority granted it within the TTL.
///
/// An attempt sends `SET key owner NX PX ttl` with one owner to every store at once
/// (Redis's description sends them in turn and recommends multiplexing), each command cut
/// off after `storeTimeout`, so a dead store costs little of the TTL. The lock is held
/// when at least `N/2 + 1` stores granted it and the validity
/// `ttl − elapsed − drift` (`drift = ttl·driftFactor + minimumDrift`) is still positive;
/// otherwise the attempt releases the key on every store that granted it or did not reply
/// (its `SET` may have landed; Redis's description releases on all stores, but one that
/// replied "held" holds nothing of ours) and retries after a jittered backoff (see
/// ``LockClient``), until `maxWait`.
///
/// **No fencing token.** The stores' counters are independent, so no value drawn from a
/// majority of them is guaranteed to increase from one holder to the next (Kleppmann's
/// critique): a ``RedlockLease`` carries none. Redlock's safety rests on timing
/// assumptions (bounded pauses, network delay and clock drift); where a paused holder
/// must not corrupt data, use one store with fencing (``LockClient`` + ``FencedResource``).
/// There is no renewal here either: keep critical sections well inside the validity.
public final class Redlock<C: Clock, Connection: LockStoreConnection, Random: RandomNumberGenerator & Sendable>: Sendable
where C.Duration == Duration {
    /// Timing of Redlock acquisitions.
    public struct Configuration: Sendable, Equatable {
        /// Lease length on each store (default 10 s, the example of Redis's description).
        public private(set) var ttl: Duration
        /// How long an acquire keeps retrying (default 10 s); `.zero` makes one attempt.
        public private(set) var maxWait: Duration
        /// Per-store cut-off of a command, small next to `ttl` (default 50 ms; Redis
        /// suggests 5–50 ms for a 10 s TTL).
        public private(set) var storeTimeout: Duration
        /// First retry delay (default 50 ms).
        public private(set) var initialDelay: Duration
        /// Cap on a retry delay (default 1 s).
        public private(set) var maxDelay: Duration
        /// Clock drift as a fraction of the TTL (default 0.01).
        public private(set) var driftFactor: Double
        /// Fixed drift allowance (default 2 ms).
        public private(set) var minimumDrift: Duration

        /// A configuration; every parameter has the default documented on its property.
        ///
        /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
        public init(
            ttl: Duration = .seconds(10),
            maxWait: Duration = .seconds(10),
            storeTimeout: Duration = .milliseconds(50),
            initialDelay: Duration = .milliseconds(50),
            maxDelay: Duration = .seconds(1),
            driftFactor: Double = 0.01,
            minimumDrift: Duration = .milliseconds(2)
        ) throws(ConfigurationError) {
            let check = ConfigurationCheck("Redlock.Configuration")
            try check.require(ttl > .zero, "ttl", "> 0", ttl)
            try check.require(storeTimeout > .zero, "storeTimeout", "> 0", storeTimeout)
            try check.requireLockRetry(maxWait: maxWait, initialDelay: initialDelay, maxDelay: maxDelay)
            try check.requireLockDrift(ttl: ttl, driftFactor: driftFactor, minimumDrift: minimumDrift)
            self.ttl = ttl
            self.maxWait = maxWait
            self.storeTimeout = storeTimeout
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.driftFactor = driftFactor
            self.minimumDrift = minimumDrift
        }

        /// The drift allowance for a lease of `ttl`.
        public var drift: Duration { LockTiming.drift(ttl: ttl, driftFactor: driftFactor, minimumDrift: minimumDrift) }

        /// The defaults documented on the properties.
        // `try!`: constant, valid arguments; the initialiser cannot throw for them.
        public static var redlock: Configuration { try! Configuration() }
    }

    /// Counters describing the lock's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Acquires that returned a lease.
        public var acquired = 0
        /// Attempts (one command per store each).
        public var attempts = 0
        /// Attempts that got fewer than a majority of grants.
        public var noQuorum = 0
        /// Attempts that got a majority too late (no validity left).
        public var tooSlow = 0
        /// Acquires that gave up at the wait limit.
        public var gaveUp = 0
    }

    /// One connection per independent store.
    public let connections: [Connection]
    /// The client's clock.
    public let clock: C
    /// Timing of acquisitions.
    public let configuration: Configuration
    /// This client's identity in the ``LockOwner`` values it makes.
    public let clientID: UInt64
    private let state: Mutex<LockClientState<Random, Statistics>>

    /// Stores needed for a lock: `N/2 + 1`.
    public var quorum: Int { connections.count / 2 + 1 }

    /// Redlock over `connections` (at least one; an odd number, such as 5, is usual).
    /// `random` supplies retry jitter and, when `clientID` is `nil`, the client's identity.
    ///
    /// - Throws: ``ConfigurationError`` when `connections` is empty.
    public init(connections: [Connection], clock: C, configuration: Configuration = .redlock,
                clientID: UInt64? = nil, random: Random) throws(ConfigurationError) {
        try ConfigurationCheck("Redlock").require(!connections.isEmpty, "connections", "at least one store", "none")
        var random = random
        self.clientID = clientID ?? random.next()
        self.connections = connections
        self.clock = clock
        self.configuration = configuration
        state = Mutex(LockClientState(random: random, statistics: Statistics()))
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Acquires `key` on a majority of the stores, retrying until `maxWait` (default: the
    /// configuration's).
    ///
    /// - Throws: ``LockError/timedOut(key:)`` when some store replied but no attempt won,
    ///   ``LockError/storeUnavailable(key:)`` when no store ever replied,
    ///   ``LockError/cancelled`` when the task was cancelled (the attempt in flight is
    ///   then released on every store that may hold it).
    public func acquire(_ key: String, maxWait: Duration? = nil) async throws(LockError) -> RedlockLease<C> {
        let ttl = configuration.ttl
        let deadline = clock.now.advanced(by: maxWait ?? configuration.maxWait)
        var retries = 0
        var gotReply = false
        while true {
            if Task.isCancelled { throw .cancelled }
            let owner = state.withLock { state in
                state.statistics.attempts += 1
                return state.nextOwner(client: clientID)
            }
            let start = clock.now
            let (granted, replies, suspects) = await lockAll(key, owner: owner, ttl: ttl,
                                                             cutOff: start.advanced(by: configuration.storeTimeout))
            gotReply = gotReply || replies > 0
            let validUntil = start.advanced(by: ttl - configuration.drift)
            let now = clock.now
            if granted >= quorum, now < validUntil, !Task.isCancelled {
                state.withLock { $0.statistics.acquired += 1 }
                return RedlockLease(key: key, owner: owner, acquiredAt: start, validUntil: validUntil,
                                    grantedBy: granted, clock: clock)
            }
            if granted < quorum {
                state.withLock { $0.statistics.noQuorum += 1 }
            } else if now >= validUntil {
                state.withLock { $0.statistics.tooSlow += 1 }
            }
            _ = await unlockAll(key, owner: owner, indices: suspects)
            if Task.isCancelled { throw .cancelled }
            if clock.now >= deadline {
                state.withLock { $0.statistics.gaveUp += 1 }
                throw gotReply ? .timedOut(key: key) : .storeUnavailable(key: key)
            }
            retries += 1
            let delay = state.withLock {
                $0.backoff(retry: retries, initialDelay: configuration.initialDelay, maxDelay: configuration.maxDelay)
            }
            let wake = Swift.min(clock.now.advanced(by: delay), deadline)
            do { try await clock.sleep(until: wake, tolerance: nil) } catch { throw .cancelled }
        }
    }

    /// Releases `lease` on every store and returns how many still held it and deleted it
    /// (fewer than ``quorum`` means the lease had lapsed or been taken on most stores).
    @discardableResult
    public func release(_ lease: RedlockLease<C>) async -> Int {
        await unlockAll(lease.key, owner: lease.owner, indices: Array(connections.indices))
    }

    /// Sends `SET NX PX` to every store at once, cutting off at `cutOff` the stores that
    /// have not replied. Returns the number of grants and replies, and which stores may hold
    /// the lock (granted, or no reply: the command may have landed).
    private func lockAll(_ key: String, owner: LockOwner, ttl: Duration, cutOff: C.Instant)
        async -> (granted: Int, replies: Int, suspects: [Int]) {
        await withTaskGroup(of: (index: Int, reply: LockAcquisition?)?.self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask { (index, try? await connection.set(key, owner: owner, ttl: ttl)) }
            }
            // One timer for all stores; `nil` marks the cut-off.
            group.addTask {
                try? await self.clock.sleep(until: cutOff, tolerance: nil)
                return nil
            }
            var answered = Array(repeating: false, count: connections.count)
            var granted = 0, replies = 0
            var suspects: [Int] = []
            var pending = connections.count
            while pending > 0, let next = await group.next() {
                guard let (index, reply) = next else { break }
                pending -= 1
                answered[index] = true
                switch reply {
                case .granted?:
                    granted += 1
                    replies += 1
                    suspects.append(index)
                case .held?:
                    replies += 1
                case nil:
                    suspects.append(index)
                }
            }
            group.cancelAll()
            for index in answered.indices where !answered[index] { suspects.append(index) }  // cut off
            return (granted, replies, suspects.sorted())
        }
    }

    /// Sends compare-and-delete to the stores at `indices` at once, each cut off after
    /// `storeTimeout`; returns how many deleted.
    private func unlockAll(_ key: String, owner: LockOwner, indices: [Int]) async -> Int {
        guard !indices.isEmpty else { return 0 }
        let cutOff = clock.now.advanced(by: configuration.storeTimeout)
        return await withTaskGroup(of: Bool?.self) { group in
            for index in indices {
                let connection = connections[index]
                group.addTask { (try? await connection.compareAndDelete(key, owner: owner)) ?? false }
            }
            group.addTask {
                try? await self.clock.sleep(until: cutOff, tolerance: nil)
                return nil
            }
            var deleted = 0
            var pending = indices.count
            while pending > 0, let next = await group.next() {
                guard let ok = next else { break }
                pending -= 1
                if ok { deleted += 1 }
            }
            group.cancelAll()
            return deleted
        }
    }
}

extension Redlock where Random == SystemRandomNumberGenerator {
    /// A production Redlock drawing its identity and jitter from the system's generator.
    ///
    /// - Throws: ``ConfigurationError`` when `connections` is empty.
    public convenience init(connections: [Connection], clock: C, configuration: Configuration = .redlock) throws(ConfigurationError) {
        try self.init(connections: connections, clock: clock, configuration: configuration, random: SystemRandomNumberGenerator())
    }
}
