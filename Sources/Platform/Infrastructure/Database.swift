import Resilience
import SimKernel
import World

/// The database server: connections, statements and their cost, row locks — and the
/// tables it stores (``DatabaseTables``, one type per table under `Tables/`), which
/// statements on a pooled connection (``DatabaseSession``) read and change.
///
/// Query time grows with load, as an overloaded database's does: with `active` queries
/// running on `cores`, each query's work is stretched by max(1, active/cores) (processor
/// sharing, fixed at the query's start), and by the `database_slowdown` fault. Row locks
/// (`SELECT ... FOR UPDATE`) are FIFO mutexes per row. Connections are a server resource
/// (at most `max_connections`); the client-side pools live in the service instances.
actor Database {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let spec: DatabaseSpec
    let environment: InfrastructureEnvironment
    /// Told of every order created or moved, in the statement that does it.
    private let orderBook: OrderBook
    /// Up or down, the connections of this life, and statements waiting for the server.
    private let server = InfrastructureProcess(name: "database")
    /// The server's metrics, as handles made once.
    private let metrics: DatabaseMetrics
    private var active = 0
    private var connections = 0
    private var rowLocks: [Int: RowLock] = [:]

    /// Every service's tables (see ``DatabaseTables``): reached through a
    /// ``DatabaseSession``'s statements, never directly.
    private var tables: DatabaseTables
    private let traceNames: TraceVocabulary
    private let traceSource: TraceName

    private struct RowLock {
        var held = false
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    enum Statement {
        case read, write
    }

    init(environment: InfrastructureEnvironment, spec: DatabaseSpec, catalog: CatalogSpec, orderBook: OrderBook) {
        sim = environment.sim
        self.environment = environment
        self.orderBook = orderBook
        self.spec = spec
        metrics = DatabaseMetrics(metrics: environment.metrics.metrics)
        traceNames = environment.sim.traceNames
        traceSource = environment.sim.trace.name("database")
        tables = DatabaseTables(stock: StockTable(catalog: catalog))
    }

    // MARK: Connections

    /// Opens a connection (time to connect), or fails when the server is full, down, or
    /// cut off from the caller.
    func connect() async throws -> Int {
        let delay = environment.draws.sample(spec.connect, for: .database)
        try await sim.inForeground { try await sim.clock.sleep(for: .nanoseconds(delay)) }
        guard server.isUp, !server.isCutOff(environment.network) else {
            metrics.refusedConnections.add()
            throw Failure.error
        }
        guard connections < spec.maxConnections else {
            metrics.refusedConnections.add()
            throw Failure.error
        }
        connections += 1
        server.openConnection()
        metrics.connections.set(Double(connections))
        return server.lastConnection
    }

    func disconnect(_ connection: Int) {
        // A connection of the server's earlier life was dropped by its crash already.
        guard server.closeConnection(connection) else { return }
        connections -= 1
        metrics.connections.set(Double(connections))
    }

    // MARK: Statements

    /// Runs one statement on an open connection; its time depends on the load. While the
    /// server is down (or cut off from the calling service) the statement gets no answer
    /// until it is back; a statement running when the server crashes is lost and, as a
    /// driver reconnecting would, sent again once it is back.
    func execute(_ statement: Statement) async {
        while true {
            await server.waitUntilReachable(environment.network)
            let epoch = server.epoch
            let demand = environment.draws.sample(statement == .read ? spec.read : spec.write, for: .database)
            active += 1
            metrics.active.set(Double(active))
            let stretch = max(1, Double(active) / Double(spec.cores)) * environment.faults.databaseSlowdown
            let duration = Int64(saturating: Double(demand) * stretch) &+ environment.faults.extraLatency("database")
            metrics.query.record(duration)
            try? await sim.clock.sleep(for: .nanoseconds(duration))
            if epoch == server.epoch {
                sim.trace.record(traceNames.dbStatement, traceSource, duration, Int64(active),
                                 detail: statement == .read ? traceNames.read : traceNames.write)
                active -= 1
                metrics.active.set(Double(active))
                return
            }
            metrics.statementsLost.add()
            sim.trace.record(traceNames.dbLost, traceSource, duration)
        }
    }

    /// The server process crashes: connections drop, running statements are lost (their
    /// callers hear nothing until it is back); the tables are durable.
    func crash() {
        guard server.crash() else { return }
        connections = 0
        active = 0
        metrics.connections.set(0)
        metrics.active.set(0)
        metrics.crashes.add()
    }

    /// The server is back after a crash.
    func restart() {
        if server.restart() { metrics.restarts.add() }
    }

    /// A partition from the server healed: statements held back look again. A server
    /// that is down stays down until its own restart.
    func partitionHealed() { server.wakeWaiters() }

    /// Takes the row lock on an item's stock row (FIFO), recording the wait.
    func lockRow(_ item: Int) async {
        let started = sim.executor.now
        if rowLocks[item]?.held == true {
            await withUnsafeContinuation { rowLocks[item, default: RowLock()].waiters.append($0) }
        } else {
            rowLocks[item, default: RowLock()].held = true
        }
        metrics.rowLockWait.record(sim.executor.now - started)
        sim.trace.record(traceNames.rowLock, traceSource, Int64(item), sim.executor.now - started)
    }

    func unlockRow(_ item: Int) {
        guard var lock = rowLocks[item] else { return }
        if lock.waiters.isEmpty {
            rowLocks[item] = nil
        } else {
            let next = lock.waiters.removeFirst()
            rowLocks[item] = lock
            next.resume() // the lock passes straight to the next waiter
            _ = lock
        }
    }

    /// Runs one statement of `session`: its cost (``execute(_:)``), then `body` on the
    /// tables — checked and applied at once, when the statement commits.
    func run<T: Sendable>(_ statement: Statement, on session: DatabaseSession,
                          _ body: @Sendable (inout DatabaseTables, StatementContext) -> T) async -> T {
        await execute(statement)
        return body(&tables, StatementContext(now: sim.executor.now, orderBook: orderBook))
    }

    /// Reads the tables outside the model, at no cost: the invariant checks at the end of
    /// a run, an auditor reading the data files — never a service.
    func audit<T: Sendable>(_ body: @Sendable (DatabaseTables) -> T) -> T { body(tables) }

    // MARK: Stock (the inventory service runs these on a pooled connection, after `execute`)

    func stockLevel(_ item: Int) -> Int { tables.stock.level(item) }

    /// The stock of `item` read under fencing token `token`, or nil when a newer token
    /// has touched the row: a stale holder must not base a write on what it reads.
    func stockLevel(_ item: Int, token: UInt64) -> Int? {
        guard let units = tables.stock.level(item, token: token) else {
            metrics.staleReadsRejected.add()
            sim.trace.record(traceNames.fenced, traceSource, Int64(item), Int64(bitPattern: token), detail: traceNames.read)
            return nil
        }
        return units
    }

    /// Whether `order` already deducted stock (inventory idempotency).
    func deducted(for order: Int64) -> Int? { tables.stock.deducted(for: order) }

    /// `UPDATE stock SET units = units - q WHERE item = ?` (with an optional fencing token:
    /// a write carrying a token lower than the row's highest is rejected; `guarded` adds
    /// `AND units >= q`). Returns what the write did, and whether `order` had already
    /// deducted stock before it (a repeat the idempotency check would have absorbed: a
    /// double deduction).
    func decrement(_ item: Int, by quantity: Int, order: Int64, token: UInt64?,
                   guarded: Bool) -> (outcome: StockTable.WriteOutcome, repeated: Bool) {
        let repeated = tables.stock.deducted(for: order) != nil
        let outcome = tables.stock.decrement(item, by: quantity, order: order, token: token, guarded: guarded)
        if outcome == .staleToken {
            metrics.staleWritesRejected.add()
            sim.trace.record(traceNames.fenced, traceSource, Int64(item), Int64(bitPattern: token ?? 0), detail: traceNames.write)
        }
        return (outcome, repeated)
    }

    /// Gives stock back for an order (compensation), once.
    func restock(_ item: Int, order: Int64) -> Int { tables.stock.restock(item, order: order) }
}
