import Resilience
import SimKernel
import Synchronization
import Testing

/// A database for the pool to connect to: opens take `latency` on the world's clock and
/// may fail; it checks that no two callers hold one connection and counts connections
/// open or being opened.
final class FakePoolDatabase: Sendable {
    struct State {
        var random: RandomStream
        var next = 0
        var opening = 0
        var open: Set<Int> = []
        var maxConcurrent = 0
        var openCalls = 0
        var closed: [Int] = []
        var closedAt: [Double] = []
        var held: Set<Int> = []
        var problems: [String] = []
        var failNext = 0
    }

    let state: Mutex<State>
    let clock: VirtualClock
    let latency: ClosedRange<Int>
    let failureRate: Double

    init(clock: VirtualClock, latencyMs: ClosedRange<Int> = 10...10, failureRate: Double = 0, seed: UInt64 = 1) {
        self.clock = clock
        latency = latencyMs
        self.failureRate = failureRate
        state = Mutex(State(random: RandomStream(seed: seed, name: "database")))
    }

    func open() async throws -> Int {
        let (delay, fails) = state.withLock { state -> (Duration, Bool) in
            state.openCalls += 1
            state.opening += 1
            state.maxConcurrent = max(state.maxConcurrent, state.opening + state.open.count)
            let fails = state.failNext > 0 || state.random.chance(failureRate)
            if state.failNext > 0 { state.failNext -= 1 }
            return (state.random.milliseconds(in: latency), fails)
        }
        do {
            try await clock.sleep(for: delay)
        } catch {
            state.withLock { $0.opening -= 1 }
            throw error
        }
        return try state.withLock { state in
            state.opening -= 1
            if fails { throw ConnectionOpenError() }
            state.next += 1
            state.open.insert(state.next)
            return state.next
        }
    }

    func close(_ connection: Int) async {
        let now = clock.ms
        state.withLock { state in
            if state.open.remove(connection) == nil { state.problems.append("closed \(connection) twice or unknown") }
            if state.held.contains(connection) { state.problems.append("closed \(connection) while held") }
            state.closed.append(connection)
            state.closedAt.append(now)
        }
    }

    /// A caller starts using `connection`.
    func hold(_ connection: Int) {
        state.withLock { state in
            if !state.held.insert(connection).inserted { state.problems.append("\(connection) held twice") }
            if !state.open.contains(connection) { state.problems.append("\(connection) used while not open") }
        }
    }

    /// A caller stops using `connection`.
    func unhold(_ connection: Int) {
        state.withLock { _ = $0.held.remove(connection) }
    }

    var snapshot: State { state.withLock { $0 } }
}

typealias IntConnectionPool = ConnectionPool<Int, VirtualClock>

/// Connections opened, open now, at most, and closed (for the ContinuousClock test).
fileprivate final class OpenCounter: Sendable {
    let state = Mutex((next: 0, open: 0, maxOpen: 0, closed: 0))
}

func makeIntPool(_ configuration: ConnectionPoolConfiguration, _ database: FakePoolDatabase, clock: VirtualClock,
              onLeak: (@Sendable (IntConnectionPool.Leak) -> Void)? = nil) -> IntConnectionPool {
    ConnectionPool(configuration, clock: clock, open: { try await database.open() }, close: { await database.close($0) }, onLeak: onLeak)
}

/// Runs `body` while `pool.run()` runs beside it, then cancels `run()` and waits for it
/// to drain; returns what `body` returned and when `run()` ended (ms).
func withRunningIntPool<T: Sendable>(_ pool: IntConnectionPool, clock: VirtualClock, _ body: () async throws -> T) async throws -> (T, Double) {
    try await withThrowingTaskGroup(of: Double.self) { group in
        group.addTask {
            await pool.run()
            return clock.ms
        }
        let result = try await body()
        group.cancelAll()
        let end = try await group.next()!
        return (result, end)
    }
}

/// The name of an acquire error, for comparisons.
func poolErrorName(_ error: any Error) -> String {
    guard let error = error as? ConnectionPoolError else { return "\(type(of: error))" }
    switch error {
    case .timedOut: return "timedOut"
    case .cancelled: return "cancelled"
    case .shutDown: return "shutDown"
    case .openFailed: return "openFailed"
    case .notLeased: return "notLeased"
    case .shed: return "shed"
    }
}

