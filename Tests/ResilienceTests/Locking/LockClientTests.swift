import Resilience
import SimKernel
import Synchronization
import Testing

private typealias Client = LockClient<VirtualClock, SimulatedLockLink, RandomStream>

/// A store, its log, and links to it, in one world.
private struct Rig {
    let store: InMemoryLockConnection<VirtualClock>
    let history = LockHistory()

    init(_ clock: VirtualClock) { store = InMemoryLockConnection(clock: clock) }

    func link(_ id: UInt64, latencyMs: ClosedRange<Int> = 0...0) -> SimulatedLockLink {
        SimulatedLockLink(store: store, history: history, random: RandomStream(seed: id, name: "link"),
                      settings: .init(latencyMs: latencyMs))
    }

    func client(_ id: UInt64, _ configuration: Client.Configuration, link: SimulatedLockLink? = nil) -> Client {
        Client(link: link ?? self.link(id), configuration: configuration, clientID: id,
               random: RandomStream(seed: id, name: "client"))
    }

    func holder(_ key: String) -> LockOwner? {
        let now = store.clock.now
        return store.withStore { $0.get(key, now: now)?.owner }
    }

    func events(of owner: LockOwner) -> [LockEvent] { history.all.filter { $0.owner == owner } }
}

/// A connection whose `SET` takes 100 ms and finishes even when its task is cancelled
/// (a transport that ignores cancellation), so a grant can reach a cancelled acquire.
private final class StubbornConnection: LockStoreConnection {
    let store: InMemoryLockConnection<VirtualClock>
    init(_ store: InMemoryLockConnection<VirtualClock>) { self.store = store }

    func set(_ key: String, owner: LockOwner, ttl: Duration) async throws -> LockAcquisition {
        try? await store.clock.sleep(until: store.clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
        return await store.set(key, owner: owner, ttl: ttl)
    }
    func get(_ key: String) async throws -> LockHolder? { await store.get(key) }
    func compareAndDelete(_ key: String, owner: LockOwner) async throws -> Bool { await store.compareAndDelete(key, owner: owner) }
    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async throws -> Bool {
        await store.compareAndExtend(key, owner: owner, ttl: ttl)
    }
}

/// How many tasks are inside a critical section, and the most ever at once.
private final class Occupancy: Sendable {
    private let state = Mutex((now: 0, most: 0))
    func enter() { state.withLock { $0.now += 1; $0.most = Swift.max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}

@Suite("LockClient: acquire, validity, backoff, cancellation, release")
struct LockClientAcquireTests {
    @Test("a lease is valid from the send time for ttl minus drift (1% + 2 ms), then isHeld turns false")
    func validityWindow() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let client = rig.client(1, try .init(ttl: .seconds(1)))
            try await clock.sleep(until: at(ms: 100))
            let lease = try await client.acquire("k")
            #expect(lease.fencingToken == FencingToken(1))
            #expect(lease.acquiredAt == at(ms: 100))
            #expect(lease.validUntil == at(ms: 1088))
            try await clock.sleep(until: VirtualClock.Instant(nanoseconds: 1_087_999_999))
            #expect(lease.isHeld && lease.loss == nil)
            try await clock.sleep(until: at(ms: 1088))
            #expect(!lease.isHeld)
            #expect(lease.loss == .validityElapsed)
            #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) { try lease.checkHeld() }
        }
    }

