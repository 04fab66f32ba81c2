import Resilience
import SimKernel
import Testing

private typealias Lock = Redlock<VirtualClock, SimulatedLockLink, RandomStream>

/// Five independent stores, and per client one link to each.
private struct Cluster {
    let stores: [InMemoryLockConnection<VirtualClock>]
    let histories: [LockHistory]

    init(_ clock: VirtualClock, count: Int = 5) {
        stores = (0..<count).map { _ in InMemoryLockConnection(clock: clock) }
        histories = (0..<count).map { _ in LockHistory() }
    }

    func links(client: UInt64, latencyMs: [ClosedRange<Int>]? = nil, seed: UInt64 = 1) -> [SimulatedLockLink] {
        stores.indices.map { index in
            SimulatedLockLink(store: stores[index], history: histories[index],
                          random: RandomStream(seed: seed, name: "link-\(client)-\(index)"),
                          settings: .init(latencyMs: latencyMs?[index] ?? 0...0))
        }
    }

    func lock(client: UInt64, links: [SimulatedLockLink], _ configuration: Lock.Configuration = .redlock, seed: UInt64 = 1) throws -> Lock {
        try Lock(connections: links, clock: links[0].clock, configuration: configuration, clientID: client,
             random: RandomStream(seed: seed, name: "redlock-\(client)"))
    }

    func holders(_ key: String) -> [LockOwner?] {
        stores.map { store in
            let now = store.clock.now
            return store.withStore { $0.get(key, now: now)?.owner }
        }
    }
}

