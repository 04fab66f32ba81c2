/// The order service's table: one row per order, its idempotency keys, and when each
/// order's dispatch loop last asked for a rider — the only record of an order's state.
///
/// Pure state: every change takes `now`. Statements reach it through a
/// ``DatabaseSession`` (see the extension below), which charges the database's time:
///
/// ```swift
/// var table = OrdersTable()                                     // pure, with `now`
/// let (record, _) = table.insert(request, idempotent: true, now: 0)
/// _ = table.transition(record.id, .reserved, now: 5)
///
/// let previous = await session.transition(id, .reserved)       // one write statement
/// ```
///
/// Two indexes keep the reconciler's queries proportional to what is due: orders waiting
/// for their payment result by when they started waiting, and orders waiting for a rider
/// by when their dispatch loop was last seen.
struct OrdersTable: Sendable {
    /// Every order, at index id − 1: ids are handed out in sequence from 1 and rows are
    /// never deleted, so the orders in flight (the newest) sit together at the end,
    /// instead of scattered over a hash table as large as the run's every order.
    private var rows: ContiguousArray<OrderRecord> = []
    /// Each idempotency key's order (the app's keys follow its arrivals: sequential too).
    private var keys = OrderColumn<Int64>()
    /// When each order's dispatch loop (in the order service) last asked for a rider,
    /// while the order waits for one.
    private var dispatchLoopSeen = OrderColumn<Int64>()
    /// Orders in payment-pending, by when they entered it.
    private var paymentPending = DueIndex()
    /// Orders accepted or ready (waiting for a rider), by when their loop was last seen
    /// (or when they entered the state, before any loop was).
    private var awaitingRider = DueIndex()

    /// The order created for `key`, if any.
    func order(forKey key: Int64) -> OrderRecord? { keys[key].flatMap { order($0) } }

    /// Order `id`, if it exists.
    func order(_ id: Int64) -> OrderRecord? {
        id >= 1 && id <= Int64(rows.count) ? rows[Int(id - 1)] : nil
    }

    /// Every order, by ascending id.
    var all: ContiguousArray<OrderRecord> { rows }

    /// Inserts an order. With `idempotent`, the key is unique: a second insert for it
    /// returns the first order (false: not new), as `INSERT … ON CONFLICT DO NOTHING`
    /// would; without, every insert creates an order (the first keeps the key).
    mutating func insert(_ request: OrderRequest, idempotent: Bool, now: Int64) -> (record: OrderRecord, isNew: Bool) {
        if idempotent, let existing = order(forKey: request.key) { return (existing, false) }
        let id = Int64(rows.count + 1)
        let record = OrderRecord(id: id, request: request, state: .created, createdAt: now, changedAt: now)
        rows.append(record)
        if keys[request.key] == nil { keys[request.key] = id }
        return (record, true)
    }

    /// Moves order `id` by `transition` if its current state allows it (checked and applied
    /// at once); the record after the move and the state it left, or nil.
    mutating func transition(_ id: Int64, _ transition: OrderState.Transition, now: Int64) -> (record: OrderRecord, previous: OrderState)? {
        guard var record = order(id), let next = record.state.next(transition) else { return nil }
        let previous = record.state
        record.state = next
        record.changedAt = now
        rows[Int(id - 1)] = record
        if next == .paymentPending { paymentPending.insert(id, at: now) }
        let waiting = Self.awaitsRider(next), waited = Self.awaitsRider(previous)
        if waiting, !(waited && dispatchLoopSeen[id] != nil) {
            // Entering the wait, or moving within it before any loop was seen: the time
            // the query compares changed.
            awaitingRider.insert(id, at: dispatchLoopSeen[id] ?? now)
        } else if !waiting {
            dispatchLoopSeen[id] = nil
        }
        return (record, previous)
    }

    /// Whether order `id` has ended (an unknown order counts as ended).
    func hasEnded(_ id: Int64) -> Bool { order(id)?.state.isTerminal ?? true }

