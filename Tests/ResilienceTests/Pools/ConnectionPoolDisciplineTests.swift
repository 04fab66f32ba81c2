import Resilience
import SimKernel
import Testing

@Suite("ConnectionPoolState queue disciplines")
struct ConnectionPoolDisciplineTests {
    /// A one-connection pool whose connection is held by a first caller; returns the pool
    /// and that lease.
    private func busyPool(_ discipline: QueueDiscipline) throws -> (IntPoolState, IntPoolState.Lease) {
        var pool = IntPoolState(try ConnectionPoolConfiguration(maxOpen: 1, maxIdle: 1, acquireTimeout: nil, queueDiscipline: discipline))
        let first = pool.makeWaiterID()
        _ = pool.acquire(for: first, at: at(ms: 0), timeout: nil)
        let handOff = try #require(pool.opened(1, at: at(ms: 0)).handOff)
        let lease = try handOff.result.get()
        return (pool, lease)
    }

    @Test("LIFO hands a freed connection to the newest waiter")
    func lifoNewestFirst() throws {
        var (pool, lease) = try busyPool(.lifo)
        let waiters = (1...3).map { ms in
            let id = pool.makeWaiterID()
            _ = pool.acquire(for: id, at: at(ms: Double(ms)), timeout: nil)
            return id
        }
        let actions = try pool.release(lease, at: at(ms: 10))
        #expect(actions.handOff?.waiter == waiters[2])
    }

    @Test("FIFO (the default) hands it to the oldest")
    func fifoOldestFirst() throws {
        var (pool, lease) = try busyPool(.fifo)
        let waiters = (1...3).map { ms in
            let id = pool.makeWaiterID()
            _ = pool.acquire(for: id, at: at(ms: Double(ms)), timeout: nil)
            return id
        }
        let actions = try pool.release(lease, at: at(ms: 10))
        #expect(actions.handOff?.waiter == waiters[0])
    }

    @Test("CoDel sheds waiters only past the target once overloaded, through housekeeping, and serves the newest")
    func codelShedsWaiters() throws {
        var (pool, lease) = try busyPool(.codel(.standard))
        var enqueued: [IntPoolState.WaiterID: Double] = [:]
        var shed: [(IntPoolState.WaiterID, Double)] = []
        // A waiter every ms; the connection changes hands every 4 ms: overload.
        for tick in 1...300 {
            let ms = Double(tick)
            let id = pool.makeWaiterID()
            let (outcome, actions) = pool.acquire(for: id, at: at(ms: ms), timeout: nil)
            if case .waiting = outcome { enqueued[id] = ms }
            shed += actions.shed.map { ($0, ms) }
            if let due = pool.nextHousekeepingInstant, due <= at(ms: ms) {
                shed += pool.housekeep(at: at(ms: ms)).shed.map { ($0, ms) }
            }
            if tick % 4 == 0 {
                let released = try pool.release(lease, at: at(ms: ms))
                shed += released.shed.map { ($0, ms) }
                let handOff = try #require(released.handOff)
                if tick > 250 { #expect(handOff.waiter == id, "overloaded: the newest waiter gets the connection") }
                lease = try handOff.result.get()
                enqueued[handOff.waiter] = nil
            }
        }
        #expect(!shed.isEmpty)
        for (waiter, ms) in shed {
            let waited = ms - (enqueued[waiter] ?? ms)
            #expect(waited > 5, "\(waiter) shed after \(waited) ms")
        }
        #expect(pool.statistics.shed == shed.count)
        #expect(pool.statistics.waiters <= 6, "only waiters younger than the target are left")
    }

    @Test("the async pool fails a shed caller with .shed")
    func asyncShed() throws {
        let outcomes = try inWorld { clock -> [String] in
            let pool = ConnectionPool<Int, VirtualClock>(
                try ConnectionPoolConfiguration(maxOpen: 1, maxIdle: 1, acquireTimeout: nil,
                                            queueDiscipline: .codel(try CoDelParameters(target: .milliseconds(5), interval: .milliseconds(20)))),
                clock: clock, open: { 1 }, close: { _ in })
            let box = ResultsBox()
            await withDiscardingTaskGroup { group in
                group.addTask { await pool.run() }
                let holder = try? await pool.acquire()
                // Callers keep arriving while the only connection is held for 200 ms.
                await withDiscardingTaskGroup { callers in
                    for index in 0..<40 {
                        callers.addTask {
                            try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(Double(index) * 5)), tolerance: nil)
                            do {
                                let lease = try await pool.acquire()
                                _ = pool.release(lease)
                                box.add("served")
                            } catch {
                                box.add(poolErrorName(error))
                            }
                        }
                    }
                    try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(200)), tolerance: nil)
                    if let holder { _ = pool.release(holder) }
                }
                pool.shutdown()
            }
            return box.items
        }
        #expect(outcomes.count == 40)
        #expect(outcomes.contains("shed"))
        #expect(Set(outcomes).isSubset(of: ["served", "shed"]))
    }
}
