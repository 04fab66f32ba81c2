/// The payment service's local message table (the transactional outbox): each payment
/// result, written in the same transaction as the payment, until a relay has it safely in
/// the broker.
///
/// Pure state: every change takes `now`. Statements reach it through a
/// ``DatabaseSession``:
///
/// ```swift
/// var table = OutboxTable()                                     // pure, with `now`
/// table.append(order: 7, success: true, chargedAt: 0)
/// let batch = table.claim(limit: 100, lease: .seconds(30), now: 0)
/// table.confirm(batch[0].id)
///
/// let batch = await session.claimOutbox(limit: 100, lease: .seconds(30))  // one write
/// ```
struct OutboxTable: Sendable {
    /// Rows not yet confirmed by the broker, oldest first.
    private(set) var rows: [OutboxRow] = []
    private var nextID: Int64 = 0

    /// Writes a payment result, and when the gateway gave it.
    mutating func append(order: Int64, success: Bool, chargedAt: Int64) {
        nextID += 1
        rows.append(OutboxRow(id: nextID, order: order, success: success, chargedAt: chargedAt, claimedUntil: 0))
    }

    /// Claims up to `limit` unclaimed rows, oldest first, for `lease` (SELECT … FOR UPDATE
    /// SKIP LOCKED): two relays never publish the same row at once, and the rows of a
    /// relay that died mid-batch are claimable again once the lease runs out.
    mutating func claim(limit: Int, lease: Duration, now: Int64) -> [OutboxRow] {
        var batch: [OutboxRow] = []
        for index in rows.indices where batch.count < limit && rows[index].claimedUntil <= now {
            rows[index].claimedUntil = now &+ lease.nanoseconds
            batch.append(rows[index])
        }
        return batch
    }

    /// Gives claimed rows back without publishing them (the relay stopped mid-batch).
    mutating func release(_ ids: [Int64]) {
        for index in rows.indices where ids.contains(rows[index].id) { rows[index].claimedUntil = 0 }
    }

    /// Deletes a row once the broker confirmed its message: a row leaves the table only
    /// when its result is safely in the broker (at least once; consumers dedupe).
    mutating func confirm(_ id: Int64) {
        if let index = rows.firstIndex(where: { $0.id == id }) { rows.remove(at: index) }
    }
}

/// A row of the payment service's local message table.
struct OutboxRow: Sendable, Equatable {
    var id: Int64
    var order: Int64
    var success: Bool
    /// When the gateway answered the charge (virtual nanoseconds): travels with the
    /// result, so the order service can measure how long it took to see it.
    var chargedAt: Int64
    /// Until when a relay holds it (0: unclaimed).
    var claimedUntil: Int64
}

// MARK: Statements

extension DatabaseSession {
    /// `INSERT INTO outbox …` (in the payment's transaction).
    func appendOutbox(order: Int64, success: Bool, chargedAt: Int64) async {
        await run(.write) { tables, _ in tables.outbox.append(order: order, success: success, chargedAt: chargedAt) }
    }

    /// Claims a batch of unclaimed rows (see ``OutboxTable/claim(limit:lease:now:)``).
    func claimOutbox(limit: Int, lease: Duration) async -> [OutboxRow] {
        await run(.write) { tables, context in tables.outbox.claim(limit: limit, lease: lease, now: context.now) }
    }

    /// Gives claimed rows back.
    func releaseOutbox(_ ids: [Int64]) async {
        await run(.write) { tables, _ in tables.outbox.release(ids) }
    }

    /// `DELETE FROM outbox WHERE id = ?` once the broker confirmed the row's message.
    func confirmOutbox(_ id: Int64) async {
        await run(.write) { tables, _ in tables.outbox.confirm(id) }
    }
}
