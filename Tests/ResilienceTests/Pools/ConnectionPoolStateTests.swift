import Resilience
import SimKernel
import Testing

/// A pool state machine whose connections are numbered by the test.
typealias IntPoolState = ConnectionPoolState<Int, VirtualClock.Instant>

struct ConnectionOpenError: Error, Equatable {}

extension ConnectionPoolState.AcquireOutcome {
    /// The lease, if the outcome is one.
    var lease: ConnectionPoolState.Lease? {
        if case .leased(let lease) = self { return lease }
        return nil
    }

    var isWaiting: Bool {
        if case .waiting = self { return true }
        return false
    }
}

extension ConnectionPoolState.HandOff {
    /// The lease handed over, if any.
    var lease: ConnectionPoolState.Lease? { try? result.get() }
}

@Suite("ConnectionPoolState")
struct ConnectionPoolStateTests {
    /// Acquires for a fresh waiter.
    private func acquire(_ pool: inout IntPoolState, at ms: Double, timeout: Duration? = nil) -> (IntPoolState.WaiterID, IntPoolState.AcquireOutcome, IntPoolState.Actions) {
        let id = pool.makeWaiterID()
        let (outcome, actions) = pool.acquire(for: id, at: at(ms: ms), timeout: timeout)
        return (id, outcome, actions)
    }

    /// Opens a connection numbered `number` for the pool (after requesting it), returning
    /// the lease handed to the first waiter if any.
    private func open(_ pool: inout IntPoolState, _ number: Int, at ms: Double) -> IntPoolState.Actions {
        pool.opened(number, at: at(ms: ms))
    }

    // Mutating calls, usable inside `#expect`.
    private func release(_ pool: inout IntPoolState, _ lease: IntPoolState.Lease, at instant: VirtualClock.Instant, discard: Bool = false) throws -> IntPoolState.Actions {
        try pool.release(lease, at: instant, discard: discard)
    }
    private func housekeep(_ pool: inout IntPoolState, at instant: VirtualClock.Instant) -> IntPoolState.Actions {
        pool.housekeep(at: instant)
    }
    private func cancel(_ pool: inout IntPoolState, _ waiter: IntPoolState.WaiterID, at instant: VirtualClock.Instant) -> Bool {
        pool.cancel(waiter, at: instant)
    }
    private func timeOut(_ pool: inout IntPoolState, _ waiter: IntPoolState.WaiterID, at instant: VirtualClock.Instant) -> Bool {
        pool.timeOut(waiter, at: instant)
    }

    /// A pool holding `count` idle connections numbered 1…count, all opened at `ms`.
    private func poolWithIdle(_ configuration: ConnectionPoolConfiguration, count: Int, at ms: Double = 0) throws -> IntPoolState {
        var pool = IntPoolState(configuration)
        var leases: [IntPoolState.Lease] = []
        for number in 1...count {
            let (id, outcome, actions) = acquire(&pool, at: ms)
            #expect(outcome.isWaiting && actions.open == 1)
            let opened = open(&pool, number, at: ms)
            #expect(opened.handOff?.waiter == id)
            leases.append(try #require(opened.handOff?.lease))
        }
        for lease in leases { _ = try release(&pool, lease, at: at(ms: ms)) }
        #expect(pool.statistics.idle == count)
        return pool
    }

    @Test("an idle connection is handed over at once, the most recently returned first")
    func lifoReuse() throws {
        var pool = try poolWithIdle(.init(maxOpen: 3, maxIdle: 3), count: 3)
        let (_, outcome, actions) = acquire(&pool, at: 10)
        #expect(outcome.lease?.connection == 3)
        #expect(actions.isEmpty)
        #expect(pool.statistics.inUse == 1 && pool.statistics.idle == 2)
    }

    @Test("with nothing idle the caller waits and exactly one open is requested for it")
    func waitsForOpen() throws {
        var pool = IntPoolState(try .init(maxOpen: 5))
        let (id, outcome, actions) = acquire(&pool, at: 0)
        #expect(outcome.isWaiting)
        #expect(actions.open == 1)
        let opened = open(&pool, 1, at: 40)
        #expect(opened.handOff?.waiter == id)
        #expect(opened.handOff?.lease?.connection == 1)
        #expect(opened.open == 0)
        let statistics = pool.statistics
        #expect(statistics.waitCount == 1 && statistics.totalWait == .milliseconds(40) && statistics.maxWait == .milliseconds(40))
    }

    @Test("opens never exceed maxOpen; further callers wait without opens")
    func maxOpen() throws {
        var pool = IntPoolState(try .init(maxOpen: 2))
        let opens = (0..<4).map { _ in acquire(&pool, at: 0).2.open }
        #expect(opens == [1, 1, 0, 0])
        #expect(pool.statistics.opening == 2 && pool.statistics.waiters == 4)
    }

    @Test("maxOpen 0 means unlimited")
    func unlimited() throws {
        var pool = IntPoolState(try .init(maxOpen: 0))
        let opens = (0..<50).map { _ in acquire(&pool, at: 0).2.open }
        #expect(opens.allSatisfy { $0 == 1 })
        #expect(pool.statistics.opening == 50)
    }

    @Test("a released connection goes to the first waiter (FIFO)")
    func fifo() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        let (first, _, _) = acquire(&pool, at: 0)
        let holder = try #require(open(&pool, 1, at: 0).handOff?.lease)
        _ = first
        let (second, _, _) = acquire(&pool, at: 1)
        let (third, _, _) = acquire(&pool, at: 2)
        let released = try release(&pool, holder, at: at(ms: 10))
        #expect(released.handOff?.waiter == second)
        let next = try #require(released.handOff?.lease)
        let releasedAgain = try release(&pool, next, at: at(ms: 20))
        #expect(releasedAgain.handOff?.waiter == third)
        #expect(pool.statistics.maxWait == .milliseconds(18))
    }

