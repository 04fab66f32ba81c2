import Resilience
import SimKernel
import Synchronization
import Testing

private typealias Client = LockClient<VirtualClock, SimulatedLockLink, RandomStream>

// MARK: The oversell scenario: clients selling the last units of one product

/// One product's stock in the inventory database, written under the distributed lock as
/// in the source documents (acquire → check stock → deduct → release), with an audit of
/// what each holder did and when.
private final class Inventory: Sendable {
    struct State {
        var fenced: FencedResource<Int>
        var plain: Int
        /// Tokens of accepted operations, in the order they were accepted.
        var acceptedTokens: [FencingToken] = []
        var sales = 0
        /// Writes by a holder whose lock had been granted to someone else since.
        var staleWritesAccepted = 0
        var staleWritesRejected = 0
        /// Accepted writes based on a value another holder had changed since it was read.
        var lostUpdates = 0
        /// Holders between their read and the end of their critical section.
        var inside = 0
        var mostInside = 0
    }

    let fencing: Bool
    let initial: Int
    let store: InMemoryLockConnection<VirtualClock>
    private let state: Mutex<State>

    init(stock: Int, fencing: Bool, store: InMemoryLockConnection<VirtualClock>) {
        initial = stock
        self.fencing = fencing
        self.store = store
        state = Mutex(State(fenced: FencedResource(stock), plain: stock))
    }

    var snapshot: State { state.withLock { $0 } }

    /// Reads the stock; `nil` when fencing refuses a stale holder.
    func read(with token: FencingToken) -> Int? {
        state.withLock { state in
            if fencing {
                guard let value = state.fenced.read(with: token) else { return nil }
                state.acceptedTokens.append(token)
                return value
            }
            state.acceptedTokens.append(token)
            return state.plain
        }
    }

    /// Writes `basedOn − 1` (a blind `UPDATE stock SET n = ?` computed from the earlier
    /// read); returns whether the write was accepted.
    func sell(basedOn: Int, with token: FencingToken) -> Bool {
        let stale = (store.lastFencingToken ?? token) > token
        return state.withLock { state in
            let current = fencing ? state.fenced.value : state.plain
            let accepted: Bool
            if fencing {
                accepted = state.fenced.write(basedOn - 1, with: token)
            } else {
                state.plain = basedOn - 1
                accepted = true
            }
            guard accepted else {
                if stale { state.staleWritesRejected += 1 }
                return false
            }
            state.acceptedTokens.append(token)
            state.sales += 1
            if stale { state.staleWritesAccepted += 1 }
            if current != basedOn { state.lostUpdates += 1 }
            return true
        }
    }

    func enter() { state.withLock { $0.inside += 1; $0.mostInside = Swift.max($0.mostInside, $0.inside) } }
    func leave() { state.withLock { $0.inside -= 1 } }
}

/// One customer order a client process places.
private struct Order: Sendable {
    var think: Duration
    var work: Duration
    /// A stop-the-world pause (GC) between the holder's lease check and its write.
    var pause: Duration?
}

private struct ShopScenario: Sendable {
    var ttl: Duration
    var stock: Int
    var latencyMs: ClosedRange<Int>
    var plans: [[Order]]
    var seed: UInt64

    var pauses: Int { plans.joined().filter { $0.pause != nil }.count }

    init(_ random: inout RandomStream) {
        let ttlMs = random.int(in: 200...1000)
        ttl = .milliseconds(ttlMs)
        stock = random.int(in: 1...3)
        latencyMs = 0...random.int(in: 0...(ttlMs / 50))
        let pauseChance = random.chance(0.3) ? 0 : 0.2 + 0.4 * random.nextUnit()
        plans = (0..<random.int(in: 2...4)).map { _ in
            (0..<random.int(in: 1...3)).map { _ in
                Order(think: random.milliseconds(in: 0...ttlMs),
                      work: random.milliseconds(in: 0...(ttlMs / 2)),
                      pause: random.chance(pauseChance) ? random.milliseconds(in: (ttlMs * 6 / 5)...(ttlMs * 3)) : nil)
            }
        }
        seed = random.next()
    }
}

private struct ShopOutcome: Sendable {
    var inventory: Inventory.State
    var history: [LockEvent]
    var lostLeases: Int
}

