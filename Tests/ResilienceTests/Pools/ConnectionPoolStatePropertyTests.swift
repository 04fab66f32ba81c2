import Resilience
import SimKernel
import Testing

/// Drives a ``ConnectionPoolState`` through a random schedule of acquires (with and
/// without deadlines), releases (some as broken, some twice), opens that succeed or fail
/// late, cancellations, timeouts and housekeeping, playing the caller's part exactly as
/// the documentation asks, and keeps an independent model of who holds what.
struct PoolScheduleDriver {
    let configuration: ConnectionPoolConfiguration
    var pool: IntPoolState
    var nowNs: Int64 = 0

    // The model.
    var waiting: Set<UInt64> = []          // waiter ids still waiting
    var holders: [Int: IntPoolState.Lease] = [:]   // physical connection → its current lease
    var created: [Int: Int64] = [:]        // physical connection → creation time (ns)
    var closed: Set<Int> = []
    var requestedOpens = 0
    var nextConnection = 0
    var staleLeases: [IntPoolState.Lease] = []

    // What the properties look at.
    var maxOpenOrOpening = 0
    var violations: [String] = []

    init(configuration: ConnectionPoolConfiguration) {
        self.configuration = configuration
        pool = IntPoolState(configuration)
    }

    var now: VirtualClock.Instant { VirtualClock.Instant(nanoseconds: nowNs) }

    static func randomConfiguration(_ random: inout RandomStream) throws -> ConnectionPoolConfiguration {
        let discipline: QueueDiscipline
        switch random.int(in: 0...3) {
        case 0: discipline = .lifo
        case 1:
            let target = random.int(in: 1...20)
            // Valid by construction (0 < target <= interval).
            discipline = .codel(try! CoDelParameters(target: .milliseconds(target), interval: .milliseconds(target + random.int(in: 0...80))))
        default: discipline = .fifo
        }
        return try ConnectionPoolConfiguration(
            maxOpen: random.int(in: 0...5),
            maxIdle: random.int(in: 0...4),
            minIdle: random.chance(0.4) ? random.int(in: 0...3) : 0,
            maxLifetime: random.chance(0.5) ? random.milliseconds(in: 50...500) : nil,
            idleTimeout: random.chance(0.5) ? random.milliseconds(in: 20...300) : nil,
            leakDetectionThreshold: random.chance(0.3) ? random.milliseconds(in: 50...300) : nil,
            refillRetryInterval: random.milliseconds(in: 10...100),
            queueDiscipline: discipline)
    }

    mutating func violation(_ message: String) { violations.append("t=\(nowNs / 1_000_000)ms: \(message)") }

    /// Carries out `actions` as a caller must, checking each against the model.
    mutating func apply(_ actions: IntPoolState.Actions) {
        if let handOff = actions.handOff {
            if waiting.remove(handOff.waiter.rawValue) == nil {
                violation("hand-off to \(handOff.waiter), which is not waiting")
            }
            if case .success(let lease) = handOff.result { take(lease) }
        }
        for waiter in actions.timedOut where waiting.remove(waiter.rawValue) == nil {
            violation("timeout of \(waiter), which is not waiting")
        }
        for waiter in actions.shed where waiting.remove(waiter.rawValue) == nil {
            violation("shedding of \(waiter), which is not waiting")
        }
        for connection in actions.close {
            if holders[connection] != nil { violation("closing connection \(connection) while it is held") }
            if closed.contains(connection) { violation("closing connection \(connection) twice") }
            if created[connection] == nil { violation("closing unknown connection \(connection)") }
            closed.insert(connection)
        }
        requestedOpens += actions.open
        for leak in actions.leaks {
            guard let lease = holders.values.first(where: { $0.leaseID == leak.leaseID }) else {
                violation("leak reported for lease \(leak.leaseID), which is not held")
                continue
            }
            if let threshold = configuration.leakDetectionThreshold, lease.acquiredAt.advanced(by: threshold) > now {
                violation("leak reported before the threshold")
            }
        }
        let statistics = pool.statistics
        let total = statistics.open + statistics.opening
        maxOpenOrOpening = max(maxOpenOrOpening, total)
        if statistics.opening != requestedOpens { violation("pool opening \(statistics.opening), model \(requestedOpens)") }
        if statistics.inUse != holders.count { violation("pool in use \(statistics.inUse), model \(holders.count)") }
        if statistics.waiters != waiting.count { violation("pool waiters \(statistics.waiters), model \(waiting.count)") }
    }

