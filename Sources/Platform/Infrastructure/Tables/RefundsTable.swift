/// The order service's refund table: orders whose refund was requested (once per order: a
/// refund closes the payment, so it covers any charge), those the payment service has not
/// confirmed yet, when a refund loop last tried each, and how often the reconciler
/// resumed each.
///
/// Pure state: every change takes `now`. Statements reach it through a
/// ``DatabaseSession``:
///
/// ```swift
/// var table = RefundsTable()                                    // pure, with `now`
/// _ = table.request(42)
/// table.noteAttempt(42, now: 0)
/// table.toResume(idle: 60_000_000_000, maxIdle: 600_000_000_000, maxResumes: 10, now: 61_000_000_000) // [42]
///
/// if await session.requestRefund(42) { … }                     // one write statement
/// ```
///
/// Unconfirmed refunds are indexed by their last attempt, so finding the ones to resume
/// reads those idle at least the shortest wait, not every refund.
struct RefundsTable: Sendable {
    private var requested: Set<Int64> = []
    private var unconfirmed: Set<Int64> = []
    /// Requested, never tried yet (a loop tries at once; this is the crash in between).
    private var neverTried: Set<Int64> = []
    private var lastAttempt: [Int64: Int64] = [:]
    private var resumes: [Int64: Int] = [:]
    /// Unconfirmed refunds, by last attempt.
    private var idle = DueIndex()

    /// Records that `order`'s refund was requested; false when it already was.
    mutating func request(_ order: Int64) -> Bool {
        guard requested.insert(order).inserted else { return false }
        unconfirmed.insert(order)
        neverTried.insert(order)
        return true
    }

    /// The payment service confirmed `order`'s refund.
    mutating func confirm(_ order: Int64) {
        guard unconfirmed.remove(order) != nil else { return }
        neverTried.remove(order)
        lastAttempt[order] = nil
        resumes[order] = nil
    }

    /// A refund loop is about to try `order`'s refund.
    mutating func noteAttempt(_ order: Int64, now: Int64) {
        guard unconfirmed.contains(order) else { return }
        neverTried.remove(order)
        lastAttempt[order] = now
        idle.insert(order, at: now)
    }

    /// Unconfirmed refunds nobody has tried for a while (their loop died in a crash or
    /// gave up), by order id. The wait before a refund is resumed doubles with each
    /// resume, from `idle` up to `maxIdle`, and stops after `maxResumes`; handing one out
    /// marks it tried now, so two reconcilers never take the same refund.
    mutating func toResume(idle idleWait: Int64, maxIdle: Int64, maxResumes: Int, now: Int64) -> [Int64] {
        func wait(_ resumes: Int) -> Int64 { min(maxIdle, idleWait &* (Int64(1) << Int64(min(resumes, 20)))) }
        var due = neverTried.filter { resumes[$0, default: 0] < maxResumes }
        // The wait never falls below wait(0): only refunds idle that long can be due.
        var kept: [DueIndex.Entry] = []
        for entry in idle.drain(through: now &- wait(0)) {
            guard unconfirmed.contains(entry.id), lastAttempt[entry.id] == entry.key, !due.contains(entry.id) else { continue }
            let resumed = resumes[entry.id, default: 0]
            guard resumed < maxResumes else { continue } // given up: leaves the index
            if entry.key <= now &- wait(resumed) { due.insert(entry.id) } else { kept.append(entry) }
        }
        idle.restore(kept)
        let handedOut = due.sorted()
        for order in handedOut {
            resumes[order, default: 0] += 1
            noteAttempt(order, now: now)
        }
        return handedOut
    }
}

// MARK: Statements

extension DatabaseSession {
    /// `INSERT INTO refunds … ON CONFLICT DO NOTHING`: false when it was already requested.
    func requestRefund(_ order: Int64) async -> Bool {
        await run(.write) { tables, _ in tables.refunds.request(order) }
    }

    /// The payment service confirmed `order`'s refund.
    func confirmRefund(_ order: Int64) async {
        await run(.write) { tables, _ in tables.refunds.confirm(order) }
    }

    /// A refund loop is about to try `order`'s refund.
    func noteRefundAttempt(_ order: Int64) async {
        await run(.write) { tables, context in tables.refunds.noteAttempt(order, now: context.now) }
    }

    /// Idle unconfirmed refunds to drive again, by order id (claimed in the same statement).
    func refundsToResume(idle: Int64, maxIdle: Int64, maxResumes: Int) async -> [Int64] {
        await run(.write) { tables, context in
            tables.refunds.toResume(idle: idle, maxIdle: maxIdle, maxResumes: maxResumes, now: context.now)
        }
    }
}
