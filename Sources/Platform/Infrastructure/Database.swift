import Resilience
import SimKernel
import World

/// The database server, and the platform's tables in it.
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
    /// Up or down, the connections of this life, and statements waiting for the server.
    private let server = InfrastructureProcess(name: "database")
    private var active = 0
    private var connections = 0
    private var rowLocks: [Int: RowLock] = [:]

    // Tables.
    /// Units in stock per item (may go negative only through a race: oversell).
    private(set) var stock: [Int]
    /// Initial stock, for the oversell check.
    let initialStock: [Int]
    /// Highest fencing token that wrote each stock row (fenced writes).
    private var stockTokens: [Int: UInt64] = [:]
    /// Deductions already applied, by order (inventory idempotency).
    private var deductions: [Int64: Int] = [:]
    /// Orders, by id.
    private(set) var orders: [Int64: OrderRecord] = [:]
    /// Order ids by idempotency key.
    private var orderKeys: [Int64: Int64] = [:]
    private var nextOrderID: Int64 = 1
    /// The refund table: orders whose refund was requested (once per order: a refund
    /// closes the payment, so it covers any charge), those not yet confirmed by the
    /// payment service, when a loop last tried each, and how often the reconciler
    /// resumed each.
    private var refundsRequested: Set<Int64> = []
    /// Dispatch's table: the rider of each assigned order, and searches in progress (with
    /// the end of their lease).
    private var assignments: [Int64: Int] = [:]
    private var searches: [Int64: (token: Int64, until: Int64)] = [:]
    private var nextSearchToken: Int64 = 0
    /// When each order's dispatch loop (in the order service) last asked for a rider.
    private var dispatchLoopSeen: [Int64: Int64] = [:]
    private var refundsUnconfirmed: Set<Int64> = []
    private var refundLastAttempt: [Int64: Int64] = [:]
    private var refundResumes: [Int64: Int] = [:]
    /// The payment service's local message table (see ``claimOutbox(limit:lease:)``).
    private(set) var outbox: [OutboxRow] = []
    private var nextOutboxID: Int64 = 0

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
        var stock = [Int](repeating: catalog.stock, count: catalog.items)
        // Flash-sale items are the last ids, so that they are not also the most popular.
        for item in max(0, catalog.items - catalog.flashItems)..<catalog.items { stock[item] = catalog.flashStock }
        self.stock = stock
        initialStock = stock
    }

    // MARK: Connections

    /// Opens a connection (time to connect), or fails when the server is full, down, or
    /// cut off from the caller.
    func connect() async throws -> Int {
        let delay = platform.draws.sample(spec.connect, for: .database)
        try await sim.inForeground { try await sim.clock.sleep(for: .nanoseconds(delay)) }
        guard server.isUp, !server.isCutOff(platform) else {
            platform.metrics.count("database.refused_connections")
            throw Failure.error
        }
        guard connections < spec.maxConnections else {
            platform.metrics.count("database.refused_connections")
            throw Failure.error
        }
        connections += 1
        server.openConnection()
        platform.metrics.gauge("database.connections").set(Double(connections))
        return server.lastConnection
    }

    func disconnect(_ connection: Int) {
        // A connection of the server's earlier life was dropped by its crash already.
        guard server.closeConnection(connection) else { return }
        connections -= 1
        platform.metrics.gauge("database.connections").set(Double(connections))
    }

    // MARK: Statements

    /// Runs one statement on an open connection; its time depends on the load. While the
    /// server is down (or cut off from the calling service) the statement gets no answer
    /// until it is back; a statement running when the server crashes is lost and, as a
    /// driver reconnecting would, sent again once it is back.
    func execute(_ statement: Statement) async {
        while true {
            await server.waitUntilReachable(platform)
            let epoch = server.epoch
            let demand = platform.draws.sample(statement == .read ? spec.read : spec.write, for: .database)
            active += 1
            platform.metrics.gauge("database.active").set(Double(active))
            let stretch = max(1, Double(active) / Double(spec.cores)) * platform.faults.databaseSlowdown
            let duration = Int64(saturating: Double(demand) * stretch) &+ platform.faults.extraLatency("database")
            platform.metrics.record("database.query", duration)
            try? await sim.clock.sleep(for: .nanoseconds(duration))
            if epoch == server.epoch {
                active -= 1
                platform.metrics.gauge("database.active").set(Double(active))
                return
            }
            platform.metrics.count("database.statements_lost")
        }
    }

    /// The server process crashes: connections drop, running statements are lost (their
    /// callers hear nothing until it is back); the tables are durable.
    func crash() {
        guard server.crash() else { return }
        connections = 0
        active = 0
        platform.metrics.gauge("database.connections").set(0)
        platform.metrics.gauge("database.active").set(0)
        platform.metrics.count("database.crashes")
    }

    /// The server is back (after a crash, or a partition from it healed).
    func restart() {
        if server.restart() { platform.metrics.count("database.restarts") }
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

    // MARK: Stock

    func stockLevel(_ item: Int) -> Int { stock[item] }

    /// Whether `order` already deducted stock (inventory idempotency).
    func deducted(for order: Int64) -> Int? { deductions[order] }

    /// `UPDATE stock SET units = units - q WHERE item = ?` (with an optional fencing token:
    /// a write carrying a token lower than the row's highest is rejected). Returns
    /// whether it was applied.
    func decrement(_ item: Int, by quantity: Int, order: Int64, token: UInt64?) -> Bool {
        if let token {
            if let seen = stockTokens[item], token < seen {
                platform.metrics.count("database.stale_writes_rejected")
                return false
            }
            stockTokens[item] = token
        }
        stock[item] -= quantity
        deductions[order, default: 0] += quantity
        return true
    }

    /// Gives stock back for an order (compensation), once.
    func restock(_ item: Int, order: Int64) -> Int {
        guard let quantity = deductions.removeValue(forKey: order) else { return 0 }
        stock[item] += quantity
        return quantity
    }

    // MARK: Orders

    /// The order created for `key`, if any.
    func order(forKey key: Int64) -> OrderRecord? { orderKeys[key].flatMap { orders[$0] } }

    func order(_ id: Int64) -> OrderRecord? { orders[id] }

    /// Inserts an order (and its idempotency key unless `idempotent` is false).
    func insertOrder(_ request: OrderRequest, idempotent: Bool) -> OrderRecord {
        let id = nextOrderID
        nextOrderID += 1
        let record = OrderRecord(id: id, request: request, state: .created, createdAt: sim.executor.now, changedAt: sim.executor.now)
        orders[id] = record
        if idempotent { orderKeys[request.key] = id } else if orderKeys[request.key] == nil { orderKeys[request.key] = id }
        platform.orders.created(record)
        return record
    }

    /// Applies a transition if it is legal; returns the record after it.
    @discardableResult
    /// Moves order `id` by `transition`; returns the state it moved *from*, or nil when the
    /// transition is not allowed from its current state (checked and applied atomically).
    func transition(_ id: Int64, _ transition: OrderState.Transition) -> OrderState? {
        guard var record = orders[id], let next = record.state.next(transition) else { return nil }
        let previous = record.state
        record.state = next
        record.changedAt = sim.executor.now
        orders[id] = record
        platform.orders.changed(record, from: previous)
        return previous
    }

    /// Records that `order`'s refund was requested; false when it already was.
    func requestRefund(_ order: Int64) -> Bool {
        guard refundsRequested.insert(order).inserted else { return false }
        refundsUnconfirmed.insert(order)
        return true
    }

    /// The payment service confirmed `order`'s refund.
    func confirmRefund(_ order: Int64) { refundsUnconfirmed.remove(order) }

    /// A refund loop is about to try `order`'s refund.
    func noteRefundAttempt(_ order: Int64) { refundLastAttempt[order] = sim.executor.now }

    /// Unconfirmed refunds nobody has tried for a while (their loop died in a crash or
    /// gave up), oldest order first. The wait before a refund is resumed doubles with each
    /// resume, from `idle` up to `maxIdle`, and stops after `maxResumes`; handing one out
    /// marks it tried now, so two reconcilers never take the same refund.
    func refundsToResume(idle: Int64, maxIdle: Int64, maxResumes: Int) -> [Int64] {
        let now = sim.executor.now
        var due: [Int64] = []
        for order in refundsUnconfirmed.sorted() {
            let resumes = refundResumes[order, default: 0]
            guard resumes < maxResumes else { continue }
            let wait = min(maxIdle, idle &* (Int64(1) << Int64(min(resumes, 20))))
            guard (refundLastAttempt[order] ?? .min) <= now &- wait else { continue }
            refundResumes[order] = resumes + 1
            refundLastAttempt[order] = now
            due.append(order)
        }
        return due
    }

    /// Orders still waiting for their payment result whose state has not changed since
    /// `cutoff`, by id.
    func stalledPayments(changedBefore cutoff: Int64) -> [OrderRecord] {
        platform.orders.open.compactMap { id in
            guard let record = orders[id], record.state == .paymentPending, record.changedAt <= cutoff else { return nil }
            return record
        }
    }

    // MARK: Dispatch

    /// The rider order `order` was given to, if any.
    func assignedRider(_ order: Int64) -> Int? { assignments[order] }

    /// Claims the search for `order`'s rider until `until` (a lease: a dispatcher that
    /// crashed mid-search lets the next one in when it runs out); returns the claim's
    /// token, or nil while another search holds it.
    func claimSearch(_ order: Int64, until: Int64) -> Int64? {
        if let held = searches[order], held.until > sim.executor.now { return nil }
        nextSearchToken += 1
        searches[order] = (nextSearchToken, until)
        return nextSearchToken
    }

    /// Gives `order` to `rider` if the search holding `token` still owns the order's
    /// claim, nobody gave it a rider yet, and the order has not ended — checked and
    /// recorded in one step, the order moving to "assigned" with it (so a reply lost on
    /// the way back to the order service loses nothing). False: do not assign.
    func claimAssignment(_ order: Int64, token: Int64, rider: Int) -> Bool {
        guard assignments[order] == nil, searches[order]?.token == token,
              let state = orders[order]?.state, !state.isTerminal else { return false }
        assignments[order] = rider
        _ = transition(order, .assigned)
        return true
    }

    /// Whether order `order` has ended (dispatch stops looking).
    func hasEnded(_ order: Int64) -> Bool { orders[order]?.state.isTerminal ?? true }

    /// An order service's loop asking dispatch for `order`'s rider is alive now.
    func noteDispatchLoop(_ order: Int64) { dispatchLoopSeen[order] = sim.executor.now }

    /// Orders waiting for a rider whose dispatch loop has not been seen since `cutoff`
    /// (it died in a crash), by id; each is marked seen as it is handed out.
    func ordersAwaitingRider(loopIdleSince cutoff: Int64) -> [OrderRecord] {
        platform.orders.open.compactMap { id in
            guard let record = orders[id], record.state == .accepted || record.state == .ready,
                  (dispatchLoopSeen[id] ?? record.changedAt) <= cutoff else { return nil }
            dispatchLoopSeen[id] = sim.executor.now // handed out: another reconciler skips it
            return record
        }
    }

    /// The search holding `token` for `order` ended (a newer search's claim is kept).
    func endSearch(_ order: Int64, token: Int64) {
        if searches[order]?.token == token { searches[order] = nil }
    }

    // MARK: Payment outbox

    /// Writes a payment result into the table (in the same transaction as the payment).
    func appendOutbox(order: Int64, success: Bool) {
        nextOutboxID += 1
        outbox.append(OutboxRow(id: nextOutboxID, order: order, success: success, claimedUntil: 0))
    }

    /// Claims up to `limit` unclaimed rows, oldest first, for `lease` (SELECT … FOR UPDATE
    /// SKIP LOCKED): two relays never publish the same row at once, and the rows of a
    /// relay that died mid-batch are claimable again once the lease runs out.
    func claimOutbox(limit: Int, lease: Duration) -> [OutboxRow] {
        let now = sim.executor.now
        var batch: [OutboxRow] = []
        for index in outbox.indices where batch.count < limit && outbox[index].claimedUntil <= now {
            outbox[index].claimedUntil = now &+ lease.nanoseconds
            batch.append(outbox[index])
        }
        return batch
    }

    /// Gives claimed rows back without publishing them (the relay stopped mid-batch).
    func releaseOutbox(_ ids: [Int64]) {
        for index in outbox.indices where ids.contains(outbox[index].id) { outbox[index].claimedUntil = 0 }
    }

    /// Deletes a row once the broker confirmed its message: a row leaves the table only
    /// when its result is safely in the broker (at least once; consumers dedupe).
    func confirmOutbox(_ id: Int64) {
        if let index = outbox.firstIndex(where: { $0.id == id }) { outbox.remove(at: index) }
    }
}

/// A row of the payment service's local message table.
struct OutboxRow: Sendable, Equatable {
    var id: Int64
    var order: Int64
    var success: Bool
    /// Until when a relay holds it (0: unclaimed).
    var claimedUntil: Int64
}

/// An order row.
struct OrderRecord: Sendable, Equatable {
    var id: Int64
    var request: OrderRequest
    var state: OrderState
    var createdAt: Int64
    /// When the state last changed.
    var changedAt: Int64
}
