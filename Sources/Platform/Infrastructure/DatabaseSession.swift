import Resilience
import SimKernel

/// A connection checked out of a service instance's ``DatabasePool``: the only way to run
/// a statement on the tables. It is built from the pool's lease, so a table cannot be
/// touched without holding a connection, and every statement pays the database server's
/// time (``Database/execute(_:)``: load, `database_slowdown`).
///
/// One statement per round trip, as a real service issues them; a step of several
/// statements runs them on one session (one connection held throughout):
///
/// ```swift
/// let moved = await pool.withConnection { session in         // waits for a connection
///     await session.transition(order, .paid)                  // one write statement
/// }
/// // Pure tables underneath, driven with `now`:
/// var orders = OrdersTable()
/// _ = orders.transition(order, .paid, now: 5)
/// ```
struct DatabaseSession: Sendable {
    /// The server the connection is open to.
    let database: Database
    /// The pooled connection the statements run on.
    let connection: Int

    /// A session on a connection the pool leased out (only ``DatabasePool`` has leases).
    init(database: Database, lease: ConnectionLease<Int, VirtualClock.Instant>) {
        self.database = database
        connection = lease.connection
    }

    /// Runs one statement: its cost on the server, then `body` on the tables, at once.
    func run<T: Sendable>(_ statement: Database.Statement, _ body: @Sendable (inout DatabaseTables, StatementContext) -> T) async -> T {
        await database.run(statement, on: self, body)
    }
}

/// What a statement sees besides the tables: the time it commits, and the platform's
/// order book, told of every order created or moved in the same step.
struct StatementContext {
    /// When the statement commits (virtual ns).
    let now: Int64
    /// The observer of orders created and moved.
    let orderBook: OrderBook
}