    @Test("a waiter gets the lock after the holder releases, with the next token")
    func waiterAfterRelease() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let holder = rig.client(1, try .init(ttl: .seconds(10)))
            let waiter = rig.client(2, try .init(ttl: .seconds(10), initialDelay: .milliseconds(50), maxDelay: .milliseconds(200)))
            let lease = try await holder.acquire("k")
            let acquiredAt = try await withThrowingTaskGroup(of: Double?.self) { group in
                group.addTask {
                    let second = try await waiter.acquire("k")
                    #expect(second.fencingToken == FencingToken(2))
                    return clock.ms
                }
                group.addTask {
                    try await clock.sleep(until: at(ms: 300))
                    try await holder.release(lease)
                    return nil
                }
                var result: Double?
                for try await value in group { result = result ?? value }
                return result
            }
            let time = try #require(acquiredAt)
            #expect(time >= 300 && time <= 500)
            #expect(waiter.statistics.contended >= 2)
        }
    }

    @Test("an acquire gives up exactly at maxWait, after a last attempt at the limit")
    func timesOutAtLimit() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let holder = rig.client(1, try .init(ttl: .seconds(10)))
            let waiter = rig.client(2, try .init(ttl: .seconds(10), maxWait: .seconds(1)))
            _ = try await holder.acquire("k")
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await waiter.acquire("k") }
            #expect(clock.now == at(ms: 1000))
            let attempts = rig.history.all.filter { $0.owner.client == 2 }
            #expect(attempts.count == waiter.statistics.attempts)
            #expect(attempts.count >= 5)
            #expect(attempts.last?.at == at(ms: 1000))
            #expect(waiter.statistics.gaveUp == 1)
        }
    }

    @Test("maxWait zero makes a single attempt")
    func tryOnce() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            _ = try await rig.client(1, .init()).acquire("k")
            let waiter = rig.client(2, try .init(maxWait: .zero))
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await waiter.acquire("k") }
            #expect(waiter.statistics.attempts == 1)
            #expect(clock.now == .zero)
        }
    }

    @Test("retry delays follow equal jitter: delay n lies in [expo/2, expo], expo = min(cap, base·2^(n−1))")
    func equalJitter() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            _ = try await rig.client(1, .init(ttl: .seconds(100))).acquire("k")
            let waiter = rig.client(2, try .init(ttl: .seconds(100), maxWait: .seconds(5),
                                             initialDelay: .milliseconds(100), maxDelay: .milliseconds(400)))
            _ = try? await waiter.acquire("k")
            let times = rig.history.all.filter { $0.owner.client == 2 }.map(\.at)
            #expect(times.count > 10)
            var distinct = Set<Int64>()
            for n in 1..<(times.count - 1) {  // the last gap is cut short by the limit
                let gap = times[n - 1].duration(to: times[n])
                let expo = Duration.milliseconds(Swift.min(400, 100 << (n - 1)))
                #expect(gap >= expo / 2 && gap <= expo, "gap \(n) = \(gap)")
                distinct.insert(gap.nanoseconds)
            }
            #expect(distinct.count > 3, "jitter varies")
        }
    }

    @Test("a waiter never sleeps past the holder's remaining TTL")
    func wakesAtHolderExpiry() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            _ = try await rig.client(1, .init(ttl: .milliseconds(100))).acquire("k")
            let waiter = rig.client(2, try .init(initialDelay: .seconds(5), maxDelay: .seconds(5)))
            let lease = try await waiter.acquire("k")
            #expect(clock.now == at(ms: 100))
            #expect(lease.fencingToken == FencingToken(2))
        }
    }

    @Test("cancelling a waiting acquire throws cancelled at once and leaves nothing held")
    func cancelWhileWaiting() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let holder = rig.client(1, try .init())
            let lease = try await holder.acquire("k")
            let waiter = rig.client(2, try .init(initialDelay: .seconds(1), maxDelay: .seconds(1)))
            let (error, time) = try await withThrowingTaskGroup(of: (LockError?, Double).self) { group in
                group.addTask {
                    do throws(LockError) {
                        _ = try await waiter.acquire("k")
                        return (nil, clock.ms)
                    } catch {
                        return (error, clock.ms)
                    }
                }
                try await clock.sleep(until: at(ms: 250))
                group.cancelAll()
                return try await group.next()!
            }
            #expect(error == .cancelled)
            #expect(time == 250)
            try await holder.release(lease)
            #expect(rig.holder("k") == nil)
            #expect(rig.events(of: LockOwner(client: 2, sequence: 1)).count == 1)
        }
    }

    @Test("a grant that reaches a cancelled acquire is released at once")
    func grantAfterCancel() throws {
        try inWorld { clock in
            let store = InMemoryLockConnection(clock: clock)
            let client = LockClient(connection: StubbornConnection(store), clock: clock,
                                    configuration: try .init(), clientID: 1, random: RandomStream(rawSeed: 1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await #expect(throws: LockError.cancelled) { _ = try await client.acquire("k") }
                }
                try await clock.sleep(until: at(ms: 50))
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(store.statistics.grants == 1)
            #expect(store.statistics.releases == 1)
            #expect(await store.get("k") == nil)
        }
    }

    @Test("when no attempt gets a reply the acquire ends with storeUnavailable at the limit")
    func storeDown() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let link = rig.link(1, latencyMs: 1...1)
            link.setDown(true)
            let client = rig.client(1, try .init(maxWait: .milliseconds(500)), link: link)
            await #expect(throws: LockError.storeUnavailable(key: "k")) { _ = try await client.acquire("k") }
            #expect(clock.ms >= 500 && clock.ms < 510)
            #expect(client.statistics.storeErrors > 2)
        }
    }

    @Test("a SET whose reply was lost is deleted before the retry, not left for a whole TTL")
    func lostReplyCleanedUp() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let link = rig.link(1)
            link.dropReplies(1)
            let lease = try await rig.client(1, .init(), link: link).acquire("k")
            let first = LockOwner(client: 1, sequence: 1)
            #expect(rig.events(of: first).map(\.kind) == [.granted(FencingToken(1), ttl: .seconds(30)), .deleted])
            #expect(lease.owner == LockOwner(client: 1, sequence: 2))
            #expect(lease.fencingToken == FencingToken(2))
            #expect(rig.holder("k") == lease.owner)
        }
    }

    @Test("a grant whose reply arrives after its validity is given back")
    func lateGrantReturned() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            // 497 ms each way: the reply (994 ms) misses the validity (988 ms), and the
            // release lands (1491 ms) before the store's expiry (1497 ms).
            let link = rig.link(1, latencyMs: 497...497)
            let client = rig.client(1, try .init(ttl: .seconds(1), maxWait: .zero), link: link)
            await #expect(throws: LockError.timedOut(key: "k")) { _ = try await client.acquire("k") }
            let owner = LockOwner(client: 1, sequence: 1)
            #expect(rig.events(of: owner).map(\.kind) == [.granted(FencingToken(1), ttl: .seconds(1)), .deleted])
            #expect(client.statistics.acquired == 0)
        }
    }
}