@Suite("Redlock over five independent stores")
struct RedlockTests {
    @Test("a majority grants the lock; validity is ttl − elapsed − drift from the attempt's start")
    func acquireAll() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            let links = cluster.links(client: 1, latencyMs: Array(repeating: 5...5, count: 5))
            let redlock = try cluster.lock(client: 1, links: links)
            #expect(redlock.quorum == 3)
            let lease = try await redlock.acquire("k")
            #expect(clock.now == at(ms: 10))
            #expect(lease.grantedBy == 5)
            #expect(lease.validUntil == at(ms: 10_000 - 102))  // drift: 1% of 10 s + 2 ms
            #expect(lease.isValid)
            #expect(cluster.holders("k").allSatisfy { $0 == lease.owner })
            #expect(await redlock.release(lease) == 5)
            #expect(cluster.holders("k").allSatisfy { $0 == nil })
        }
    }

    @Test("with two of five stores down the lock is still granted by three")
    func twoDown() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            let links = cluster.links(client: 1)
            links[0].setDown(true)
            links[3].setDown(true)
            let lease = try await cluster.lock(client: 1, links: links).acquire("k")
            #expect(lease.grantedBy == 3)
        }
    }

    @Test("with three of five stores down there is no quorum, and the two grants are given back")
    func threeDown() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            let links = cluster.links(client: 1)
            for index in 0..<3 { links[index].setDown(true) }
            let redlock = try cluster.lock(client: 1, links: links, try .init(maxWait: .zero))
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await redlock.acquire("k") }
            #expect(cluster.histories[3].all.map(\.kind) == [.granted(FencingToken(1), ttl: .seconds(10)), .deleted])
            #expect(cluster.histories[4].all.map(\.kind) == [.granted(FencingToken(1), ttl: .seconds(10)), .deleted])
            #expect(redlock.statistics.noQuorum == 1)
        }
    }

    @Test("with every store unreachable the acquire ends with storeUnavailable at the limit")
    func allDown() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            let links = cluster.links(client: 1)
            for link in links { link.setDown(true) }
            let redlock = try cluster.lock(client: 1, links: links, try .init(maxWait: .milliseconds(300)))
            await #expect(throws: LockError.storeUnavailable(key: "k")) { _ = try await redlock.acquire("k") }
            #expect(clock.now >= at(ms: 300))
            #expect(redlock.statistics.gaveUp == 1)
        }
    }

    @Test("stores slower than storeTimeout do not count towards the majority")
    func slowStoresCutOff() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            let latencies: [ClosedRange<Int>] = [1...1, 1...1, 100...100, 100...100, 100...100]
            let links = cluster.links(client: 1, latencyMs: latencies)
            let redlock = try cluster.lock(client: 1, links: links, try .init(maxWait: .zero, storeTimeout: .milliseconds(50)))
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await redlock.acquire("k") }
            #expect(clock.now <= at(ms: 100))  // two cut-offs: the SETs and the releases
            #expect(cluster.holders("k").allSatisfy { $0 == nil })
        }
    }

    @Test("a majority won after the TTL is used up is given back")
    func tooSlow() throws {
        try inWorld { clock in
            let cluster = Cluster(clock)
            // 4.97 s each way: the replies come at 9.94 s, past the validity
            // (10 s − 102 ms), and the releases land (14.91 s) before expiry (14.97 s).
            let links = cluster.links(client: 1, latencyMs: Array(repeating: 4970...4970, count: 5))
            let redlock = try cluster.lock(client: 1, links: links, try .init(maxWait: .zero, storeTimeout: .seconds(20)))
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await redlock.acquire("k") }
            #expect(redlock.statistics.tooSlow == 1)
            for history in cluster.histories {
                #expect(history.all.map(\.kind) == [.granted(FencingToken(1), ttl: .seconds(10)), .deleted])
            }
        }
    }

    @Test("scenario: a store restarting without persistence lets two clients hold a majority at once")
    func restartWithoutPersistence() throws {
        // Why Redis asks for fsync or a delayed restart: A holds stores 0–2 (3 and 4 are
        // unreachable for A); store 2 restarts empty; B gets stores 2–4.
        try inWorld { clock in
            let cluster = Cluster(clock)
            let aLinks = cluster.links(client: 1)
            aLinks[3].setDown(true)
            aLinks[4].setDown(true)
            let a = try await cluster.lock(client: 1, links: aLinks).acquire("k")
            cluster.stores[2].withStore { $0 = LockStore(fencingTokensAfter: $0.lastFencingToken) }
            let bLinks = cluster.links(client: 2)
            let b = try await cluster.lock(client: 2, links: bLinks).acquire("k")
            #expect(a.isValid && b.isValid, "two valid Redlock leases on one key")
            #expect(a.grantedBy == 3 && b.grantedBy == 3)
        }
    }

    @Test("property: two Redlock clients over five stores never hold valid leases at once")
    func mutualExclusion() throws {
        var acquired = 0, outages = 0, attempts = 0
        try forEachSchedule("redlock-exclusion", count: 500) { random in
            let ttlMs = random.int(in: 200...1000)
            let clients = random.int(in: 2...3)
            let latencies: [[ClosedRange<Int>]] = (0..<clients).map { _ in
                (0..<5).map { _ in 0...random.int(in: 0...(ttlMs / 20)) }
            }
            let down: [[Bool]] = (0..<clients).map { _ in (0..<5).map { _ in random.chance(0.15) } }
            outages += down.joined().filter { $0 }.count
            let holds: [[Duration]] = (0..<clients).map { _ in
                (0..<random.int(in: 1...4)).map { _ in random.milliseconds(in: 0...ttlMs) }
            }
            let seed = random.next()
            let (intervals, tried) = try inWorld(seed: seed) { clock in
                let cluster = Cluster(clock)
                let held = LockTestBox<[(from: VirtualClock.Instant, to: VirtualClock.Instant)]>([])
                let tries = LockTestBox(0)
                let configuration = try Lock.Configuration(ttl: .milliseconds(ttlMs), maxWait: .milliseconds(2 * ttlMs),
                                                       storeTimeout: .milliseconds(ttlMs / 10),
                                                       initialDelay: .milliseconds(ttlMs / 20), maxDelay: .milliseconds(ttlMs / 2))
                await withTaskGroup(of: Void.self) { group in
                    for client in 0..<clients {
                        let links = cluster.links(client: UInt64(client + 1), latencyMs: latencies[client], seed: seed)
                        for (index, isDown) in down[client].enumerated() where isDown { links[index].setDown(true) }
                        // `try!`: the links are never empty (the task group's body cannot throw).
                        let redlock = try! cluster.lock(client: UInt64(client + 1), links: links, configuration, seed: seed)
                        group.addTask {
                            for hold in holds[client] {
                                guard let lease = try? await redlock.acquire("k") else { continue }
                                let from = clock.now
                                // Work only within the validity, then release.
                                let end = Swift.min(lease.validUntil, from.advanced(by: hold))
                                try? await clock.sleep(until: end)
                                if lease.isValid || clock.now == end {
                                    held.withLock { $0.append((from, Swift.min(clock.now, lease.validUntil))) }
                                }
                                await redlock.release(lease)
                            }
                            tries.withLock { $0 += redlock.statistics.attempts }
                        }
                    }
                }
                return (held.value, tries.value)
            }
            let sorted = intervals.sorted { $0.from < $1.from }
            for (earlier, later) in zip(sorted, sorted.dropFirst()) {
                try require(later.from >= earlier.to, "valid leases overlap: \(earlier) and \(later)")
            }
            acquired += intervals.count
            attempts += tried
        }
        print("redlock: 500 schedules, \(acquired) leases used, \(attempts) attempts, \(outages) store outages")
        #expect(acquired > 1000)
        #expect(outages > 200)
    }
}
