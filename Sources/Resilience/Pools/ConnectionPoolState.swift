/// A connection checked out of a pool. Give it back exactly once with
/// ``ConnectionPool/release(_:discard:)`` or ``ConnectionPoolState/release(_:at:discard:)``;
/// a second release of the same lease is refused (the connection may by then belong to
/// someone else).
public struct ConnectionLease<Connection, Instant: InstantProtocol> {
    /// The connection.
    public let connection: Connection
    /// The pool's number for the physical connection (stable over its reuses).
    public let connectionID: UInt64
    /// The number of this checkout (unique over the pool's life).
    public let leaseID: UInt64
    /// When the connection was opened.
    public let createdAt: Instant
    /// When this checkout began.
    public let acquiredAt: Instant
    /// Where the pool keeps this checkout (``ConnectionPoolState/LeaseTable``).
    @usableFromInline let place: Int

    @inlinable init(connection: Connection, connectionID: UInt64, leaseID: UInt64, createdAt: Instant, acquiredAt: Instant, place: Int) {
        self.connection = connection
        self.connectionID = connectionID
        self.leaseID = leaseID
        self.createdAt = createdAt
        self.acquiredAt = acquiredAt
        self.place = place
    }
}

extension ConnectionLease: Sendable where Connection: Sendable {}

/// A lease held longer than the pool's `leakDetectionThreshold` (HikariCP's "apparent
/// connection leak detected"), reported once per lease.
public struct ConnectionLeak<Instant: InstantProtocol>: Sendable, Hashable {
    /// The physical connection.
    public let connectionID: UInt64
    /// The checkout that has not come back.
    public let leaseID: UInt64
    /// When the checkout began.
    public let acquiredAt: Instant
    /// How long it had been held when detected.
    public let heldFor: Duration

    @inlinable init(connectionID: UInt64, leaseID: UInt64, acquiredAt: Instant, heldFor: Duration) {
        self.connectionID = connectionID
        self.leaseID = leaseID
        self.acquiredAt = acquiredAt
        self.heldFor = heldFor
    }
}

/// Counters and gauges of a connection pool (Go's `sql.DBStats`, plus HikariCP's).
public struct ConnectionPoolStatistics: Sendable, Hashable {
    /// Connections established now, in use or idle (Go's `OpenConnections` minus those
    /// still being opened).
    public var open = 0
    /// Connections being opened now (they count against `maxOpen`).
    public var opening = 0
    /// Connections held by callers now (Go's `InUse`).
    public var inUse = 0
    /// Connections idle now (Go's `Idle`).
    public var idle = 0
    /// Callers waiting now.
    public var waiters = 0
    /// Most connections ever open or being opened at once.
    public var maxOpenSeen = 0
    /// Connections opened successfully.
    public var opened = 0
    /// Opens that failed.
    public var openFailures = 0
    /// Acquires that had to wait (Go's `WaitCount`).
    public var waitCount = 0
    /// Total time callers spent waiting, whatever the outcome (Go's `WaitDuration`).
    public var totalWait: Duration = .zero
    /// Longest single wait.
    public var maxWait: Duration = .zero
    /// Acquires that gave up because their wait limit passed.
    public var timeouts = 0
    /// Acquires abandoned by cancelled callers.
    public var cancellations = 0
    /// Connections closed because they reached `maxLifetime` (Go's `MaxLifetimeClosed`).
    public var closedForLifetime = 0
    /// Idle connections closed after `idleTimeout` (Go's `MaxIdleTimeClosed`).
    public var closedForIdleTimeout = 0
    /// Connections closed on release because `maxIdle` were already idle (Go's
    /// `MaxIdleClosed`).
    public var closedForMaxIdle = 0
    /// Connections the holder released as broken.
    public var discarded = 0
    /// Leases reported as leaks.
    public var leaks = 0
    /// Waiters dropped by the queue discipline (CoDel) after waiting past its limit.
    public var shed = 0