    /// Orders still waiting for their payment result whose state has not changed since
    /// `cutoff`, by id. Reads only the orders that entered the wait by `cutoff`.
    mutating func stalledPayments(changedBefore cutoff: Int64) -> [OrderRecord] {
        var kept: [DueIndex.Entry] = []
        var stalled: [OrderRecord] = []
        for entry in paymentPending.drain(through: cutoff) {
            guard let record = order(entry.id), record.state == .paymentPending, record.changedAt == entry.key else { continue }
            kept.append(entry)
            stalled.append(record)
        }
        paymentPending.restore(kept) // a read: the rows stay due until they move
        return stalled.sorted { $0.id < $1.id }
    }

    /// An order service's loop asking dispatch for order `id`'s rider is alive now.
    mutating func noteDispatchLoop(_ id: Int64, now: Int64) {
        guard let record = order(id), Self.awaitsRider(record.state), dispatchLoopSeen[id] != now else { return }
        dispatchLoopSeen[id] = now
        awaitingRider.insert(id, at: now)
    }

    /// Orders waiting for a rider whose dispatch loop has not been seen since `cutoff`
    /// (it died in a crash), by id; each is marked seen `now` as it is handed out.
    mutating func ordersAwaitingRider(loopIdleSince cutoff: Int64, now: Int64) -> [OrderRecord] {
        var idle: [OrderRecord] = []
        var taken: Set<Int64> = [] // membership only; the order comes from the sort below
        for entry in awaitingRider.drain(through: cutoff) {
            guard let record = order(entry.id), Self.awaitsRider(record.state),
                  (dispatchLoopSeen[entry.id] ?? record.changedAt) == entry.key,
                  taken.insert(entry.id).inserted else { continue }
            idle.append(record)
        }
        idle.sort { $0.id < $1.id }
        for record in idle { // handed out: another reconciler skips it
            dispatchLoopSeen[record.id] = now
            awaitingRider.insert(record.id, at: now)
        }
        return idle
    }

    private static func awaitsRider(_ state: OrderState) -> Bool { state == .accepted || state == .ready }
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

// MARK: Statements

extension DatabaseSession {
    /// `SELECT … FROM orders WHERE key = ?`
    func order(forKey key: Int64) async -> OrderRecord? {
        await run(.read) { tables, _ in tables.orders.order(forKey: key) }
    }

    /// `SELECT … FROM orders WHERE id = ?`
    func order(_ id: Int64) async -> OrderRecord? {
        await run(.read) { tables, _ in tables.orders.order(id) }
    }

    /// `INSERT INTO orders …` (see ``OrdersTable/insert(_:idempotent:now:)``); the order and
    /// whether this statement created it.
    func insertOrder(_ request: OrderRequest, idempotent: Bool) async -> (record: OrderRecord, isNew: Bool) {
        await run(.write) { tables, context in
            let inserted = tables.orders.insert(request, idempotent: idempotent, now: context.now)
            if inserted.isNew { context.orderBook.created(inserted.record) }
            return inserted
        }
    }

    /// `UPDATE orders SET state = ? WHERE id = ? AND state IN (…)`: the state the order
    /// left, or nil when the transition is not allowed from its current state.
    func transition(_ id: Int64, _ transition: OrderState.Transition) async -> OrderState? {
        await run(.write) { tables, context in
            guard let moved = tables.orders.transition(id, transition, now: context.now) else { return nil }
            context.orderBook.changed(moved.record, from: moved.previous)
            return moved.previous
        }
    }

    /// Whether the order has ended (dispatch stops looking).
    func hasEnded(_ id: Int64) async -> Bool {
        await run(.read) { tables, _ in tables.orders.hasEnded(id) }
    }

    /// Orders waiting for their payment result since before `cutoff`, by id.
    func stalledPayments(changedBefore cutoff: Int64) async -> [OrderRecord] {
        await run(.read) { tables, _ in tables.orders.stalledPayments(changedBefore: cutoff) }
    }

    /// The dispatch loop of order `id` is alive now.
    func noteDispatchLoop(_ id: Int64) async {
        await run(.write) { tables, context in tables.orders.noteDispatchLoop(id, now: context.now) }
    }

    /// Orders waiting for a rider whose dispatch loop went quiet since `cutoff`, by id
    /// (claimed for the caller in the same statement).
    func ordersAwaitingRider(loopIdleSince cutoff: Int64) async -> [OrderRecord] {
        await run(.write) { tables, context in tables.orders.ordersAwaitingRider(loopIdleSince: cutoff, now: context.now) }
    }
}