@Suite("LockClient: release, renewal, watchdog, withLock")
struct LockClientHoldingTests {
    @Test("release after expiry throws lost, and a stale release leaves the new holder's lock")
    func staleRelease() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let alice = rig.client(1, try .init(ttl: .seconds(1)))
            let bob = rig.client(2, try .init(ttl: .seconds(1)))
            let old = try await alice.acquire("k")
            try await clock.sleep(until: at(ms: 1500))
            let new = try await bob.acquire("k")
            await #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) { try await alice.release(old) }
            #expect(old.loss == .rejectedByStore)
            #expect(rig.holder("k") == new.owner)
            #expect(alice.statistics.lost == 1)
            try await bob.release(new)
            #expect(bob.statistics.released == 1)
            #expect(rig.holder("k") == nil)
            #expect(!new.isHeld && new.loss == nil && new.isReleased)
        }
    }

    @Test("extend renews the validity from its send time; after the validity it throws lost without contacting the store")
    func extendEdges() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let client = rig.client(1, try .init(ttl: .seconds(1)))
            let lease = try await client.acquire("k")
            try await clock.sleep(until: at(ms: 500))
            try await client.extend(lease)
            #expect(lease.validUntil == at(ms: 1488))
            try await clock.sleep(until: at(ms: 1488))
            await #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) { try await client.extend(lease) }
            #expect(rig.store.statistics.extensions == 1)
            #expect(rig.store.statistics.failedExtensions == 0)
        }
    }

    @Test("an extend that reaches the store after expiry is refused and the lease is lost for good")
    func extendAfterStoreExpiry() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let link = rig.link(1, latencyMs: 1...1)
            let client = rig.client(1, try .init(ttl: .seconds(1)), link: link)
            let lease = try await client.acquire("k")  // store expiry: 1001 ms
            // The extend passes the holder's check at 980 ms, then the process freezes
            // before sending it: it reaches the store at 1011 ms.
            try await clock.sleep(until: at(ms: 980))
            link.pause(until: at(ms: 1010))
            await #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) { try await client.extend(lease) }
            #expect(rig.store.statistics.failedExtensions == 1)
            #expect(lease.loss == .rejectedByStore)
            #expect(!lease.isHeld)
        }
    }

    @Test("the watchdog keeps a lock through a body ten TTLs long and stops before the release")
    func watchdogKeepsLock() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let config = try Client.Configuration(ttl: .milliseconds(300))
            let holder = rig.client(1, config)
            let contender = rig.client(2, try .init(ttl: .milliseconds(300), maxWait: .seconds(2)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await holder.withLock("k") { lease in
                        for _ in 0..<61 {
                            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(50)))
                            #expect(lease.isHeld, "held at \(clock.now)")
                        }
                    }
                }
                group.addTask {
                    try await clock.sleep(until: at(ms: 10))
                    await #expect(throws: LockError.timedOut(key: "k")) { _ = try await contender.acquire("k") }
                }
                try await group.waitForAll()
            }
            let events = rig.events(of: LockOwner(client: 1, sequence: 1))
            let extensions = events.filter { $0.kind == .extended(ttl: .milliseconds(300)) }
            #expect(extensions.count == 30)  // every 100 ms until the body ends at 3.05 s
            #expect(events.last?.kind == .deleted)
            #expect(events.last?.at == at(ms: 3050))
            #expect(holder.statistics.renewals == 30)
            #expect(holder.statistics.released == 1)
        }
    }

    @Test("a watchdog that cannot reach the store loses the lease when its validity ends")
    func watchdogUnreachable() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let link = rig.link(1)
            let holder = rig.client(1, try .init(ttl: .milliseconds(300), initialDelay: .milliseconds(20)), link: link)
            let lease = Mutex<LockLease<VirtualClock>?>(nil)
            await #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) {
                try await holder.withLock("k") { held in
                    lease.withLock { $0 = held }
                    link.setDown(true)
                    try await clock.sleep(until: at(ms: 294.999))
                    #expect(held.isHeld)
                    try await clock.sleep(until: at(ms: 295))  // 300 − (3 + 2) ms of drift
                    #expect(!held.isHeld)
                    try await clock.sleep(until: at(ms: 1000))
                }
            }
            #expect(lease.withLock { $0?.loss } == .validityElapsed)
            #expect(holder.statistics.storeErrors >= 5)  // renewals retried every 20 ms
        }
    }

    @Test("a renewal refused by the store (a failover lost the key) makes the lease lost at once")
    func watchdogRefused() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let holder = rig.client(1, try .init(ttl: .milliseconds(300)))
            await #expect(throws: LockError.lost(key: "k", fencingToken: FencingToken(1))) {
                try await holder.withLock("k") { lease in
                    try await clock.sleep(until: at(ms: 150))
                    rig.store.withStore { $0 = LockStore(fencingTokensAfter: $0.lastFencingToken) }
                    try await clock.sleep(until: at(ms: 199.999))
                    #expect(lease.isHeld)
                    try await clock.sleep(until: at(ms: 200))
                    #expect(!lease.isHeld)
                    #expect(lease.loss == .rejectedByStore)
                    try await clock.sleep(until: at(ms: 500))
                }
            }
            #expect(holder.statistics.renewals == 1)
            #expect(holder.statistics.renewalsRefused == 1)
        }
    }

    @Test("withLock releases when the body throws and rethrows the body's error")
    func bodyThrows() throws {
        struct Boom: Error {}
        try inWorld { clock in
            let rig = Rig(clock)
            let client = rig.client(1, try .init())
            await #expect(throws: Boom.self) {
                try await client.withLock("k") { _ in
                    try await clock.sleep(until: at(ms: 10))
                    throw Boom()
                }
            }
            #expect(rig.holder("k") == nil)
            #expect(client.statistics.released == 1)
        }
    }

    @Test("cancelling withLock's task stops the body and the watchdog, and releases")
    func cancelDuringBody() throws {
        try inWorld { clock in
            let rig = Rig(clock)
            let client = rig.client(1, try .init(ttl: .milliseconds(300)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await #expect(throws: CancellationError.self) {
                        try await client.withLock("k") { _ in try await clock.sleep(until: at(ms: 10_000)) }
                    }
                }
                try await clock.sleep(until: at(ms: 1050))
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(clock.now == at(ms: 1050))
            #expect(rig.holder("k") == nil)
            let events = rig.events(of: LockOwner(client: 1, sequence: 1))
            #expect(events.last?.kind == .deleted && events.last?.at == at(ms: 1050))
            #expect(events.filter { $0.kind == .extended(ttl: .milliseconds(300)) }.count == 10)
        }
    }

    @Test("on a real ContinuousClock two tasks take turns and the watchdog renews a holder's lease")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let store = InMemoryLockConnection(clock: clock)
        let config = try LockClient<ContinuousClock, InMemoryLockConnection<ContinuousClock>, SystemRandomNumberGenerator>
            .Configuration(ttl: .seconds(3600), maxWait: realClockPatience, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20),
                           renewalInterval: .milliseconds(50))
        let first = LockClient(connection: store, clock: clock, configuration: config)
        let second = LockClient(connection: store, clock: clock, configuration: config)
        let inside = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in [first, second].enumerated() {
                group.addTask {
                    try await client.withLock("k") { lease in
                        inside.enter()
                        // The first holder stays until the watchdog has renewed its lease.
                        // No bound on when that happens: with parallel CPU-bound tests the
                        // cooperative threads may run nothing else for seconds, so the
                        // lease is long (the watchdog's renewals under a TTL that passes
                        // are specified on virtual time above) and only a hang fails.
                        let deadline = clock.now.advanced(by: realClockPatience)
                        if index == 0 {
                            while store.statistics.extensions == 0 && clock.now < deadline {
                                try await Task.sleep(for: .milliseconds(10), clock: clock)
                            }
                        } else {
                            try await Task.sleep(for: .milliseconds(20), clock: clock)
                        }
                        #expect(lease.isHeld)
                        inside.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inside.most == 1)
        #expect(store.statistics.grants == 2)
        #expect(store.statistics.releases == 2)
        #expect(store.statistics.extensions >= 1)
        #expect(first.clientID != second.clientID)
    }
}
