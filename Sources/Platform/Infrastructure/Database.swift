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
    unowned(unsafe) let platform: PlatformContext
    private var random: RandomStream
    private var active = 0
    private var connections = 0
    private var rowLocks: [Int: RowLock] = [:]

    /// Every service's tables (see ``DatabaseTables``): reached through a
    /// ``DatabaseSession``'s statements, never directly.
    private var tables: DatabaseTables

    private struct RowLock {
        var held = false
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    enum Statement {
        case read, write
    }

    init(platform: PlatformContext, spec: DatabaseSpec, catalog: CatalogSpec) {
        sim = platform.sim
        self.platform = platform
        self.spec = spec
        random = sim.random("database")
        tables = DatabaseTables(stock: StockTable(catalog: catalog))
    }

    // MARK: Connections

    /// Opens a connection (time to connect), or fails when the server is full.
    func connect() async throws -> Int {
        let delay = spec.connect.sampleNanoseconds(&random)
        try await sim.inForeground { try await sim.clock.sleep(for: .nanoseconds(delay)) }
        guard connections < spec.maxConnections else {
            platform.metrics.count("database.refused_connections")
            throw Failure.error
        }
        connections += 1
        platform.metrics.gauge("database.connections").set(Double(connections))
        return connections
    }

    func disconnect() {
        connections -= 1
        platform.metrics.gauge("database.connections").set(Double(connections))
    }

    // MARK: Statements

    /// Runs one statement on an open connection; its time depends on the load. Its work
    /// is drawn from the server's stream (see ``execute(_:demand:)`` for a caller's own).
    func execute(_ statement: Statement) async {
        await execute(statement, demand: (statement == .read ? spec.read : spec.write).sampleNanoseconds(&random))
    }

    /// Runs one statement of work `demand` (ns at no load) on an open connection: stretched
    /// by the load and the `database_slowdown` fault. A ``DatabaseSession`` draws `demand`
    /// from its pool's own stream, so that two statements issued at the same instant get
    /// the same work whichever runs first.
    func execute(_ statement: Statement, demand: Int64) async {
        active += 1
        platform.metrics.gauge("database.active").set(Double(active))
        let stretch = max(1, Double(active) / Double(spec.cores)) * platform.faults.databaseSlowdown
        let duration = Int64(saturating: Double(demand) * stretch)
        platform.metrics.record("database.query", duration)
        try? await sim.clock.sleep(for: .nanoseconds(duration))
        active -= 1
        platform.metrics.gauge("database.active").set(Double(active))
    }

    /// Takes the row lock on an item's stock row (FIFO), recording the wait.
    func lockRow(_ item: Int) async {
        let started = sim.executor.now
        if rowLocks[item]?.held == true {
            await withUnsafeContinuation { rowLocks[item, default: RowLock()].waiters.append($0) }
        } else {
            rowLocks[item, default: RowLock()].held = true
        }
        platform.metrics.record("database.row_lock_wait", sim.executor.now - started)
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

    /// Runs one statement of `session`: its cost (``execute(_:demand:)``), then `body` on
    /// the tables — checked and applied at once, when the statement commits.
    func run<T: Sendable>(_ statement: Statement, on session: DatabaseSession, demand: Int64,
                          _ body: @Sendable (inout DatabaseTables, StatementContext) -> T) async -> T {
        await execute(statement, demand: demand)
        return body(&tables, StatementContext(now: sim.executor.now, orderBook: platform.orders))
    }

    /// Reads the tables outside the model, at no cost: the invariant checks at the end of
    /// a run, an auditor reading the data files — never a service.
    func audit<T: Sendable>(_ body: @Sendable (DatabaseTables) -> T) -> T { body(tables) }

    // MARK: Stock (the inventory service runs these on a pooled connection, after `execute`)

    func stockLevel(_ item: Int) -> Int { tables.stock.level(item) }

    /// Whether `order` already deducted stock (inventory idempotency).
    func deducted(for order: Int64) -> Int? { tables.stock.deducted(for: order) }

    /// `UPDATE stock SET units = units - q WHERE item = ?` (with an optional fencing token:
    /// a write carrying a token lower than the row's highest is rejected). Returns
    /// whether it was applied.
    func decrement(_ item: Int, by quantity: Int, order: Int64, token: UInt64?) -> Bool {
        switch tables.stock.decrement(item, by: quantity, order: order, token: token) {
        case .applied:
            return true
        case .staleToken:
            platform.metrics.count("database.stale_writes_rejected")
            return false
        }
    }

    /// Gives stock back for an order (compensation), once.
    func restock(_ item: Int, order: Int64) -> Int { tables.stock.restock(item, order: order) }
}