@Suite("ConnectionPool")
struct ConnectionPoolTests {
    @Test("a caller gets a connection opened by run() and gives it back; cancelling run() closes it")
    func basic() throws {
        let ((gotAt, statistics, database), end) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock, latencyMs: 20...20)
            let pool = makeIntPool(try .init(maxOpen: 2), database, clock: clock)
            let (result, end) = try await withRunningIntPool(pool, clock: clock) {
                let lease = try await pool.acquire()
                let gotAt = clock.ms
                #expect(lease.connection == 1)
                #expect(pool.release(lease))
                #expect(!pool.release(lease))
                return (gotAt, pool.statistics)
            }
            return ((result.0, result.1, database.snapshot), end)
        }
        #expect(gotAt == 20)
        #expect(statistics.idle == 1 && statistics.inUse == 0 && statistics.opened == 1)
        #expect(database.closed == [1] && database.open.isEmpty)
        #expect(end == 20)
    }

    @Test("callers beyond maxOpen wait and are served FIFO as connections free")
    func fifo() throws {
        let served = try inWorld { clock -> [String] in
            let database = FakePoolDatabase(clock: clock, latencyMs: 10...10)
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let served = RetryPoolRecorder<String>()
            _ = try await withRunningIntPool(pool, clock: clock) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, name) in ["A", "B", "C", "D"].enumerated() {
                        group.addTask {
                            try await clock.sleep(for: .milliseconds(Int64(index)))
                            try await pool.withConnection { connection in
                                served.append("\(name)@\(clock.ms)")
                                try await clock.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            return served.values
        }
        #expect(served == ["A@10.0", "B@110.0", "C@210.0", "D@310.0"])
    }

    @Test("a caller that times out leaves the line at once and leaves no slot behind")
    func timeout() throws {
        let (outcome, statistics, openCalls) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock)
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let (result, _) = try await withRunningIntPool(pool, clock: clock) {
                try await withThrowingTaskGroup(of: String.self) { group -> (String, ConnectionPoolStatistics) in
                    group.addTask {
                        try await pool.withConnection { _ in try await clock.sleep(for: .seconds(5)) }
                        return "holder done"
                    }
                    try await clock.sleep(for: .milliseconds(100))
                    var outcome = ""
                    do {
                        _ = try await pool.acquire(timeout: .seconds(1))
                    } catch {
                        outcome = "\(poolErrorName(error))@\(clock.ms)"
                        #expect(pool.statistics.waiters == 0)
                    }
                    _ = try await group.next()
                    // The connection came back; the next caller reuses it without an open.
                    let lease = try await pool.acquire(timeout: .zero)
                    pool.release(lease)
                    return (outcome, pool.statistics)
                }
            }
            return (result.0, result.1, database.snapshot.openCalls)
        }
        #expect(outcome == "timedOut@1100.0")
        #expect(statistics.timeouts == 1 && statistics.waiters == 0 && statistics.idle == 1)
        #expect(openCalls == 1)
    }

    @Test("a cancelled caller leaves the line at once")
    func cancellation() throws {
        let (outcome, waitersAfter) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock)
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let (result, _) = try await withRunningIntPool(pool, clock: clock) {
                let holder = try await pool.acquire()
                let outcome = await withTaskGroup(of: String.self) { group in
                    group.addTask {
                        do {
                            _ = try await pool.acquire(timeout: .seconds(30))
                            return "acquired"
                        } catch {
                            return "\(poolErrorName(error))@\(clock.ms)"
                        }
                    }
                    try? await clock.sleep(for: .milliseconds(500))
                    group.cancelAll()
                    return await group.next()!
                }
                let waiters = pool.statistics.waiters
                pool.release(holder)
                return (outcome, waiters)
            }
            return result
        }
        #expect(outcome == "cancelled@510.0")
        #expect(waitersAfter == 0)
    }

    @Test("an already cancelled task does not wait")
    func alreadyCancelled() throws {
        let outcome = try inWorld { clock in
            let pool = makeIntPool(try .init(maxOpen: 1), FakePoolDatabase(clock: clock), clock: clock)
            return await withTaskGroup(of: String.self) { group in
                group.cancelAll()
                group.addTask {
                    do {
                        _ = try await pool.acquire()
                        return "acquired"
                    } catch {
                        return poolErrorName(error)
                    }
                }
                return await group.next()!
            }
        }
        #expect(outcome == "cancelled")
    }

    @Test("a slow open does not hold a caller past its timeout; the late connection goes idle")
    func slowOpen() throws {
        let (outcome, statistics) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock, latencyMs: 3_000...3_000)
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let (result, _) = try await withRunningIntPool(pool, clock: clock) {
                var outcome = ""
                do {
                    _ = try await pool.acquire(timeout: .seconds(1))
                } catch {
                    outcome = "\(poolErrorName(error))@\(clock.ms)"
                }
                try await clock.sleep(for: .seconds(5))
                return (outcome, pool.statistics)
            }
            return result
        }
        #expect(outcome == "timedOut@1000.0")
        #expect(statistics.idle == 1 && statistics.opened == 1 && statistics.opening == 0)
    }

    @Test("a failed open is reported to the longest-waiting caller; the next caller gets a new open")
    func failedOpen() throws {
        let outcomes = try inWorld { clock -> [String] in
            let database = FakePoolDatabase(clock: clock, latencyMs: 50...50)
            database.state.withLock { $0.failNext = 1 }
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let outcomes = RetryPoolRecorder<String>()
            _ = try await withRunningIntPool(pool, clock: clock) {
                await withTaskGroup(of: Void.self) { group in
                    for name in ["A", "B"] {
                        group.addTask {
                            do {
                                try await pool.withConnection { outcomes.append("\(name) got \($0)@\(clock.ms)") }
                            } catch {
                                outcomes.append("\(name) \(poolErrorName(error))@\(clock.ms)")
                            }
                        }
                    }
                }
            }
            return outcomes.values
        }
        #expect(outcomes == ["A openFailed@50.0", "B got 1@100.0"])
    }

    @Test("the task's deadline shortens the wait")
    func taskDeadline() throws {
        let (outcome, waiters) = try inWorld { clock in
            let pool = makeIntPool(try .init(maxOpen: 1), FakePoolDatabase(clock: clock), clock: clock)
            let (result, _) = try await withRunningIntPool(pool, clock: clock) {
                let holder = try await pool.acquire()
                var outcome = ""
                do {
                    _ = try await TaskDeadline.withTimeout(.milliseconds(500), on: clock) {
                        try await pool.acquire(timeout: .seconds(30))
                    }
                } catch {
                    outcome = "\(clock.ms)"
                }
                let waiters = pool.statistics.waiters
                pool.release(holder)
                return (outcome, waiters)
            }
            return result
        }
        #expect(outcome == "510.0")
        #expect(waiters == 0)
    }

    @Test("run() closes an idle connection at its idle timeout, and minIdle ones are kept")
    func idleTimeout() throws {
        let (closedAt, statistics) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock, latencyMs: 10...10)
            let pool = makeIntPool(try .init(maxOpen: 3, maxIdle: 3, minIdle: 1, idleTimeout: .seconds(60)), database, clock: clock)
            let (result, _) = try await withRunningIntPool(pool, clock: clock) {
                let first = try await pool.acquire()   // the minIdle connection, opened at start
                let second = try await pool.acquire()  // a new one (minIdle refill)
                try await clock.sleep(for: .seconds(1))
                pool.release(first)
                pool.release(second)
                try await clock.sleep(for: .seconds(100))
                return (database.snapshot.closedAt, pool.statistics)
            }
            return result
        }
        // Connections 1 and 2 are opened for the first caller and for minIdle (10 ms),
        // 3 refills minIdle after the second checkout (20 ms). Released at 1,010 ms, three
        // are idle; the two idle longest retire 60 s after they became idle: 3 (idle
        // since 20 ms), then 1; 2, the most recently returned, stays as the minIdle one.
        #expect(closedAt == [60_020, 61_010])
        #expect(statistics.idle == 1 && statistics.closedForIdleTimeout == 2)
    }

    @Test("run() opens minIdle connections at start")
    func minIdleAtStart() throws {
        let statistics = try inWorld { clock in
            let pool = makeIntPool(try .hikari(maximumPoolSize: 5, minimumIdle: 3), FakePoolDatabase(clock: clock), clock: clock)
            let (statistics, _) = try await withRunningIntPool(pool, clock: clock) {
                try await clock.sleep(for: .seconds(1))
                return pool.statistics
            }
            return statistics
        }
        #expect(statistics.idle == 3 && statistics.opened == 3)
    }

    @Test("a lease held past the leak threshold is reported while it is still held")
    func leak() throws {
        let leaks = try inWorld { clock -> [String] in
            let reports = RetryPoolRecorder<String>()
            let pool = makeIntPool(try .init(maxOpen: 2, leakDetectionThreshold: .seconds(2)), FakePoolDatabase(clock: clock), clock: clock) { leak in
                reports.append("lease \(leak.leaseID) held \(leak.heldFor) at \(clock.ms)")
            }
            _ = try await withRunningIntPool(pool, clock: clock) {
                let quick = try await pool.acquire()
                try await clock.sleep(for: .seconds(1))
                pool.release(quick)
                let slow = try await pool.acquire()
                try await clock.sleep(for: .seconds(5))
                pool.release(slow)
            }
            return reports.values
        }
        #expect(leaks == ["lease 2 held 2.0 seconds at 3010.0"])
    }

    @Test("a connection past maxLifetime is replaced, never reused")
    func lifetime() throws {
        let (connections, database) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock)
            let pool = makeIntPool(try .init(maxOpen: 1, maxLifetime: .seconds(1)), database, clock: clock)
            let (connections, _) = try await withRunningIntPool(pool, clock: clock) {
                var connections: [Int] = []
                for _ in 0..<3 {
                    try await pool.withConnection { connections.append($0) }
                    try await clock.sleep(for: .milliseconds(600))
                }
                return connections
            }
            return (connections, database.snapshot)
        }
        // 1 at 10 ms, reused at 610 ms, expired (closed by housekeeping) at 1010 ms.
        #expect(connections == [1, 1, 2])
        #expect(database.closedAt.first == 1_010)
    }

    @Test("withConnection releases the connection when its body throws")
    func withConnectionThrows() throws {
        let statistics = try inWorld { clock in
            let pool = makeIntPool(try .init(maxOpen: 1), FakePoolDatabase(clock: clock), clock: clock)
            let (statistics, _) = try await withRunningIntPool(pool, clock: clock) {
                do {
                    try await pool.withConnection { _ in throw RetryPermanentError() }
                } catch {}
                return pool.statistics
            }
            return statistics
        }
        #expect(statistics.inUse == 0 && statistics.idle == 1)
    }

    @Test("shutdown fails waiters at once; run() returns when the leased connection comes back")
    func shutdown() throws {
        let (outcomes, runEnd, database) = try inWorld { clock in
            let database = FakePoolDatabase(clock: clock)
            let pool = makeIntPool(try .init(maxOpen: 1), database, clock: clock)
            let outcomes = RetryPoolRecorder<String>()
            let runEnd = await withTaskGroup(of: Double?.self) { group in
                group.addTask {
                    await pool.run()
                    return clock.ms
                }
                group.addTask {
                    try? await pool.withConnection { _ in try await clock.sleep(for: .seconds(1)) }
                    outcomes.append("holder done@\(clock.ms)")
                    return nil
                }
                group.addTask {
                    try? await clock.sleep(for: .milliseconds(50))
                    do {
                        _ = try await pool.acquire()
                    } catch {
                        outcomes.append("\(poolErrorName(error))@\(clock.ms)")
                    }
                    return nil
                }
                try? await clock.sleep(for: .milliseconds(100))
                pool.shutdown()
                do {
                    _ = try await pool.acquire()
                } catch {
                    outcomes.append("late \(poolErrorName(error))")
                }
                var end: Double?
                for await value in group { if let value { end = value } }
                return end
            }
            return (outcomes.values, runEnd, database.snapshot)
        }
        #expect(Set(outcomes) == ["shutDown@100.0", "late shutDown", "holder done@1010.0"])
        #expect(runEnd == 1_010)
        #expect(database.closed == [1] && database.open.isEmpty)
    }

    @Test("on ContinuousClock, concurrent callers share maxOpen connections")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let counter = OpenCounter()
        let pool = ConnectionPool(
            try .init(maxOpen: 2, acquireTimeout: .seconds(10)), clock: clock,
            open: { () async throws -> Int in
                counter.state.withLock { state in
                    state.next += 1
                    state.open += 1
                    state.maxOpen = max(state.maxOpen, state.open)
                    return state.next
                }
            },
            close: { _ in counter.state.withLock { state in state.open -= 1; state.closed += 1 } })
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            try await withThrowingTaskGroup(of: Int.self) { callers in
                for _ in 0..<6 {
                    callers.addTask {
                        try await pool.withConnection { connection in
                            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(5)), tolerance: nil)
                            return connection
                        }
                    }
                }
                for try await connection in callers { #expect((1...2).contains(connection)) }
            }
            group.cancelAll()
        }
        let final = counter.state.withLock { $0 }
        #expect(final.maxOpen <= 2 && final.open == 0 && final.closed == final.next)
        #expect(start.duration(to: clock.now) < realClockPatience, "only catches a hang")
    }

    // MARK: Property

    @Test("under random callers, timeouts, cancellations and slow failing opens, the pool never exceeds maxOpen, never shares a connection, and ends with everything back")
    func randomSchedules() throws {
        var served = 0, timedOut = 0, cancelled = 0, failed = 0
        try forEachSchedule("async pool", count: 500) { random in
            let configuration = try ConnectionPoolConfiguration(
                maxOpen: random.int(in: 1...4),
                maxIdle: random.int(in: 0...3),
                minIdle: random.chance(0.3) ? random.int(in: 0...2) : 0,
                maxLifetime: random.chance(0.4) ? random.milliseconds(in: 100...500) : nil,
                idleTimeout: random.chance(0.4) ? random.milliseconds(in: 50...300) : nil,
                acquireTimeout: random.chance(0.8) ? random.milliseconds(in: 10...300) : nil,
                leakDetectionThreshold: random.chance(0.3) ? random.milliseconds(in: 50...200) : nil)
            struct Caller: Sendable {
                var start: Duration, hold: Duration, timeout: Duration?, cancelAfter: Duration?, discard: Bool
            }
            let callers = (0..<random.int(in: 3...15)).map { _ in
                Caller(start: random.milliseconds(in: 0...500), hold: random.milliseconds(in: 0...200),
                       timeout: random.chance(0.3) ? random.milliseconds(in: 0...300) : nil,
                       cancelAfter: random.chance(0.3) ? random.milliseconds(in: 0...300) : nil,
                       discard: random.chance(0.1))
            }
            let latency = random.int(in: 0...20)...random.int(in: 20...100)
            let failureRate = random.chance(0.5) ? 0.2 : 0
            let seed = random.next()
            let (outcomes, statistics, database) = try inWorld(seed: seed) { clock in
                let database = FakePoolDatabase(clock: clock, latencyMs: latency, failureRate: failureRate, seed: seed)
                let pool = makeIntPool(configuration, database, clock: clock)
                let outcomes = RetryPoolRecorder<String>()
                let (statistics, _) = try await withRunningIntPool(pool, clock: clock) {
                    await withTaskGroup(of: Void.self) { group in
                        for caller in callers {
                            group.addTask {
                                try? await clock.sleep(for: caller.start)
                                let outcome = await Self.runCaller(caller.timeout, caller.cancelAfter, caller.hold, caller.discard,
                                                                   pool: pool, database: database, clock: clock)
                                outcomes.append(outcome)
                            }
                        }
                    }
                    return pool.statistics
                }
                return (outcomes.values, statistics, database.snapshot)
            }
            try require(database.problems.isEmpty, database.problems.joined(separator: "; "))
            try require(database.maxConcurrent <= configuration.maxOpen,
                        "\(database.maxConcurrent) connections open or opening, maxOpen \(configuration.maxOpen)")
            try require(outcomes.count == callers.count, "\(outcomes.count) of \(callers.count) callers finished")
            try require(statistics.waiters == 0 && statistics.inUse == 0, "left over after the callers: \(statistics)")
            try require(database.open.isEmpty && database.opening == 0, "connections left open after run(): \(database.open)")
            try require(database.closed.count == Set(database.closed).count, "a connection was closed twice")
            try require(statistics.maxOpenSeen <= configuration.maxOpen, "pool saw \(statistics.maxOpenSeen) > maxOpen")
            served += outcomes.filter { $0 == "served" }.count
            timedOut += outcomes.filter { $0 == "timedOut" }.count
            cancelled += outcomes.filter { $0 == "cancelled" }.count
            failed += outcomes.filter { $0 == "openFailed" }.count
        }
        // The schedules exercise every path.
        #expect(served > 100 && timedOut > 20 && cancelled > 20 && failed > 20,
                "served \(served), timed out \(timedOut), cancelled \(cancelled), open failed \(failed)")
    }

    /// One caller: acquire (cancelled after `cancelAfter` if set), hold, release.
    static func runCaller(_ timeout: Duration?, _ cancelAfter: Duration?, _ hold: Duration, _ discard: Bool,
                          pool: IntConnectionPool, database: FakePoolDatabase, clock: VirtualClock) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                let lease: IntConnectionPool.Lease
                do {
                    lease = try await pool.acquire(timeout: timeout)
                } catch {
                    return poolErrorName(error)
                }
                database.hold(lease.connection)
                try? await clock.sleep(for: hold)
                database.unhold(lease.connection)
                pool.release(lease, discard: discard)
                return "served"
            }
            if let cancelAfter {
                group.addTask {
                    try? await clock.sleep(for: cancelAfter)
                    return nil
                }
            }
            while let outcome = await group.next() {
                if let outcome {
                    group.cancelAll()
                    return outcome
                }
                group.cancelAll()  // the caller gives up: cancel its acquire
            }
            return "lost"
        }
    }
}
