@testable import Platform
import SimKernel
import Testing
import World

/// The tables' indexes answer the reconciler's queries exactly as a walk over every row
/// would — the same rows, in the same order — while reading only the rows due.
@Suite("Database tables")
struct DatabaseTablesTests {
    @Test("a guarded deduction refuses to take the stock below zero; an unguarded one does (oversell)")
    func guardedDeduction() {
        var table = StockTable(catalog: CatalogSpec(items: 3, stock: 10, flashItems: 1, flashStock: 1))
        // Two holders both saw the last unit of item 2: the second write is the stale one.
        #expect(table.decrement(2, by: 1, order: 1, token: nil, guarded: true) == .applied)
        #expect(table.decrement(2, by: 1, order: 2, token: nil, guarded: true) == .insufficient)
        #expect(table.level(2) == 0)
        #expect(table.deducted(for: 2) == nil, "a refused write records no deduction")
        #expect(table.decrement(2, by: 1, order: 2, token: nil) == .applied)
        #expect(table.level(2) == -1)
    }

    @Test("a due index hands out entries in time order, keeps what a read restores, and places a late insert in order")
    func dueIndex() {
        var index = DueIndex()
        index.insert(7, at: 100)
        index.insert(3, at: 250)
        index.insert(5, at: 100)
        index.insert(9, at: 150) // out of order: between 100 and 250
        let due = index.drain(through: 200)
        #expect(due.map(\.id) == [7, 5, 9])
        index.restore(Array(due.prefix(2)))
        #expect(index.drain(through: 1000).map(\.id) == [7, 5, 3])
        #expect(index.count == 0)
    }

    /// A random life of many orders: every few steps the queries of the indexed table are
    /// compared with a walk over every row (the reconciler's queries before the index).
    @Test("the orders table's indexed queries equal a walk over every row, in id order", arguments: [1, 2, 3] as [UInt64])
    func ordersQueriesMatchAWalk(seed: UInt64) {
        var random = RandomStream(seed: seed, name: "orders-table")
        var table = OrdersTable()
        var seen: [Int64: Int64] = [:] // the walk's record of dispatch loops
        let paths: [OrderState.Transition] = [.reserved, .paymentStarted, .paid, .accepted, .ready, .assigned, .pickedUp, .delivered,
                                              .cancel(.customer), .fail(.paymentTimeout)]
        var now: Int64 = 0
        var ids: [Int64] = []
        var handedOut = 0, stalledFound = 0
        for step in 0..<4000 {
            now += Int64(random.nextInt(below: 1000))
            switch random.nextInt(below: 4) {
            case 0:
                let request = OrderRequest(key: Int64(step), customer: 0, item: 0, quantity: 1, merchant: 0, amount: 1)
                ids.append(table.insert(request, idempotent: true, now: now).record.id)
            case 1, 2:
                guard !ids.isEmpty else { continue }
                let id = ids[random.nextInt(below: ids.count)]
                // Mostly the next step forward, sometimes any (an end, an illegal move).
                let forward = paths.prefix(8).first { table.order(id)?.state.next($0) != nil }
                let transition = random.nextInt(below: 5) > 0 ? (forward ?? .delivered) : paths[random.nextInt(below: paths.count)]
                if let moved = table.transition(id, transition, now: now), !(moved.record.state == .accepted || moved.record.state == .ready) {
                    seen[id] = nil
                }
            default:
                guard !ids.isEmpty else { continue }
                let id = ids[random.nextInt(below: ids.count)]
                table.noteDispatchLoop(id, now: now)
                if let state = table.order(id)?.state, state == .accepted || state == .ready { seen[id] = now }
            }
            guard step % 50 == 0 else { continue }
            let cutoff = now - Int64(random.nextInt(below: 20_000))
            let rows = Array(table.all)
            let stalled = rows.filter { $0.state == .paymentPending && $0.changedAt <= cutoff }
            #expect(table.stalledPayments(changedBefore: cutoff) == stalled)
            stalledFound += stalled.count
            let idle = rows.filter { ($0.state == .accepted || $0.state == .ready) && (seen[$0.id] ?? $0.changedAt) <= cutoff }
            #expect(table.ordersAwaitingRider(loopIdleSince: cutoff, now: now) == idle)
            for record in idle { seen[record.id] = now }
            handedOut += idle.count
        }
        #expect(handedOut > 0, "the walk found idle orders to compare")
        #expect(stalledFound > 0, "the walk found stalled payments to compare")
    }

    @Test("refunds to resume equal a walk over every unconfirmed refund, with doubling waits and a limit on resumes")
    func refundsToResumeMatchAWalk() {
        var random = RandomStream(seed: 11, name: "refunds-table")
        var table = RefundsTable()
        // The walk: the refund table before the index.
        var unconfirmed: Set<Int64> = [], requested: Set<Int64> = []
        var lastAttempt: [Int64: Int64] = [:], resumes: [Int64: Int] = [:]
        let idle: Int64 = 60, maxIdle: Int64 = 600, maxResumes = 4
        var now: Int64 = 0
        var resumed = 0
        for _ in 0..<3000 {
            now += Int64(random.nextInt(below: 20))
            let order = Int64(random.nextInt(below: 200))
            switch random.nextInt(below: 6) {
            case 0:
                let first = requested.insert(order).inserted
                if first { unconfirmed.insert(order) }
                #expect(table.request(order) == first)
            case 1:
                table.confirm(order)
                unconfirmed.remove(order)
            case 2:
                table.noteAttempt(order, now: now)
                if unconfirmed.contains(order) { lastAttempt[order] = now }
            default:
                var due: [Int64] = []
                for candidate in unconfirmed.sorted() {
                    let count = resumes[candidate, default: 0]
                    guard count < maxResumes else { continue }
                    let wait = min(maxIdle, idle &* (Int64(1) << Int64(min(count, 20))))
                    guard (lastAttempt[candidate] ?? .min) <= now &- wait else { continue }
                    resumes[candidate] = count + 1
                    lastAttempt[candidate] = now
                    due.append(candidate)
                }
                #expect(table.toResume(idle: idle, maxIdle: maxIdle, maxResumes: maxResumes, now: now) == due)
                resumed += due.count
            }
        }
        #expect(resumed > 0, "the walk found refunds to resume")
    }
}