    /// A lease was handed to a holder: check it is free, alive and young enough.
    mutating func take(_ lease: IntPoolState.Lease) {
        let connection = lease.connection
        if let other = holders[connection] {
            violation("connection \(connection) handed to two holders (leases \(other.leaseID) and \(lease.leaseID))")
        }
        if closed.contains(connection) { violation("closed connection \(connection) handed out") }
        if let maxLifetime = configuration.maxLifetime, let born = created[connection],
           Duration.nanoseconds(nowNs - born) >= maxLifetime {
            violation("connection \(connection) handed out at age \((nowNs - born) / 1_000_000) ms ≥ maxLifetime")
        }
        holders[connection] = lease
    }

    mutating func acquire(timeout: Duration?) {
        let id = pool.makeWaiterID()
        let (outcome, actions) = pool.acquire(for: id, at: now, timeout: timeout)
        switch outcome {
        case .leased(let lease): take(lease)
        case .waiting: waiting.insert(id.rawValue)
        case .failed: break
        }
        apply(actions)
    }

    mutating func release(_ random: inout RandomStream) {
        guard !holders.isEmpty else { return }
        let connection = holders.keys.sorted()[random.int(in: 0...(holders.count - 1))]
        let lease = holders.removeValue(forKey: connection)!
        do {
            let actions = try pool.release(lease, at: now, discard: random.chance(0.1))
            staleLeases.append(lease)
            apply(actions)
        } catch {
            violation("release of a current lease refused")
        }
    }

    mutating func releaseStale(_ random: inout RandomStream) {
        guard !staleLeases.isEmpty else { return }
        let lease = staleLeases[random.int(in: 0...(staleLeases.count - 1))]
        let before = pool.statistics
        if (try? pool.release(lease, at: now)) != nil { violation("stale lease \(lease.leaseID) accepted") }
        if pool.statistics != before { violation("a refused release changed the pool") }
    }

    mutating func completeOpen(succeeds: Bool) {
        guard requestedOpens > 0 else { return }
        requestedOpens -= 1
        if succeeds {
            nextConnection += 1
            created[nextConnection] = nowNs
            apply(pool.opened(nextConnection, at: now))
        } else {
            apply(pool.openFailed(ConnectionOpenError(), at: now))
        }
    }

    mutating func abandon(_ random: inout RandomStream, timedOut: Bool) {
        guard !waiting.isEmpty else { return }
        let waiter = waiting.sorted()[random.int(in: 0...(waiting.count - 1))]
        let id = IntPoolState.WaiterID(rawValue: waiter)
        let removed = timedOut ? pool.timeOut(id, at: now) : pool.cancel(id, at: now)
        if !removed { violation("waiting \(id) could not be removed") }
        waiting.remove(waiter)
        apply(IntPoolState.Actions())
    }

    /// A random schedule of `steps` operations.
    mutating func run(_ random: inout RandomStream, steps: Int) {
        apply(pool.housekeep(at: now))
        for _ in 0..<steps {
            switch random.int(in: 0...99) {
            case 0..<30:
                let timeout: Duration? = random.chance(0.5) ? nil : random.chance(0.2) ? .zero : random.milliseconds(in: 1...200)
                acquire(timeout: timeout)
            case 30..<50: release(&random)
            case 50..<68: completeOpen(succeeds: random.chance(0.8))
            case 68..<73: abandon(&random, timedOut: false)
            case 73..<78: abandon(&random, timedOut: true)
            case 78..<81: releaseStale(&random)
            default:
                nowNs += Int64(random.int(in: 0...60)) * 1_000_000
                apply(pool.housekeep(at: now))
            }
        }
    }

    /// Ends the schedule: waiters leave, holders release, opens complete, until nothing
    /// moves.
    mutating func settle() {
        var rounds = 0
        while !(waiting.isEmpty && holders.isEmpty && requestedOpens == 0) {
            rounds += 1
            if rounds > 1_000 {
                violation("the pool does not settle")
                return
            }
            for waiter in waiting.sorted() {
                _ = pool.cancel(IntPoolState.WaiterID(rawValue: waiter), at: now)
                waiting.remove(waiter)
            }
            apply(IntPoolState.Actions())
            for connection in holders.keys.sorted() {
                let lease = holders.removeValue(forKey: connection)!
                do {
                    apply(try pool.release(lease, at: now))
                } catch {
                    violation("release of a current lease refused while settling")
                }
            }
            while requestedOpens > 0 { completeOpen(succeeds: true) }
        }
    }
}