/// Runs the clients of `scenario` concurrently against one store in a fresh world.
private func runShop(_ scenario: ShopScenario, fencing: Bool) throws -> ShopOutcome {
    try inWorld(seed: scenario.seed) { clock in
        let store = InMemoryLockConnection(clock: clock)
        let history = LockHistory()
        let inventory = Inventory(stock: scenario.stock, fencing: fencing, store: store)
        let configuration = try Client.Configuration(
            ttl: scenario.ttl, maxWait: scenario.ttl * 5,
            initialDelay: scenario.ttl / 20, maxDelay: scenario.ttl / 2)
        let lost = LockTestBox(0)
        await withTaskGroup(of: Void.self) { group in
            for (index, plan) in scenario.plans.enumerated() {
                let id = UInt64(index + 1)
                let link = SimulatedLockLink(store: store, history: history,
                                         random: RandomStream(seed: scenario.seed, name: "link-\(id)"),
                                         settings: .init(latencyMs: scenario.latencyMs))
                let client = Client(link: link, configuration: configuration, clientID: id,
                                    random: RandomStream(seed: scenario.seed, name: "client-\(id)"))
                group.addTask {
                    for order in plan {
                        do {
                            try await clock.sleep(until: clock.now.advanced(by: order.think))
                            try await client.withLock("stock:42") { lease in
                                guard let stock = inventory.read(with: lease.fencingToken) else { return }
                                inventory.enter()
                                defer { inventory.leave() }
                                guard stock > 0 else { return }
                                try await clock.sleep(until: clock.now.advanced(by: order.work))
                                if let pause = order.pause {
                                    // The careful holder checks its lease... and freezes
                                    // right after (GC): nothing runs or reaches the network.
                                    guard lease.isHeld else { return }
                                    let end = clock.now.advanced(by: pause)
                                    link.pause(until: end)
                                    try await clock.sleep(until: end)
                                }
                                _ = inventory.sell(basedOn: stock, with: lease.fencingToken)
                            }
                        } catch LockError.lost {
                            lost.withLock { $0 += 1 }
                        } catch {
                            // timed out waiting: the order is dropped
                        }
                    }
                }
            }
        }
        return ShopOutcome(inventory: inventory.snapshot, history: history.all, lostLeases: lost.withLock { $0 })
    }
}

/// Replays a store's log through the reference model.
private func checkStoreLog(_ history: [LockEvent]) throws -> LockModel {
    var model = LockModel()
    for event in history { try model.check(event) }
    return model
}

@Suite("Distributed lock under seeded random schedules")
struct LockScheduleTests {
    @Test("property: with fencing, once a newer holder touched the stock no stale holder's write is accepted, and nothing is oversold")
    func fencingPreventsStaleWrites() throws {
        var staleRejected = 0, staleHarmless = 0, pausedSchedules = 0, lostLeases = 0
        try forEachSchedule("lock-fenced-shop", count: 500) { random in
            let scenario = ShopScenario(&random)
            let outcome = try runShop(scenario, fencing: true)
            let inventory = outcome.inventory
            try require(zip(inventory.acceptedTokens, inventory.acceptedTokens.dropFirst()).allSatisfy { $0 <= $1 },
                        "an operation with a lower token was accepted after a higher one: \(inventory.acceptedTokens)")
            try require(inventory.sales <= scenario.stock, "oversold: \(inventory.sales) sales of \(scenario.stock) units")
            try require(inventory.fenced.value == scenario.stock - inventory.sales, "stock \(inventory.fenced.value) after \(inventory.sales) sales")
            try require(inventory.lostUpdates == 0, "\(inventory.lostUpdates) writes based on a changed value")
            _ = try checkStoreLog(outcome.history)
            staleRejected += inventory.staleWritesRejected
            staleHarmless += inventory.staleWritesAccepted
            lostLeases += outcome.lostLeases
            if scenario.pauses > 0 { pausedSchedules += 1 }
        }
        // The schedules did put stale holders in front of the resource.
        #expect(pausedSchedules > 200)
        #expect(staleRejected > 50)
        #expect(lostLeases > 50)
        print("fenced shop: 500 schedules, \(pausedSchedules) with GC pauses, \(lostLeases) leases lost, stale writes rejected \(staleRejected), stale writes admitted before any newer holder touched the stock \(staleHarmless)")
    }

