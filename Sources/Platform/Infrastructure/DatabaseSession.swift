import Resilience
import SimKernel
import World

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

    /// The pool's source of statement work.
    private let work: StatementWork

    /// A session on a connection the pool leased out (only ``DatabasePool`` has leases),
    /// drawing each statement's work from `work`.
    init(database: Database, lease: ConnectionLease<Int, VirtualClock.Instant>, work: StatementWork) {
        self.database = database
        connection = lease.connection
        self.work = work
    }

    /// Runs one statement: its cost on the server, then `body` on the tables, at once.
    func run<T: Sendable>(_ statement: Database.Statement, _ body: @Sendable (inout DatabaseTables, StatementContext) -> T) async -> T {
        await database.run(statement, on: self, demand: work.draw(statement), body)
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

/// The work of each statement a service instance's connections run (ns at no load), from
/// the instance's own stream: the draws follow the instance's statements, not the order
/// in which the database happens to serve two statements issued at the same instant by
/// different tasks (which may differ between a debug and a release build).
///
/// World-confined: only the world's thread touches it.
final class StatementWork: @unchecked Sendable {
    private let spec: DatabaseSpec
    private var random: RandomStream

    /// Work drawn from `random` with the server's read and write distributions.
    init(spec: DatabaseSpec, random: RandomStream) {
        self.spec = spec
        self.random = random
    }

    /// The work of one statement.
    func draw(_ statement: Database.Statement) -> Int64 {
        (statement == .read ? spec.read : spec.write).sampleNanoseconds(&random)
    }
}