@Suite("ConnectionPoolState properties")
struct ConnectionPoolStatePropertyTests {
    private func drive(_ random: inout RandomStream) throws -> PoolScheduleDriver {
        var driver = PoolScheduleDriver(configuration: try PoolScheduleDriver.randomConfiguration(&random))
        driver.run(&random, steps: 200)
        return driver
    }

    @Test("the pool never has more than maxOpen connections open or being opened")
    func neverExceedsMaxOpen() throws {
        var reachedLimit = 0
        try forEachSchedule("pool max open", count: 500) { random in
            let driver = try drive(&random)
            try require(driver.violations.isEmpty, driver.violations.joined(separator: "; "))
            let limit = driver.configuration.maxOpen
            try require(limit == 0 || driver.maxOpenOrOpening <= limit,
                        "\(driver.maxOpenOrOpening) open or opening with maxOpen \(limit)")
            try require(driver.pool.statistics.maxOpenSeen == driver.maxOpenOrOpening, "maxOpenSeen disagrees with the model")
            if limit > 0, driver.maxOpenOrOpening == limit { reachedLimit += 1 }
        }
        // Many schedules do reach the limit (otherwise the property says little).
        #expect(reachedLimit > 200)
    }

    @Test("the pool never hands one connection to two holders, nor a closed one")
    func neverTwoHolders() throws {
        try forEachSchedule("pool single holder", count: 500) { random in
            let driver = try drive(&random)
            try require(driver.violations.isEmpty, driver.violations.joined(separator: "; "))
        }
    }

    @Test("connections older than maxLifetime are never handed out")
    func neverExpired() throws {
        var lifetimeClosures = 0
        try forEachSchedule("pool lifetime", count: 500) { random in
            let drawn = try PoolScheduleDriver.randomConfiguration(&random)
            let configuration = try drawn.with(maxLifetime: random.milliseconds(in: 20...200))
            var driver = PoolScheduleDriver(configuration: configuration)
            driver.run(&random, steps: 200)
            try require(driver.violations.isEmpty, driver.violations.joined(separator: "; "))
            lifetimeClosures += driver.pool.statistics.closedForLifetime
        }
        #expect(lifetimeClosures > 500)
    }

    @Test("after random acquires, releases, cancellations and timeouts every connection is back and no waiter is left")
    func everythingComesBack() throws {
        try forEachSchedule("pool settles", count: 500) { random in
            var driver = try drive(&random)
            driver.settle()
            try require(driver.violations.isEmpty, driver.violations.joined(separator: "; "))
            let statistics = driver.pool.statistics
            try require(statistics.waiters == 0 && statistics.inUse == 0 && statistics.opening == 0,
                        "left over: \(statistics)")
            let alive = Set(driver.created.keys).subtracting(driver.closed)
            try require(alive.count == statistics.idle, "\(alive.count) connections unaccounted for, \(statistics.idle) idle")
            try require(statistics.open == statistics.idle, "open \(statistics.open) but idle \(statistics.idle)")
            // Shutting down closes exactly the connections still alive.
            let (waiters, closing) = driver.pool.shutdown(at: driver.now)
            try require(waiters.isEmpty, "waiters at shutdown")
            try require(Set(closing) == alive && closing.count == alive.count, "shutdown closes \(closing), alive \(alive)")
            try require(driver.pool.isDrained, "not drained after shutdown")
        }
    }
}

extension ConnectionPoolConfiguration {
    /// This configuration with another `maxLifetime` (the fields are read-only once checked).
    func with(maxLifetime: Duration) throws -> ConnectionPoolConfiguration {
        try ConnectionPoolConfiguration(
            maxOpen: maxOpen, maxIdle: maxIdle, minIdle: minIdle, maxLifetime: maxLifetime, idleTimeout: idleTimeout,
            acquireTimeout: acquireTimeout, leakDetectionThreshold: leakDetectionThreshold,
            refillRetryInterval: refillRetryInterval, queueDiscipline: queueDiscipline)
    }
}