    @Test("a failed open frees its slot, fails the longest waiter, and requests an open for the next")
    func failedOpen() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        let (first, _, firstActions) = acquire(&pool, at: 0)
        let (second, _, secondActions) = acquire(&pool, at: 0)
        #expect(firstActions.open == 1 && secondActions.open == 0)
        let failed = pool.openFailed(ConnectionOpenError(), at: at(ms: 5))
        #expect(failed.handOff?.waiter == first)
        if case .failure(.openFailed(let error))? = failed.handOff?.result {
            #expect(error is ConnectionOpenError)
        } else {
            Issue.record("the first waiter should get the open error")
        }
        #expect(failed.open == 1)
        let opened = open(&pool, 1, at: 9)
        #expect(opened.handOff?.waiter == second)
        #expect(pool.statistics.openFailures == 1 && pool.statistics.opened == 1)
    }

    @Test("a connection released while maxIdle are idle is closed")
    func maxIdle() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, maxIdle: 1))
        var leases: [IntPoolState.Lease] = []
        for number in 1...3 {
            _ = acquire(&pool, at: 0)
            leases.append(try #require(open(&pool, number, at: 0).handOff?.lease))
        }
        #expect(try release(&pool, leases[0], at: at(ms: 1)).close.isEmpty)
        #expect(try release(&pool, leases[1], at: at(ms: 1)).close == [2])
        #expect(try release(&pool, leases[2], at: at(ms: 1)).close == [3])
        #expect(pool.statistics.closedForMaxIdle == 2 && pool.statistics.idle == 1)
    }

    @Test("maxIdle 0 keeps no idle connection")
    func maxIdleZero() throws {
        var pool = IntPoolState(try .init(maxOpen: 1, maxIdle: 0))
        _ = acquire(&pool, at: 0)
        let lease = try #require(open(&pool, 1, at: 0).handOff?.lease)
        #expect(try release(&pool, lease, at: at(ms: 1)).close == [1])
        #expect(pool.statistics.open == 0)
    }

    @Test("maxIdle is lowered to maxOpen and raised to minIdle")
    func idleLimitsNormalized() throws {
        let lowered = try poolWithIdle(.init(maxOpen: 2, maxIdle: 10), count: 2)
        #expect(lowered.statistics.idle == 2)
        var raised = IntPoolState(try .init(maxOpen: 4, maxIdle: 1, minIdle: 3))
        let start = housekeep(&raised, at: at(ms: 0))
        #expect(start.open == 3)
        for number in 1...3 { _ = open(&raised, number, at: 1) }
        #expect(raised.statistics.idle == 3)
    }

    @Test("an idle connection past maxLifetime is closed instead of reused, and the next one is tried")
    func lifetimeBeforeReuse() throws {
        var pool = try poolWithIdle(.init(maxOpen: 3, maxIdle: 3, maxLifetime: .seconds(10)), count: 1, at: 0)
        let older = try #require(acquire(&pool, at: 5_000).1.lease)
        _ = acquire(&pool, at: 5_000)
        let younger = try #require(open(&pool, 2, at: 5_000).handOff?.lease)
        _ = try release(&pool, younger, at: at(ms: 6_000))
        _ = try release(&pool, older, at: at(ms: 6_000))  // the most recently returned: connection 1
        let (_, outcome, actions) = acquire(&pool, at: 10_000)
        #expect(actions.close == [1])
        #expect(outcome.lease?.connection == 2)
        #expect(pool.statistics.closedForLifetime == 1)
    }

    @Test("a connection reaching maxLifetime in use is closed on release, and a waiter gets a fresh open")
    func lifetimeOnRelease() throws {
        var pool = IntPoolState(try .init(maxOpen: 1, maxLifetime: .seconds(10)))
        _ = acquire(&pool, at: 0)
        let lease = try #require(open(&pool, 1, at: 0).handOff?.lease)
        let (waiter, _, waitActions) = acquire(&pool, at: 9_000)
        #expect(waitActions.open == 0)
        let released = try release(&pool, lease, at: at(ms: 10_000))
        #expect(released.close == [1])
        #expect(released.handOff == nil)
        #expect(released.open == 1)
        #expect(open(&pool, 2, at: 10_050).handOff?.waiter == waiter)
    }

    @Test("idle connections past idleTimeout are closed oldest first, keeping minIdle")
    func idleTimeout() throws {
        var pool = IntPoolState(try .init(maxOpen: 4, maxIdle: 4, minIdle: 1, idleTimeout: .seconds(60)))
        var leases: [IntPoolState.Lease] = []
        for number in 1...3 {
            _ = acquire(&pool, at: 0)
            leases.append(try #require(open(&pool, number, at: 0).handOff?.lease))
        }
        _ = try release(&pool, leases[0], at: at(ms: 1_000))
        _ = try release(&pool, leases[1], at: at(ms: 2_000))
        let last = try release(&pool, leases[2], at: at(ms: 3_000))
        #expect(last.housekeepingDue == at(ms: 61_000))
        #expect(pool.nextHousekeepingInstant == at(ms: 61_000))
        #expect(housekeep(&pool, at: at(ms: 60_999)).close.isEmpty)
        let first = housekeep(&pool, at: at(ms: 61_000))
        #expect(first.close == [1])
        #expect(first.housekeepingDue == at(ms: 62_000))
        #expect(housekeep(&pool, at: at(ms: 100_000)).close == [2])
        #expect(pool.statistics.idle == 1 && pool.statistics.closedForIdleTimeout == 2)
        #expect(pool.nextHousekeepingInstant == nil)
    }

    @Test("minIdle is filled by housekeeping, and again after a checkout empties the idle list")
    func minIdleFill() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, maxIdle: 3, minIdle: 2))
        #expect(housekeep(&pool, at: at(ms: 0)).open == 2)
        #expect(open(&pool, 1, at: 5).handOff == nil)
        #expect(open(&pool, 2, at: 5).handOff == nil)
        let (_, outcome, actions) = acquire(&pool, at: 10)
        #expect(outcome.lease?.connection == 2)
        #expect(actions.open == 1)  // 1 idle left: one more keeps 2 ready
        #expect(housekeep(&pool, at: at(ms: 11)).open == 0)
    }

    @Test("after a failed open, minIdle is refilled only once refillRetryInterval has passed")
    func refillAfterFailure() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, minIdle: 1, refillRetryInterval: .seconds(30)))
        #expect(housekeep(&pool, at: at(ms: 0)).open == 1)
        let failed = pool.openFailed(ConnectionOpenError(), at: at(ms: 100))
        #expect(failed.open == 0)
        #expect(failed.housekeepingDue == at(ms: 30_100))
        #expect(pool.nextHousekeepingInstant == at(ms: 30_100))
        #expect(housekeep(&pool, at: at(ms: 30_099)).open == 0)
        #expect(housekeep(&pool, at: at(ms: 30_100)).open == 1)
    }

    @Test("a waiter with a timeout is timed out by housekeeping at its deadline, not before")
    func housekeepingTimeout() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        _ = acquire(&pool, at: 0)
        let (late, _, actions) = acquire(&pool, at: 100, timeout: .seconds(1))
        #expect(actions.housekeepingDue == at(ms: 1_100))
        #expect(housekeep(&pool, at: at(ms: 1_099)).timedOut.isEmpty)
        #expect(housekeep(&pool, at: at(ms: 1_100)).timedOut == [late])
        #expect(pool.statistics.timeouts == 1 && pool.statistics.waiters == 1)
    }

    @Test("a zero timeout fails at once when nothing is idle")
    func zeroTimeout() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        let (_, outcome, actions) = acquire(&pool, at: 0, timeout: .zero)
        if case .failed(.timedOut) = outcome {} else { Issue.record("expected an immediate timeout, got \(outcome)") }
        #expect(actions.open == 0)
        #expect(pool.statistics.timeouts == 1 && pool.statistics.waiters == 0)
    }

    @Test("a cancelled or timed-out waiter leaves no slot behind: the open made for it goes idle")
    func abandonedWaiter() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        let (cancelled, _, _) = acquire(&pool, at: 0)
        #expect(cancel(&pool, cancelled, at: at(ms: 10)))
        let (timedOut, _, _) = acquire(&pool, at: 20)
        #expect(timeOut(&pool, timedOut, at: at(ms: 30)))
        let opened = open(&pool, 1, at: 50)
        #expect(opened.handOff == nil && opened.close.isEmpty)
        let statistics = pool.statistics
        #expect(statistics.idle == 1 && statistics.waiters == 0 && statistics.opening == 0)
        #expect(statistics.cancellations == 1 && statistics.timeouts == 1)
        #expect(statistics.totalWait == .milliseconds(20))
    }

    @Test("timing out a waiter already served returns false and its lease stands")
    func timeoutAfterHandOff() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        let (waiter, _, _) = acquire(&pool, at: 0)
        let lease = try #require(open(&pool, 1, at: 5).handOff?.lease)
        #expect(!timeOut(&pool, waiter, at: at(ms: 6)))
        #expect(!cancel(&pool, waiter, at: at(ms: 6)))
        #expect(pool.statistics.inUse == 1 && pool.statistics.timeouts == 0)
        _ = try release(&pool, lease, at: at(ms: 7))
    }

    @Test("a double or stale release is refused and changes nothing")
    func staleRelease() throws {
        var pool = try poolWithIdle(.init(maxOpen: 1, maxIdle: 1), count: 1)
        let first = try #require(acquire(&pool, at: 1).1.lease)
        _ = try release(&pool, first, at: at(ms: 2))
        let second = try #require(acquire(&pool, at: 3).1.lease)
        #expect(second.connectionID == first.connectionID && second.leaseID != first.leaseID)
        #expect(throws: ConnectionPoolError.self) { try release(&pool, first, at: at(ms: 4)) }
        #expect(pool.statistics.inUse == 1)
        _ = try release(&pool, second, at: at(ms: 5))
        #expect(throws: ConnectionPoolError.self) { try release(&pool, second, at: at(ms: 6)) }
        #expect(pool.statistics.idle == 1)
    }

    @Test("a connection released as broken is closed and its slot reopened for a waiter")
    func discard() throws {
        var pool = IntPoolState(try .init(maxOpen: 1))
        _ = acquire(&pool, at: 0)
        let lease = try #require(open(&pool, 1, at: 0).handOff?.lease)
        let (waiter, _, _) = acquire(&pool, at: 1)
        let released = try release(&pool, lease, at: at(ms: 2), discard: true)
        #expect(released.close == [1] && released.open == 1 && released.handOff == nil)
        #expect(open(&pool, 2, at: 3).handOff?.waiter == waiter)
        #expect(pool.statistics.discarded == 1)
    }

    @Test("leases held past the threshold are reported once each, in checkout order")
    func leaks() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, leakDetectionThreshold: .seconds(2)))
        var leases: [IntPoolState.Lease] = []
        for number in 1...3 {
            let (_, _, _) = acquire(&pool, at: Double(number) * 100)
            let opened = open(&pool, number, at: Double(number) * 100)
            #expect(opened.housekeepingDue == at(ms: Double(number) * 100 + 2_000))
            leases.append(try #require(opened.handOff?.lease))
        }
        _ = try release(&pool, leases[1], at: at(ms: 500))
        #expect(pool.nextHousekeepingInstant == at(ms: 2_100))
        #expect(housekeep(&pool, at: at(ms: 2_099)).leaks.isEmpty)
        let found = housekeep(&pool, at: at(ms: 5_000)).leaks
        #expect(found.map(\.leaseID) == [leases[0].leaseID, leases[2].leaseID])
        #expect(found.map(\.heldFor) == [.milliseconds(4_900), .milliseconds(4_700)])
        #expect(housekeep(&pool, at: at(ms: 9_000)).leaks.isEmpty)
        #expect(pool.statistics.leaks == 2)
    }

    @Test("a later checkout in an earlier one's place is reported after the checkouts before it")
    func leaksInCheckoutOrderAcrossReusedPlaces() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, maxIdle: 3, leakDetectionThreshold: .seconds(2)))
        var leases: [IntPoolState.Lease] = []
        for number in 1...3 {
            _ = acquire(&pool, at: Double(number))
            leases.append(try #require(open(&pool, number, at: Double(number)).handOff?.lease))
        }
        // The first checkout ends; the next one takes its connection and its place.
        _ = try release(&pool, leases[0], at: at(ms: 10))
        let later = try #require(acquire(&pool, at: 20).1.lease)
        #expect(later.connectionID == leases[0].connectionID)
        let found = housekeep(&pool, at: at(ms: 5_000)).leaks
        #expect(found.map(\.leaseID) == [leases[1].leaseID, leases[2].leaseID, later.leaseID])
        #expect(found.map(\.connectionID) == [leases[1].connectionID, leases[2].connectionID, later.connectionID])
        // Each is reported once, and the ended checkout's lease still gives nothing back.
        #expect(housekeep(&pool, at: at(ms: 9_000)).leaks.isEmpty)
        #expect(throws: ConnectionPoolError.self) { try release(&pool, leases[0], at: at(ms: 9_001)) }
        #expect(pool.statistics.inUse == 3)
    }

    @Test("nextHousekeepingInstant is the earliest of every kind of due")
    func nextHousekeeping() throws {
        var pool = try poolWithIdle(.init(maxOpen: 2, maxIdle: 2, maxLifetime: .seconds(100), idleTimeout: .seconds(50)), count: 1, at: 0)
        #expect(pool.nextHousekeepingInstant == at(ms: 50_000))
        _ = acquire(&pool, at: 1_000)  // takes the idle connection
        #expect(pool.nextHousekeepingInstant == nil)
        _ = acquire(&pool, at: 2_000)
        _ = acquire(&pool, at: 3_000, timeout: .seconds(5))
        #expect(pool.nextHousekeepingInstant == at(ms: 8_000))
    }

    @Test("shutdown fails waiters, closes idle connections now and the others as they come back")
    func shutdown() throws {
        var pool = IntPoolState(try .init(maxOpen: 3, maxIdle: 3))
        _ = acquire(&pool, at: 0)
        let held = try #require(open(&pool, 1, at: 0).handOff?.lease)
        _ = acquire(&pool, at: 0)
        let idle = try #require(open(&pool, 2, at: 0).handOff?.lease)
        _ = try release(&pool, idle, at: at(ms: 1))
        let second = try #require(acquire(&pool, at: 2).1.lease)  // connection 2
        let (waiter, _, waitActions) = acquire(&pool, at: 3)
        #expect(waitActions.open == 1)                  // connection 3 is being opened
        let (failed, closing) = pool.shutdown(at: at(ms: 4))
        #expect(failed == [waiter])
        #expect(closing.isEmpty)                        // nothing idle at that moment
        #expect(!pool.isDrained)
        if case .failed(.shutDown) = acquire(&pool, at: 5).1 {} else { Issue.record("acquire after shutdown must fail") }
        #expect(try release(&pool, held, at: at(ms: 6)).close == [1])
        #expect(open(&pool, 3, at: 7).close == [3])
        #expect(!pool.isDrained)                        // connection 2 is still out
        #expect(housekeep(&pool, at: at(ms: 8)).isEmpty)
        #expect(pool.nextHousekeepingInstant == nil)
        let statistics = pool.statistics
        #expect(statistics.inUse == 1 && statistics.idle == 0 && statistics.waiters == 0)
        #expect(try release(&pool, second, at: at(ms: 9)).close == [2])
        #expect(pool.isDrained)
    }

    @Test("on ContinuousClock instants, lifetimes are measured in real time")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        var pool = ConnectionPoolState<Int, ContinuousClock.Instant>(try .init(maxOpen: 1, maxLifetime: .milliseconds(50)))
        let (outcome, actions) = pool.acquire(for: pool.makeWaiterID(), at: clock.now, timeout: nil)
        #expect(actions.open == 1)
        guard case .waiting = outcome else { Issue.record("expected a wait"); return }
        let lease = try #require(try pool.opened(7, at: clock.now).handOff?.result.get())
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(60)), tolerance: nil)
        let released = try pool.release(lease, at: clock.now)
        #expect(released.close == [7])
        #expect(pool.statistics.closedForLifetime == 1)
    }
}