    @Test("property: without fencing, a holder paused past its TTL makes two holders act at once and oversells; without pauses it never does")
    func oversellWithoutFencing() throws {
        var oversold = 0, overlapped = 0, pausedSchedules = 0, calmSchedules = 0
        try forEachSchedule("lock-unfenced-shop", count: 500) { random in
            let scenario = ShopScenario(&random)
            let outcome = try runShop(scenario, fencing: false)
            let inventory = outcome.inventory
            // The store itself stays right: one live holder at a time.
            _ = try checkStoreLog(outcome.history)
            if scenario.pauses == 0 {
                calmSchedules += 1
                try require(inventory.mostInside <= 1, "two holders at once without any pause")
                try require(inventory.sales <= scenario.stock && inventory.lostUpdates == 0,
                            "oversold without any pause: \(inventory.sales) of \(scenario.stock)")
            } else {
                pausedSchedules += 1
            }
            if inventory.mostInside > 1 { overlapped += 1 }
            if inventory.sales > scenario.stock {
                oversold += 1
                try require(inventory.mostInside > 1 && inventory.staleWritesAccepted > 0,
                            "an oversell must come from a stale holder acting beside the new one")
                // The same schedule with fencing sells at most the stock.
                let fenced = try runShop(scenario, fencing: true)
                try require(fenced.inventory.sales <= scenario.stock, "fencing did not prevent the oversell")
            }
        }
        #expect(calmSchedules > 50)
        #expect(oversold > 50, "the incident must be reproducible")
        print("unfenced shop: 500 schedules (\(calmSchedules) without pauses): two holders at once in \(overlapped), oversold in \(oversold); with fencing, 0 of those oversold")
    }

    @Test("scenario: the oversell incident, step by step, and fencing's answer to it")
    func oversellIncident() throws {
        // Alice takes the lock for the last unit, reads 1, checks her lease, and freezes
        // for 1.5 TTL (a GC pause). Her lock expires; Bob takes it, reads 1, sells.
        // Alice wakes and sells the same unit.
        func run(fencing: Bool) throws -> (Inventory.State, [LockError?]) {
            try inWorld { clock in
                let store = InMemoryLockConnection(clock: clock)
                let history = LockHistory()
                let inventory = Inventory(stock: 1, fencing: fencing, store: store)
                let configuration = try Client.Configuration(ttl: .seconds(1), initialDelay: .milliseconds(50), maxDelay: .milliseconds(100))
                let links = (1...2).map { SimulatedLockLink(store: store, history: history, random: RandomStream(rawSeed: UInt64($0))) }
                let clients = (1...2).map { Client(link: links[$0 - 1], configuration: configuration, clientID: UInt64($0), random: RandomStream(rawSeed: UInt64($0))) }
                return await withTaskGroup(of: (Int, LockError?).self) { group in
                    for index in 0..<2 {
                        group.addTask {
                            if index == 1 { try? await clock.sleep(until: at(ms: 10)) }
                            do {
                                try await clients[index].withLock("stock:42") { lease in
                                    guard let stock = inventory.read(with: lease.fencingToken) else { return }
                                    inventory.enter()
                                    defer { inventory.leave() }
                                    guard stock > 0 else { return }
                                    if index == 0, lease.isHeld {
                                        links[0].pause(until: at(ms: 1500))
                                        try await clock.sleep(until: at(ms: 1500))
                                    }
                                    _ = inventory.sell(basedOn: stock, with: lease.fencingToken)
                                }
                                return (index, nil)
                            } catch {
                                return (index, error as? LockError)
                            }
                        }
                    }
                    var errors: [LockError?] = [nil, nil]
                    for await (index, error) in group { errors[index] = error }
                    return (inventory.snapshot, errors)
                }
            }
        }
        let (plain, plainErrors) = try run(fencing: false)
        #expect(plain.sales == 2, "two deductions of the last unit")
        #expect(plain.mostInside == 2)
        #expect(plain.staleWritesAccepted == 1)
        #expect(plainErrors[0] == .lost(key: "stock:42", fencingToken: FencingToken(1)), "Alice learns afterwards")
        #expect(plainErrors[1] == nil)

        let (fenced, fencedErrors) = try run(fencing: true)
        #expect(fenced.sales == 1)
        #expect(fenced.fenced.value == 0)
        #expect(fenced.staleWritesRejected == 1)
        #expect(fenced.fenced.statistics.rejectedStaleWrites == 1)
        #expect(fencedErrors[0] == .lost(key: "stock:42", fencingToken: FencingToken(1)))
    }

    // MARK: Store invariants under chaotic clients

    @Test("property: the store never has two live holders of a key at one instant")
    func oneLiveHolder() throws {
        var grants = 0, expiredWhileHeld = 0
        try forEachSchedule("lock-one-holder", count: 500) { random in
            let outcome = try runChaos(&random)
            var model = LockModel()
            for event in outcome.history { try model.check(event) }
            grants += outcome.history.filter { if case .granted = $0.kind { true } else { false } }.count
            expiredWhileHeld += outcome.statistics.expiredWhileHeld
        }
        #expect(grants > 2000)
        #expect(expiredWhileHeld > 200, "locks did change hands by expiry")
    }