    /// All zero.
    @inlinable public init() {}
}

/// The pure state machine of a connection pool with Go `database/sql` and HikariCP
/// semantics: no clock, no tasks, no locks. The caller passes the current instant to
/// every method and carries out the returned ``Actions`` (resume a waiter, open or
/// close connections) outside any lock. ``ConnectionPool`` is the async wrapper; a
/// simulation actor may hold this struct directly.
///
/// - **Slots.** Connections open, idle, in use or being opened never exceed `maxOpen`
///   (0 = unlimited). Opens are the pool's, not a caller's: a caller who times out or is
///   cancelled while a connection is being opened for it leaves nothing behind (the new
///   connection goes to the next waiter, or idle).
/// - **Reuse.** An acquire takes the most recently returned idle connection (LIFO, as
///   current Go does, so surplus connections age out through `idleTimeout`). A
///   connection that reached `maxLifetime` is closed instead, before reuse and on
///   release (lazily, as Go does), and the next idle one is tried (Go returns
///   `ErrBadConn` and retries the whole acquire); it is never handed out.
/// - **Waiting.** With no idle connection the caller waits, served in the configuration's
///   ``QueueDiscipline`` order: FIFO by default (HikariCP's fair hand-off; unlike Go,
///   which hands a freed connection to a random waiter), LIFO, or CoDel (adaptive LIFO,
///   shedding callers that waited past its limit: they appear in ``Actions/shed``, due
///   at housekeeping or at the next operation), and the pool
///   asks for one open per waiter that no open is already under way for, while slots
///   remain. A freed connection goes to the next waiter. Waiters leave when served, when
///   their deadline passes (``timeOut(_:at:)`` or housekeeping) or when cancelled
///   (``cancel(_:at:)``).
/// - **Failed opens.** A failed open frees its slot and its error goes to the
///   longest-waiting caller (Go's behaviour): each failure ends one wait, so a database
///   that refuses connections cannot make the pool spin. Refilling `minIdle` after a
///   failure waits `refillRetryInterval`.
/// - **Housekeeping.** ``housekeep(at:)`` closes idle connections past `idleTimeout`
///   (oldest first, keeping `minIdle`) or `maxLifetime`, times out waiters with a
///   deadline, reports leaks and refills `minIdle`. Call it once at start and again at
///   ``nextHousekeepingInstant`` (each ``Actions`` also says, in `housekeepingDue`, the
///   earliest new instant the operation created).
public struct ConnectionPoolState<Connection, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// A lease of this pool.
    public typealias Lease = ConnectionLease<Connection, Instant>

    /// Identifies one waiting acquire. Unique among live waiters; ``makeWaiterID()``
    /// hands out fresh ones.
    public struct WaiterID: Hashable, Sendable, CustomStringConvertible {
        /// The number.
        public let rawValue: UInt64
        /// A waiter id with the given number.
        @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
        /// "waiter#n".
        public var description: String { "waiter#\(rawValue)" }
    }

    /// A waiter to resume, with what it gets.
    public struct HandOff {
        /// The waiter.
        public let waiter: WaiterID
        /// Its lease, or why it gets none.
        public let result: Result<Lease, ConnectionPoolError>

        @inlinable init(waiter: WaiterID, result: Result<Lease, ConnectionPoolError>) {
            self.waiter = waiter
            self.result = result
        }
    }

    /// What the caller must do after an operation, outside any lock, in this order:
    /// resume the waiters, close the connections, start the opens.
    public struct Actions {
        /// A waiter served (or failed) by this operation.
        public var handOff: HandOff?
        /// Waiters whose deadline passed (housekeeping): resume them with
        /// ``ConnectionPoolError/timedOut``.
        public var timedOut: [WaiterID] = []
        /// Waiters the queue discipline dropped (CoDel): resume them with
        /// ``ConnectionPoolError/shed``.
        public var shed: [WaiterID] = []
        /// Connections to close.
        public var close: [Connection] = []
        /// Connections to start opening; report each outcome with
        /// ``ConnectionPoolState/opened(_:at:)`` or ``ConnectionPoolState/openFailed(_:at:)``.
        public var open = 0
        /// Leases newly detected as leaks (housekeeping).
        public var leaks: [ConnectionLeak<Instant>] = []
        /// The earliest instant, created by this operation, at which housekeeping has work
        /// (a new lease's leak threshold, an idle connection's timeout or lifetime, a
        /// waiter's deadline). Run housekeeping no later than this.
        public var housekeepingDue: Instant?

        /// Nothing to do.
        @inlinable public init() {}

        /// Whether there is nothing to do.
        public var isEmpty: Bool {
            handOff == nil && timedOut.isEmpty && shed.isEmpty && close.isEmpty && open == 0 && leaks.isEmpty
        }

        @inlinable mutating func due(_ instant: Instant?) {
            guard let instant else { return }
            if let current = housekeepingDue, current <= instant { return }
            housekeepingDue = instant
        }
    }

    /// The result of ``acquire(for:at:timeout:)``.
    public enum AcquireOutcome {
        /// An idle connection, handed over at once.
        case leased(Lease)
        /// The caller waits; it will appear in a ``HandOff`` (or `timedOut`), unless it
        /// leaves first through ``timeOut(_:at:)`` or ``cancel(_:at:)``.
        case waiting
        /// No connection and no wait (the pool is shut down, or the timeout was zero).
        case failed(ConnectionPoolError)
    }

    @usableFromInline struct IdleConnection {
        @usableFromInline var connection: Connection
        @usableFromInline var id: UInt64
        @usableFromInline var createdAt: Instant
        @usableFromInline var idleSince: Instant

        @inlinable init(connection: Connection, id: UInt64, createdAt: Instant, idleSince: Instant) {
            self.connection = connection
            self.id = id
            self.createdAt = createdAt
            self.idleSince = idleSince
        }
    }

    @usableFromInline struct LeasedConnection {
        @usableFromInline var connection: Connection
        @usableFromInline var connectionID: UInt64
        @usableFromInline var leaseID: UInt64
        @usableFromInline var createdAt: Instant
        @usableFromInline var acquiredAt: Instant
        @usableFromInline var leakReported = false

        @inlinable init(connection: Connection, connectionID: UInt64, leaseID: UInt64, createdAt: Instant, acquiredAt: Instant) {
            self.connection = connection
            self.connectionID = connectionID
            self.leaseID = leaseID
            self.createdAt = createdAt
            self.acquiredAt = acquiredAt
        }
    }

    @usableFromInline struct Waiter {
        @usableFromInline var id: WaiterID
        @usableFromInline var enqueuedAt: Instant
        @usableFromInline var deadline: Instant?

        @inlinable init(id: WaiterID, enqueuedAt: Instant, deadline: Instant?) {
            self.id = id
            self.enqueuedAt = enqueuedAt
            self.deadline = deadline
        }
    }

    /// The pool's configuration.
    public let configuration: ConnectionPoolConfiguration
    @usableFromInline let maxIdle: Int
    @usableFromInline let minIdle: Int
    /// Most recently returned last.
    @usableFromInline var idle: [IdleConnection] = []
    @usableFromInline var leases = LeaseTable()
    @usableFromInline var waiters: DisciplinedQueue<Waiter, Instant>
    @usableFromInline var opening = 0
    @usableFromInline var nextConnectionID: UInt64 = 0
    @usableFromInline var nextLeaseID: UInt64 = 0
    @usableFromInline var nextWaiter: UInt64 = 0
    @usableFromInline var lastOpenFailure: Instant?
    @usableFromInline var counters = ConnectionPoolStatistics()
    @usableFromInline var _isShutDown = false
    /// Whether ``shutdown(at:)`` was called.
    @inlinable public var isShutDown: Bool { _isShutDown }

    /// An empty pool (no connection is opened until the first acquire or housekeeping).
    public init(_ configuration: ConnectionPoolConfiguration) {
        self.configuration = configuration
        maxIdle = configuration.effectiveMaxIdle
        minIdle = configuration.effectiveMinIdle
        waiters = DisciplinedQueue(configuration.queueDiscipline)
    }

    /// Current gauges and counters.
    @inlinable public var statistics: ConnectionPoolStatistics {
        var statistics = counters
        statistics.idle = idle.count
        statistics.inUse = leases.count
        statistics.open = idle.count + leases.count
        statistics.opening = opening
        statistics.waiters = waiters.count
        return statistics
    }

    /// Whether, after shutdown, every connection is back and closed or being closed, and
    /// no open is under way.
    @inlinable public var isDrained: Bool { isShutDown && leases.isEmpty && opening == 0 && idle.isEmpty }

    /// A fresh waiter id.
    @inlinable public mutating func makeWaiterID() -> WaiterID {
        nextWaiter += 1
        return WaiterID(rawValue: nextWaiter)
    }

    // MARK: Acquire

    /// Asks for a connection for `waiter` at `now`.
    ///
    /// Hands over the most recently returned idle connection that has not reached
    /// `maxLifetime` (closing those that have), or enqueues the waiter and asks
    /// for an open if a slot is free and no open already serves it.
    ///
    /// - Parameters:
    ///   - waiter: a fresh id (see ``makeWaiterID()``).
    ///   - now: the current instant.
    ///   - timeout: how long the caller may wait, enforced by ``housekeep(at:)``; pass
    ///     `nil` when the caller enforces it (as ``ConnectionPool`` does, calling
    ///     ``timeOut(_:at:)``) or waits without limit. Zero fails at once with
    ///     ``ConnectionPoolError/timedOut`` when no idle connection is ready.
    @inlinable public mutating func acquire(for waiter: WaiterID, at now: Instant, timeout: Duration?) -> (AcquireOutcome, Actions) {
        var actions = Actions()
        if isShutDown { return (.failed(.shutDown), actions) }
        shedWaiters(at: now, into: &actions)
        while let candidate = idle.popLast() {
            if isExpired(createdAt: candidate.createdAt, at: now) {
                counters.closedForLifetime += 1
                actions.close.append(candidate.connection)
                continue
            }
            let lease = checkOut(candidate.connection, id: candidate.id, createdAt: candidate.createdAt, at: now, actions: &actions)
            fill(at: now, into: &actions)
            return (.leased(lease), actions)
        }
        if let timeout, timeout <= .zero {
            counters.timeouts += 1
            fill(at: now, into: &actions)
            return (.failed(.timedOut), actions)
        }
        let deadline = timeout.map { now.advanced(by: $0) }
        waiters.append(Waiter(id: waiter, enqueuedAt: now, deadline: deadline), at: now)
        counters.waitCount += 1
        actions.due(deadline)
        actions.due(waiters.nextShedInstant)
        fill(at: now, into: &actions)
        return (.waiting, actions)
    }

    /// Removes `waiter` because its wait limit passed. Returns `false` when it is no
    /// longer waiting (it was served or failed first: its hand-off stands).
    @inlinable public mutating func timeOut(_ waiter: WaiterID, at now: Instant) -> Bool {
        guard let removed = waiters.remove(where: { $0.id == waiter }) else { return false }
        counters.timeouts += 1
        recordWait(from: removed.enqueuedAt, to: now)
        return true
    }

    /// Removes `waiter` because its task was cancelled. Returns `false` when it is no
    /// longer waiting (it was served or failed first: its hand-off stands).
    @inlinable public mutating func cancel(_ waiter: WaiterID, at now: Instant) -> Bool {
        guard let removed = waiters.remove(where: { $0.id == waiter }) else { return false }
        counters.cancellations += 1
        recordWait(from: removed.enqueuedAt, to: now)
        return true
    }

    // MARK: Release

    /// Gives back a leased connection at `now`.
    ///
    /// A connection released as broken (`discard`), past `maxLifetime`, or after
    /// shutdown is closed, freeing its slot for a waiter's open. Otherwise it goes to the
    /// first waiter, or becomes idle (closed instead if `maxIdle` are already idle).
    ///
    /// - Throws: ``ConnectionPoolError/notLeased`` when `lease` is not the current
    ///   checkout of its connection (a double or stale release); nothing changes.
    @inlinable public mutating func release(_ lease: Lease, at now: Instant, discard: Bool = false) throws(ConnectionPoolError) -> Actions {
        guard let held = leases.loan(at: lease.place, connectionID: lease.connectionID, leaseID: lease.leaseID) else {
            throw .notLeased
        }
        leases.remove(at: lease.place)
        var actions = Actions()
        if discard || isShutDown || isExpired(createdAt: held.createdAt, at: now) {
            if discard {
                counters.discarded += 1
            } else if !isShutDown {
                counters.closedForLifetime += 1
            }
            actions.close.append(held.connection)
            fill(at: now, into: &actions)
            return actions
        }
        reuse(held.connection, id: lease.connectionID, createdAt: held.createdAt, at: now, actions: &actions)
        fill(at: now, into: &actions)
        return actions
    }

    // MARK: Opening

    /// Reports that one of the requested opens produced `connection` at `now`: it goes to
    /// the first waiter, or idle (closed if the pool is shut down or `maxIdle` are idle).
    @inlinable public mutating func opened(_ connection: Connection, at now: Instant) -> Actions {
        // Opens are the pool's own requests (``Actions/open``): a report without one is
        // a bug in the driver's bookkeeping, which no configuration reaches.
        precondition(opening > 0, "opened(_:at:) without a requested open")
        opening -= 1
        counters.opened += 1
        lastOpenFailure = nil
        nextConnectionID += 1
        var actions = Actions()
        if isShutDown {
            actions.close.append(connection)
            return actions
        }
        reuse(connection, id: nextConnectionID, createdAt: now, at: now, actions: &actions)
        fill(at: now, into: &actions)
        return actions
    }

    /// Reports that one of the requested opens failed at `now`: its slot is free again,
    /// the next waiter in line (the longest-waiting, in FIFO order) gets
    /// ``ConnectionPoolError/openFailed(_:)``, and opens
    /// are requested for the remaining waiters (not for `minIdle`, which waits
    /// `refillRetryInterval`).
    @inlinable public mutating func openFailed(_ error: any Error, at now: Instant) -> Actions {
        // As in opened(_:at:): an invariant of the driver's bookkeeping, not input.
        precondition(opening > 0, "openFailed(_:at:) without a requested open")
        opening -= 1
        counters.openFailures += 1
        lastOpenFailure = now
        var actions = Actions()
        shedWaiters(at: now, into: &actions)
        if let first = waiters.next(at: now)?.element {
            recordWait(from: first.enqueuedAt, to: now)
            actions.handOff = HandOff(waiter: first.id, result: .failure(.openFailed(error)))
        }
        fill(at: now, into: &actions)
        if let lastOpenFailure, minIdle > 0, !isShutDown {
            actions.due(lastOpenFailure.advanced(by: configuration.refillRetryInterval))
        }
        return actions
    }

    // MARK: Housekeeping

    /// The earliest instant at which ``housekeep(at:)`` has work: an idle connection's
    /// timeout or lifetime, a waiter's deadline, a lease's leak threshold, or a `minIdle`
    /// refill after a failed open. `nil` when there is none. O(idle + leased + waiters).
    @inlinable public var nextHousekeepingInstant: Instant? {
        var next: Instant?
        func consider(_ instant: Instant?) {
            guard let instant else { return }
            if let current = next, current <= instant { return }
            next = instant
        }
        if isShutDown { return nil }
        for waiter in waiters.elements { consider(waiter.deadline) }
        consider(waiters.nextShedInstant)
        if let idleTimeout = configuration.idleTimeout, idle.count > minIdle {
            consider(idle[0].idleSince.advanced(by: idleTimeout))
        }
        if let maxLifetime = configuration.maxLifetime {
            for connection in idle { consider(connection.createdAt.advanced(by: maxLifetime)) }
        }
        if let threshold = configuration.leakDetectionThreshold {
            for (_, lease) in leases.loans where !lease.leakReported { consider(lease.acquiredAt.advanced(by: threshold)) }
        }
        if let lastOpenFailure, minIdle > 0, idle.count + opening < minIdle, hasFreeSlot {
            consider(lastOpenFailure.advanced(by: configuration.refillRetryInterval))
        }
        return next
    }

    /// Does the pool's timed work due at `now`: times out waiters past their deadline,
    /// sheds waiters past the queue discipline's limit,
    /// closes idle connections past `maxLifetime` and, oldest first while more than
    /// `minIdle` are idle, past `idleTimeout`; reports leases held past
    /// `leakDetectionThreshold` (once each, oldest first); refills `minIdle` (after a
    /// failed open, only once `refillRetryInterval` has passed).
    @inlinable public mutating func housekeep(at now: Instant) -> Actions {
        var actions = Actions()
        if isShutDown { return actions }
        for waiter in waiters.removeAll(where: { $0.deadline.map { $0 <= now } ?? false }) {
            counters.timeouts += 1
            recordWait(from: waiter.enqueuedAt, to: now)
            actions.timedOut.append(waiter.id)
        }
        shedWaiters(at: now, into: &actions)
        if configuration.maxLifetime != nil {
            var index = 0
            while index < idle.count {
                if isExpired(createdAt: idle[index].createdAt, at: now) {
                    counters.closedForLifetime += 1
                    actions.close.append(idle.remove(at: index).connection)
                } else {
                    index += 1
                }
            }
        }
        if let idleTimeout = configuration.idleTimeout {
            while idle.count > minIdle, idle[0].idleSince.advanced(by: idleTimeout) <= now {
                counters.closedForIdleTimeout += 1
                actions.close.append(idle.removeFirst().connection)
            }
        }
        if let threshold = configuration.leakDetectionThreshold {
            var found: [(place: Int, leak: ConnectionLeak<Instant>)] = []
            for (place, lease) in leases.loans where !lease.leakReported && lease.acquiredAt.advanced(by: threshold) <= now {
                found.append((place, ConnectionLeak(connectionID: lease.connectionID, leaseID: lease.leaseID,
                                                    acquiredAt: lease.acquiredAt, heldFor: lease.acquiredAt.duration(to: now))))
            }
            // Places are reused: report in checkout order.
            found.sort { $0.leak.leaseID < $1.leak.leaseID }
            for (place, _) in found { leases.markLeakReported(at: place) }
            counters.leaks += found.count
            actions.leaks = found.map(\.leak)
        }
        fill(at: now, into: &actions)
        actions.due(nextHousekeepingInstant)
        return actions
    }

    // MARK: Shutdown

    /// Shuts the pool down at `now`: every waiter is to be failed with
    /// ``ConnectionPoolError/shutDown`` (returned, in FIFO order) and every idle
    /// connection closed; connections in use are closed when released, and connections
    /// still being opened when they arrive. Later acquires fail with `.shutDown`.
    @inlinable public mutating func shutdown(at now: Instant) -> (waiters: [WaiterID], close: [Connection]) {
        _isShutDown = true
        var failed: [WaiterID] = []
        for waiter in waiters.removeAll() {
            recordWait(from: waiter.enqueuedAt, to: now)
            failed.append(waiter.id)
        }
        let closing = idle.map(\.connection)
        idle.removeAll()
        return (failed, closing)
    }

    // MARK: Internals

    @inlinable var hasFreeSlot: Bool {
        configuration.maxOpen == 0 || idle.count + leases.count + opening < configuration.maxOpen
    }

    @inlinable func isExpired(createdAt: Instant, at now: Instant) -> Bool {
        guard let maxLifetime = configuration.maxLifetime else { return false }
        return createdAt.duration(to: now) >= maxLifetime
    }

    @inlinable mutating func checkOut(_ connection: Connection, id: UInt64, createdAt: Instant, at now: Instant, actions: inout Actions) -> Lease {
        nextLeaseID += 1
        let place = leases.insert(LeasedConnection(connection: connection, connectionID: id, leaseID: nextLeaseID,
                                                   createdAt: createdAt, acquiredAt: now))
        if let threshold = configuration.leakDetectionThreshold { actions.due(now.advanced(by: threshold)) }
        return Lease(connection: connection, connectionID: id, leaseID: nextLeaseID, createdAt: createdAt, acquiredAt: now, place: place)
    }

    /// A usable connection became free: next waiter, else idle, else closed.
    @inlinable mutating func reuse(_ connection: Connection, id: UInt64, createdAt: Instant, at now: Instant, actions: inout Actions) {
        shedWaiters(at: now, into: &actions)
        if let first = waiters.next(at: now)?.element {
            recordWait(from: first.enqueuedAt, to: now)
            let lease = checkOut(connection, id: id, createdAt: createdAt, at: now, actions: &actions)
            actions.handOff = HandOff(waiter: first.id, result: .success(lease))
        } else if idle.count < maxIdle {
            idle.append(IdleConnection(connection: connection, id: id, createdAt: createdAt, idleSince: now))
            if let idleTimeout = configuration.idleTimeout, idle.count > minIdle {
                actions.due(idle[0].idleSince.advanced(by: idleTimeout))
            }
            if let maxLifetime = configuration.maxLifetime { actions.due(createdAt.advanced(by: maxLifetime)) }
        } else {
            counters.closedForMaxIdle += 1
            actions.close.append(connection)
        }
    }

    /// Requests opens for waiters no open serves yet and for the `minIdle` deficit (the
    /// latter not until `refillRetryInterval` after a failed open), while slots remain.
    @inlinable mutating func fill(at now: Instant, into actions: inout Actions) {
        guard !isShutDown else { return }
        var wanted = waiters.count
        let refillAllowed = lastOpenFailure.map { $0.advanced(by: configuration.refillRetryInterval) <= now } ?? true
        if refillAllowed { wanted += Swift.max(0, minIdle - idle.count) }
        while opening < wanted && hasFreeSlot {
            opening += 1
            actions.open += 1
        }
        counters.maxOpenSeen = Swift.max(counters.maxOpenSeen, idle.count + leases.count + opening)
    }

    /// Drops the waiters the queue discipline sheds at `now` (CoDel only).
    @inlinable mutating func shedWaiters(at now: Instant, into actions: inout Actions) {
        for waiter in waiters.shed(at: now) {
            counters.shed += 1
            recordWait(from: waiter.enqueuedAt, to: now)
            actions.shed.append(waiter.id)
        }
        actions.due(waiters.nextShedInstant)
    }

    @inlinable mutating func recordWait(from start: Instant, to now: Instant) {
        let waited = start.duration(to: now)
        counters.totalWait += waited
        if waited > counters.maxWait { counters.maxWait = waited }
    }
}

extension ConnectionPoolState: Sendable where Connection: Sendable {}
extension ConnectionPoolState.HandOff: Sendable where Connection: Sendable {}
extension ConnectionPoolState.Actions: Sendable where Connection: Sendable {}
extension ConnectionPoolState.AcquireOutcome: Sendable where Connection: Sendable {}
extension ConnectionPoolState.IdleConnection: Sendable where Connection: Sendable {}
extension ConnectionPoolState.LeasedConnection: Sendable where Connection: Sendable {}
extension ConnectionPoolState.Waiter: Sendable {}
