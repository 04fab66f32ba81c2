public import Synchronization

/// An async connection pool over ``ConnectionPoolState`` (Go `database/sql` and HikariCP
/// semantics: see that type for the rules), opening and closing connections with
/// user-supplied async functions.
///
/// ```swift
/// let pool = ConnectionPool(.hikari(maximumPoolSize: 20, minimumIdle: 5), clock: clock,
///                           open: { try await Database.connect() },
///                           close: { await $0.close() })
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { await pool.run() }          // background work, until cancelled
///     let rows = try await pool.withConnection { try await $0.query("…") }
///     …
/// }
/// ```
///
/// - **Background work runs in ``run()``**, in the task that calls it (like
///   PostgresNIO's `PostgresClient.run()`): opening connections (each open a child task,
///   so a slow open delays no one else), closing them, housekeeping at exactly the
///   instants it is due (idle timeout, lifetime, leaks, `minIdle` refill) and reporting
///   leaks to `onLeak`. Acquires wait for a connection until `run()` is running.
///   Cancelling the task of `run()` (or calling ``shutdown()``) shuts the pool down:
///   waiters fail with ``ConnectionPoolError/shutDown``, idle connections are closed, and
///   `run()` returns once every leased connection has come back and been closed.
/// - **Waiting.** ``acquire(timeout:)`` waits (FIFO, or the configuration's
///   `queueDiscipline`: LIFO, or CoDel, which also sheds callers that waited too long,
///   failing them with ``ConnectionPoolError/shed``) until a connection frees, its wait
///   limit passes — the smaller of `timeout` (default: the configuration's
///   `acquireTimeout`) and the task's ``TaskDeadline`` — or its task is cancelled. A
///   caller that times out or is cancelled is removed from the line at once and leaves
///   no connection or slot behind; a connection handed to it first is returned to it.
/// - **Releasing** is synchronous and cheap: connections to close are handed to `run()`.
public final class ConnectionPool<Connection: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    /// A checkout of this pool.
    public typealias Lease = ConnectionLease<Connection, C.Instant>
    /// A leak report of this pool.
    public typealias Leak = ConnectionLeak<C.Instant>
    @usableFromInline typealias Machine = ConnectionPoolState<Connection, C.Instant>
    @usableFromInline typealias WaiterID = Machine.WaiterID
    @usableFromInline typealias Outcome = Result<Lease, ConnectionPoolError>
    @usableFromInline typealias Waiting = UnsafeContinuation<Outcome, Never>

    /// The pool's configuration.
    public let configuration: ConnectionPoolConfiguration
    /// The clock for timeouts, lifetimes and wait statistics.
    public let clock: C
    @usableFromInline let openConnection: @Sendable () async throws -> Connection
    @usableFromInline let closeConnection: @Sendable (Connection) async -> Void
    @usableFromInline let onLeak: (@Sendable (Leak) -> Void)?

    /// Where a waiting acquire stands, in the wrapper: between `acquire` registering it
    /// and its task parking, a hand-off or a timeout may already have happened.
    @usableFromInline enum Slot: Sendable {
        case registered
        case parked(Waiting)
        case ready(Outcome)
    }

    @usableFromInline struct State: Sendable {
        @usableFromInline var machine: Machine
        @usableFromInline var slots: [WaiterID: Slot] = [:]
        @usableFromInline var opensToStart = 0
        @usableFromInline var closesToRun: [Connection] = []
        @usableFromInline var leaksToReport: [Leak] = []
        @usableFromInline var runner: UnsafeContinuation<Void, Never>?
        @usableFromInline var runnerWakeAt: C.Instant?
        @usableFromInline var wakePending = false
        @usableFromInline var running = false

        @inlinable init(machine: Machine) { self.machine = machine }
    }

    /// Continuations to resume once the lock is released.
    @usableFromInline struct Wakeups: Sendable {
        @usableFromInline var waiters: [(Waiting, Outcome)] = []
        @usableFromInline var runner: UnsafeContinuation<Void, Never>?

        @inlinable init() {}

        @inlinable func perform() {
            for (continuation, outcome) in waiters { continuation.resume(returning: outcome) }
            runner?.resume()
        }
    }

    private enum Step {
        case work(opens: Int, closes: [Connection], leaks: [Leak])
        case park(until: C.Instant?)
        case finished
    }

    @usableFromInline let state: Mutex<State>

    /// A pool with `configuration`, timing on `clock`.
    ///
    /// - Parameters:
    ///   - open: opens a connection; it may be slow or throw (the error goes to the
    ///     longest-waiting caller and the slot is freed). Runs in a child task of
    ///     ``run()``.
    ///   - close: closes a connection; runs in a child task of ``run()`` (during
    ///     shutdown that task is cancelled: closing should not depend on it).
    ///   - onLeak: called from ``run()`` for each lease held longer than
    ///     `leakDetectionThreshold`.
    public init(
        _ configuration: ConnectionPoolConfiguration,
        clock: C,
        open: @escaping @Sendable () async throws -> Connection,
        close: @escaping @Sendable (Connection) async -> Void,
        onLeak: (@Sendable (Leak) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        openConnection = open
        closeConnection = close
        self.onLeak = onLeak
        state = Mutex(State(machine: Machine(configuration)))
    }

    /// A snapshot of the pool's gauges and counters.
    public var statistics: ConnectionPoolStatistics { state.withLock { $0.machine.statistics } }

    // MARK: Acquiring and releasing

    /// Checks out a connection, waiting (in the configuration's ``QueueDiscipline`` order,
    /// FIFO by default) if none is idle.
    ///
    /// - Parameter timeout: the longest wait; `nil` uses the configuration's
    ///   `acquireTimeout` (which may itself be `nil`: no limit). The task's
    ///   ``TaskDeadline`` shortens it.
    /// - Throws: ``ConnectionPoolError/timedOut`` (also when the task's deadline was the
    ///   limit: the enclosing ``TaskDeadline`` scope reports ``DeadlineExceeded`` itself),
    ///   ``ConnectionPoolError/cancelled``, ``ConnectionPoolError/shutDown``,
    ///   ``ConnectionPoolError/openFailed(_:)`` or ``ConnectionPoolError/shed`` (a CoDel
    ///   discipline dropped the caller).
    @inlinable public func acquire(timeout: Duration? = nil) async throws(ConnectionPoolError) -> Lease {
        if Task.isCancelled { throw .cancelled }
        let now = clock.now
        var limit = (timeout ?? configuration.acquireTimeout).map { now.advanced(by: $0) }
        if let deadline = TaskDeadline.instant(on: clock) { limit = Swift.min(limit ?? deadline, deadline) }
        let expired = limit.map { $0 <= now } ?? false
        var wakeups = Wakeups()
        let (id, immediate) = state.withLock { state -> (WaiterID, Outcome?) in
            let id = state.machine.makeWaiterID()
            let (outcome, actions) = state.machine.acquire(for: id, at: now, timeout: expired ? .zero : nil)
            Self.absorb(actions, into: &state, wakeups: &wakeups)
            switch outcome {
            case .leased(let lease):
                return (id, .success(lease))
            case .failed(let error):
                return (id, .failure(error))
            case .waiting:
                state.slots[id] = .registered
                return (id, nil)
            }
        }
        wakeups.perform()
        if let immediate { return try immediate.get() }
        let outcome: Outcome
        if let limit {
            outcome = await clock.race(deadline: limit) {
                await self.park(id)
            } onTimeout: {
                self.abandon(id, timedOut: true)
            }
        } else {
            outcome = await park(id)
        }
        return try outcome.get()
    }

    /// Gives back a lease: to the first waiter, to the idle list, or to be closed (when
    /// `discard`ed as broken, past `maxLifetime`, beyond `maxIdle`, or after shutdown).
    ///
    /// - Returns: `false`, changing nothing, when `lease` was already released.
    @discardableResult
    @inlinable public func release(_ lease: Lease, discard: Bool = false) -> Bool {
        let now = clock.now
        var wakeups = Wakeups()
        let accepted = state.withLock { state -> Bool in
            do {
                let actions = try state.machine.release(lease, at: now, discard: discard)
                Self.absorb(actions, into: &state, wakeups: &wakeups)
                return true
            } catch {
                return false
            }
        }
        wakeups.perform()
        return accepted
    }

    /// Runs `body` with a connection and releases it afterwards, whether `body` returns
    /// or throws.
    ///
    /// - Parameter timeout: as in ``acquire(timeout:)``.
    @inlinable public func withConnection<T>(timeout: Duration? = nil, _ body: (Connection) async throws -> T) async throws -> T {
        let lease = try await acquire(timeout: timeout)
        let result: T
        do {
            result = try await body(lease.connection)
        } catch {
            release(lease)
            throw error
        }
        release(lease)
        return result
    }

    @inlinable func park(_ id: WaiterID) async -> Outcome {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: Waiting) in
                let ready = state.withLock { state -> Outcome? in
                    switch state.slots[id] {
                    case .registered:
                        state.slots[id] = .parked(continuation)
                        return nil
                    case .ready(let outcome):
                        state.slots[id] = nil
                        return outcome
                    case .parked, nil:
                        // Each acquire parks once, on the id it registered: a second park
                        // is a bug in this wrapper (an invariant), not input.
                        preconditionFailure("\(id) parked twice")
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.abandon(id, timedOut: false)
        }
    }

    /// Takes a waiter out of the line because its limit passed or it was cancelled;
    /// does nothing if it was served first.
    @inlinable func abandon(_ id: WaiterID, timedOut: Bool) {
        let now = clock.now
        var wakeups = Wakeups()
        state.withLock { state in
            let removed = timedOut ? state.machine.timeOut(id, at: now) : state.machine.cancel(id, at: now)
            if removed { Self.deliver(.failure(timedOut ? .timedOut : .cancelled), to: id, in: &state, wakeups: &wakeups) }
        }
        wakeups.perform()
    }

    // MARK: Background work

    /// Does the pool's background work until the pool is shut down and drained (see the
    /// type's documentation). Call it once, in a task that lives as long as the pool.
    public func run() async {
        let wasRunning = state.withLock { state -> Bool in
            defer { state.running = true }
            return state.running
        }
        // A caller's misuse that a correct program never does (like a second `next()`
        // on one consumer), not a configuration: it stays a precondition.
        precondition(!wasRunning, "ConnectionPool.run() must be called once")
        let start = clock.now
        var wakeups = Wakeups()
        state.withLock { state in
            Self.absorb(state.machine.housekeep(at: start), into: &state, wakeups: &wakeups)
            state.wakePending = false
        }
        wakeups.perform()
        await withDiscardingTaskGroup { group in
            while true {
                switch await nextStep() {
                case .work(let opens, let closes, let leaks):
                    if let onLeak { for leak in leaks { onLeak(leak) } }
                    for connection in closes {
                        group.addTask { await self.closeConnection(connection) }
                    }
                    for _ in 0..<opens {
                        group.addTask { await self.openOne() }
                    }
                case .park, .finished:
                    return
                }
            }
        }
    }

    /// Shuts the pool down: waiters fail with ``ConnectionPoolError/shutDown``, idle
    /// connections are closed, leased ones are closed when released; ``run()`` returns
    /// when all are closed. Cancelling the task of `run()` does the same.
    public func shutdown() {
        let now = clock.now
        var wakeups = Wakeups()
        state.withLock { state in
            Self.shutDown(&state, at: now, wakeups: &wakeups)
        }
        wakeups.perform()
    }

    /// Waits until there is background work (returned as `.work`) or the pool is
    /// drained after shutdown (`.finished`); housekeeps whenever it is due.
    private func nextStep() async -> Step {
        while true {
            let now = clock.now
            let cancelled = Task.isCancelled
            var wakeups = Wakeups()
            let step = state.withLock { state -> Step in
                if cancelled, !state.machine.isShutDown { Self.shutDown(&state, at: now, wakeups: &wakeups) }
                if let due = state.machine.nextHousekeepingInstant, due <= now {
                    Self.absorb(state.machine.housekeep(at: now), into: &state, wakeups: &wakeups)
                }
                // Everything is looked at below: a wake-up requested until now is served.
                state.wakePending = false
                if state.opensToStart > 0 || !state.closesToRun.isEmpty || !state.leaksToReport.isEmpty {
                    defer {
                        state.opensToStart = 0
                        state.closesToRun = []
                        state.leaksToReport = []
                    }
                    return .work(opens: state.opensToStart, closes: state.closesToRun, leaks: state.leaksToReport)
                }
                if state.machine.isDrained { return .finished }
                let wakeAt = state.machine.nextHousekeepingInstant
                state.runnerWakeAt = wakeAt
                return .park(until: wakeAt)
            }
            wakeups.perform()
            switch step {
            case .work, .finished:
                return step
            case .park(let wakeAt):
                if let wakeAt {
                    await clock.race(deadline: wakeAt) {
                        await self.parkRunner()
                    } onTimeout: {
                        self.wakeRunner()
                    }
                } else {
                    await parkRunner()
                }
            }
        }
    }

    private func parkRunner() async {
        if state.withLock({ $0.machine.isShutDown }) {
            // Draining after shutdown: cancellation (already delivered) must not spin us.
            await suspendRunner()
        } else {
            await withTaskCancellationHandler {
                await suspendRunner()
            } onCancel: {
                self.wakeRunner()
            }
        }
    }

    private func suspendRunner() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.wakePending {
                    state.wakePending = false
                    return true
                }
                state.runner = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func wakeRunner() {
        var wakeups = Wakeups()
        state.withLock { Self.wakeRunner(&$0, wakeups: &wakeups) }
        wakeups.perform()
    }

    private func openOne() async {
        let result: Result<Connection, any Error>
        do {
            result = .success(try await openConnection())
        } catch {
            result = .failure(error)
        }
        let now = clock.now
        var wakeups = Wakeups()
        state.withLock { state in
            let actions = switch result {
            case .success(let connection): state.machine.opened(connection, at: now)
            case .failure(let error): state.machine.openFailed(error, at: now)
            }
            Self.absorb(actions, into: &state, wakeups: &wakeups)
        }
        wakeups.perform()
    }

    // MARK: Locked helpers

    @inlinable static func absorb(_ actions: Machine.Actions, into state: inout State, wakeups: inout Wakeups) {
        if let handOff = actions.handOff { deliver(handOff.result, to: handOff.waiter, in: &state, wakeups: &wakeups) }
        for waiter in actions.timedOut { deliver(.failure(.timedOut), to: waiter, in: &state, wakeups: &wakeups) }
        for waiter in actions.shed { deliver(.failure(.shed), to: waiter, in: &state, wakeups: &wakeups) }
        let hasWork = actions.open > 0 || !actions.close.isEmpty || !actions.leaks.isEmpty
        state.opensToStart += actions.open
        state.closesToRun.append(contentsOf: actions.close)
        state.leaksToReport.append(contentsOf: actions.leaks)
        var earlier = false
        if let due = actions.housekeepingDue {
            earlier = state.runnerWakeAt.map { due < $0 } ?? true
        }
        // After shutdown any change may be the last one `run()` waits for to finish.
        if hasWork || earlier || state.machine.isShutDown { wakeRunner(&state, wakeups: &wakeups) }
    }

    @inlinable static func deliver(_ outcome: Outcome, to id: WaiterID, in state: inout State, wakeups: inout Wakeups) {
        switch state.slots[id] {
        case .registered:
            state.slots[id] = .ready(outcome)
        case .parked(let continuation):
            state.slots[id] = nil
            wakeups.waiters.append((continuation, outcome))
        case .ready, nil:
            // The state machine serves each waiter once: an invariant of the machine.
            preconditionFailure("\(id) served twice")
        }
    }

    @inlinable static func wakeRunner(_ state: inout State, wakeups: inout Wakeups) {
        if let runner = state.runner {
            state.runner = nil
            state.runnerWakeAt = nil
            wakeups.runner = runner
        } else {
            state.wakePending = true
        }
    }

    private static func shutDown(_ state: inout State, at now: C.Instant, wakeups: inout Wakeups) {
        guard !state.machine.isShutDown else { return }
        let (waiters, closes) = state.machine.shutdown(at: now)
        for waiter in waiters { deliver(.failure(.shutDown), to: waiter, in: &state, wakeups: &wakeups) }
        state.closesToRun.append(contentsOf: closes)
        wakeRunner(&state, wakeups: &wakeups)
    }
}