    @Test("property: fencing tokens strictly increase, and every lease carries its own grant's token")
    func tokensIncrease() throws {
        var leases = 0
        try forEachSchedule("lock-tokens", count: 500) { random in
            let outcome = try runChaos(&random)
            var last: FencingToken?
            var granted: [LockOwner: FencingToken] = [:]
            for event in outcome.history {
                guard case .granted(let token, _) = event.kind else { continue }
                if let last { try require(token > last, "token \(token) after \(last)") }
                last = token
                granted[event.owner] = token
            }
            for (owner, token) in outcome.leases {
                try require(granted[owner] == token, "lease \(owner) carries \(token), the store granted \(String(describing: granted[owner]))")
            }
            leases += outcome.leases.count
        }
        #expect(leases > 1500)
    }

    @Test("property: compare-and-delete never deletes another holder's lock")
    func releaseNeverDeletesOthers() throws {
        var refusedForeign = 0, deletes = 0
        try forEachSchedule("lock-release", count: 500) { random in
            let outcome = try runChaos(&random)
            var model = LockModel()
            for event in outcome.history {
                if event.kind == .deleted {
                    let holder = model.holder(event.key, at: event.at)
                    try require(holder?.owner == event.owner, "\(event) deleted the lock of \(String(describing: holder?.owner))")
                    deletes += 1
                }
                try model.check(event)
            }
            refusedForeign += model.foreignDeletesRefused
        }
        #expect(deletes > 1000)
        #expect(refusedForeign > 50, "stale holders did try to release someone else's lock")
    }

    // MARK: The watchdog

