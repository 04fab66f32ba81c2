/// The dispatch service's table: the rider of each assigned order, and the searches in
/// progress (each with its token and the end of its lease).
///
/// Pure state: every change takes `now`. Statements reach it through a
/// ``DatabaseSession``:
///
/// ```swift
/// var table = DispatchTable()                                   // pure, with `now`
/// let token = table.claimSearch(7, until: 30, now: 0)          // 1
/// table.endSearch(7, token: 1)
///
/// guard let token = await session.claimSearch(7, until: deadline) else { … }  // one write
/// ```
struct DispatchTable: Sendable {
    private var assignments = OrderColumn<Int>()
    private var searches = OrderColumn<(token: Int64, until: Int64)>()
    private var nextToken: Int64 = 0

    /// The rider order `order` was given to, if any.
    func assignedRider(_ order: Int64) -> Int? { assignments[order] }

    /// Claims the search for `order`'s rider until `until` (a lease: a dispatcher that
    /// crashed mid-search lets the next one in when it runs out); the claim's token, or
    /// nil while another search holds it.
    mutating func claimSearch(_ order: Int64, until: Int64, now: Int64) -> Int64? {
        if let held = searches[order], held.until > now { return nil }
        nextToken += 1
        searches[order] = (nextToken, until)
        return nextToken
    }

    /// Whether the search holding `token` still owns `order`'s claim and nobody gave the
    /// order a rider yet.
    func mayAssign(_ order: Int64, token: Int64) -> Bool {
        assignments[order] == nil && searches[order]?.token == token
    }

    /// Records `rider` for `order` (after ``mayAssign(_:token:)``).
    mutating func assign(_ order: Int64, rider: Int) { assignments[order] = rider }

    /// The search holding `token` for `order` ended (a newer search's claim is kept).
    mutating func endSearch(_ order: Int64, token: Int64) {
        if searches[order]?.token == token { searches[order] = nil }
    }
}

// MARK: Statements

extension DatabaseSession {
    /// `SELECT rider FROM assignments WHERE order = ?`
    func assignedRider(_ order: Int64) async -> Int? {
        await run(.read) { tables, _ in tables.dispatch.assignedRider(order) }
    }

    /// Claims the search for `order` until `until` (see ``DispatchTable/claimSearch(_:until:now:)``).
    func claimSearch(_ order: Int64, until: Int64) async -> Int64? {
        await run(.write) { tables, context in tables.dispatch.claimSearch(order, until: until, now: context.now) }
    }

    /// Gives `order` to `rider` if the search holding `token` still owns the order's
    /// claim, nobody gave it a rider yet, and the order has not ended — checked and
    /// recorded in one transaction, the order moving to "assigned" with it (so a reply
    /// lost on the way back to the order service loses nothing). False: do not assign.
    func claimAssignment(_ order: Int64, token: Int64, rider: Int) async -> Bool {
        await run(.write) { tables, context in
            guard tables.dispatch.mayAssign(order, token: token), !tables.orders.hasEnded(order) else { return false }
            tables.dispatch.assign(order, rider: rider)
            if let moved = tables.orders.transition(order, .assigned, now: context.now) {
                context.orderBook.changed(moved.record, from: moved.previous)
            }
            return true
        }
    }

    /// The search holding `token` for `order` ended.
    func endSearch(_ order: Int64, token: Int64) async {
        await run(.write) { tables, _ in tables.dispatch.endSearch(order, token: token) }
    }
}