    @Test("property: the watchdog keeps a slow but live holder's lock")
    func watchdogKeepsSlowHolder() throws {
        var renewals = 0, retried = 0, contenders = 0
        try forEachSchedule("lock-watchdog", count: 500) { random in
            let ttlMs = random.int(in: 200...1000)
            let ttl = Duration.milliseconds(ttlMs)
            let latency = 0...random.int(in: 0...(ttlMs / 20))
            let loss = 0.15 * random.nextUnit()
            let bodyLength = random.milliseconds(in: (2 * ttlMs)...(6 * ttlMs))
            let checks = (0..<random.int(in: 3...12)).map { _ in random.milliseconds(in: (ttlMs / 10)...(ttlMs / 2)) }
            let contenderStarts = (0..<random.int(in: 1...3)).map { _ in
                (start: random.milliseconds(in: 1...ttlMs), wait: random.milliseconds(in: ttlMs...(8 * ttlMs)))
            }
            let seed = random.next()
            let result = try inWorld(seed: seed) { clock in
                let store = InMemoryLockConnection(clock: clock)
                let history = LockHistory()
                let configuration = try Client.Configuration(ttl: ttl, initialDelay: ttl / 20, maxDelay: ttl / 4)
                let holderLink = SimulatedLockLink(store: store, history: history, random: RandomStream(seed: seed, name: "holder"),
                                               settings: .init(latencyMs: latency, replyLoss: loss, lossOnlyOnExtend: true))
                let holder = Client(link: holderLink, configuration: configuration, clientID: 1, random: RandomStream(seed: seed, name: "h"))
                let acquiredByOthers = LockTestBox<[VirtualClock.Instant]>([])
                let heldAtChecks = LockTestBox<[Bool]>([])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await holder.withLock("k") { lease in
                            let end = clock.now.advanced(by: bodyLength)
                            var index = 0
                            while clock.now < end {
                                let next = Swift.min(end, clock.now.advanced(by: checks[index % checks.count]))
                                try await clock.sleep(until: next)
                                heldAtChecks.withLock { $0.append(lease.isHeld) }
                                index += 1
                            }
                        }
                    }
                    for (offset, contender) in contenderStarts.enumerated() {
                        let id = UInt64(offset + 2)
                        let link = SimulatedLockLink(store: store, history: history, random: RandomStream(seed: seed, name: "c\(id)"),
                                                 settings: .init(latencyMs: latency))
                        let client = Client(link: link, configuration: configuration, clientID: id, random: RandomStream(seed: seed, name: "c\(id)"))
                        group.addTask {
                            try await clock.sleep(until: clock.now.advanced(by: contender.start))
                            if let lease = try? await client.acquire("k", maxWait: contender.wait) {
                                acquiredByOthers.withLock { $0.append(clock.now) }
                                try? await client.release(lease)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                var model = LockModel()
                for event in history.all { try model.check(event) }
                // When the store deleted the holder's lock, and when it granted it to others.
                let deleted = history.all.first { $0.owner.client == 1 && $0.kind == .deleted }?.at
                let grants = history.all.filter { event in
                    if case .granted = event.kind { return event.owner.client != 1 }
                    return false
                }.map(\.at)
                return (released: deleted, others: grants, served: acquiredByOthers.withLock { $0.count },
                        checks: heldAtChecks.withLock { $0 }, stats: holder.statistics)
            }
            let releasedAt = try #require(result.released, "the holder's release never reached the store")
            try require(result.checks.allSatisfy { $0 }, "the slow holder saw its lease lost: \(result.checks)")
            try require(result.others.allSatisfy { $0 >= releasedAt },
                        "the store granted the lock to a contender at \(result.others) before the holder's release at \(releasedAt)")
            renewals += result.stats.renewals
            retried += result.stats.storeErrors
            contenders += result.served
        }
        #expect(renewals > 3000)
        #expect(retried > 50, "some renewals were lost and retried")
        print("watchdog: 500 schedules, \(renewals) renewals, \(retried) lost renewal replies retried, \(contenders) contenders served after the release")
    }
}

// MARK: Chaotic clients for the store invariants

private struct ChaosOutcome: Sendable {
    var history: [LockEvent]
    var leases: [(LockOwner, FencingToken)]
    var statistics: LockStore<VirtualClock.Instant>.Statistics
}

/// Two to four clients on two keys, with random latency, lost replies and process
/// pauses; each acquires, sometimes extends by hand, holds for up to two TTLs (so locks
/// expire under their holders and change hands), then releases, often too late.
private func runChaos(_ random: inout RandomStream) throws -> ChaosOutcome {
    let ttlMs = random.int(in: 100...500)
    let ttl = Duration.milliseconds(ttlMs)
    let latency = 0...random.int(in: 0...(ttlMs / 10))
    let loss = random.chance(0.5) ? 0 : 0.2 * random.nextUnit()
    struct Step: Sendable { var key: String; var think: Duration; var wait: Duration; var hold: Duration; var extendAt: Duration?; var pause: Duration? }
    let plans: [[Step]] = (0..<random.int(in: 2...4)).map { _ in
        (0..<random.int(in: 2...5)).map { _ in
            let hold = random.milliseconds(in: 0...(2 * ttlMs))
            return Step(key: random.chance(0.7) ? "a" : "b",
                        think: random.milliseconds(in: 0...ttlMs),
                        wait: random.milliseconds(in: 0...(2 * ttlMs)),
                        hold: hold,
                        extendAt: random.chance(0.3) ? random.milliseconds(in: 0...ttlMs) : nil,
                        pause: random.chance(0.2) ? random.milliseconds(in: 0...(2 * ttlMs)) : nil)
        }
    }
    let seed = random.next()
    return try inWorld(seed: seed) { clock in
        let store = InMemoryLockConnection(clock: clock)
        let history = LockHistory()
        let leases = LockTestBox<[(LockOwner, FencingToken)]>([])
        let configuration = try Client.Configuration(ttl: ttl, initialDelay: ttl / 10, maxDelay: ttl)
        await withTaskGroup(of: Void.self) { group in
            for (index, plan) in plans.enumerated() {
                let id = UInt64(index + 1)
                let link = SimulatedLockLink(store: store, history: history, random: RandomStream(seed: seed, name: "l\(id)"),
                                         settings: .init(latencyMs: latency, replyLoss: loss))
                let client = Client(link: link, configuration: configuration, clientID: id, random: RandomStream(seed: seed, name: "c\(id)"))
                group.addTask {
                    for step in plan {
                        try? await clock.sleep(until: clock.now.advanced(by: step.think))
                        guard let lease = try? await client.acquire(step.key, maxWait: step.wait) else { continue }
                        leases.withLock { $0.append((lease.owner, lease.fencingToken)) }
                        let start = clock.now
                        if let extendAt = step.extendAt {
                            try? await clock.sleep(until: start.advanced(by: extendAt))
                            try? await client.extend(lease)
                        }
                        if let pause = step.pause {
                            link.pause(until: clock.now.advanced(by: pause))
                        }
                        try? await clock.sleep(until: Swift.max(clock.now, start.advanced(by: step.hold)))
                        try? await client.release(lease)
                    }
                }
            }
        }
        return ChaosOutcome(history: history.all, leases: leases.withLock { $0 }, statistics: store.statistics)
    }
}
