import Resilience
import Testing

/// The pure state machines driven with `ContinuousClock` instants and real sleeps, as a
/// server would drive them: each shows its time-based rule working on real time (a few
/// tens of milliseconds each). Their full specifications run under virtual time.
///
/// On a loaded machine any line may run late by seconds, so no test depends on two
/// readings of the clock being close: what must happen "at once" uses one instant, and
/// what must happen "later" follows a real sleep, which only ever lasts longer.
@Suite("State machines on a real clock")
struct RealClockStateMachineTests {
    let clock = ContinuousClock()

    func pause(_ milliseconds: Int = 60) async throws { try await Task.sleep(for: .milliseconds(milliseconds)) }

    @Test("TTLCache: an entry is served until its TTL passes, then gone")
    func ttlCache() async throws {
        var cache = try TTLCache<String, Int, ContinuousClock.Instant>(capacity: 10, defaultTTL: .milliseconds(30))
        var random = SystemRandomNumberGenerator()
        let start = clock.now
        cache.set("menu:42", 7, now: start, using: &random)
        let fresh = cache.get("menu:42", now: start)
        #expect(fresh == 7)
        try await pause()
        let stale = cache.get("menu:42", now: clock.now)
        #expect(stale == nil)
    }

    @Test("DeduplicationWindow: a redelivered id is a duplicate until its retention passes")
    func deduplicationWindow() async throws {
        var window = try DeduplicationWindow<UInt64, ContinuousClock.Instant>(capacity: 100, retention: .milliseconds(30))
        let start = clock.now
        let first = window.insert(1, now: start)
        let redelivered = window.insert(1, now: start)
        #expect(first && !redelivered)
        try await pause()
        window.evict(now: clock.now)
        let later = window.insert(1, now: clock.now)
        #expect(later, "forgotten after the retention")
    }

    @Test("LockStore: a lock is held until its TTL passes, then the next owner gets a higher fencing token")
    func lockStore() async throws {
        var store = LockStore<ContinuousClock.Instant>()
        let first = LockOwner(client: 1, sequence: 1), second = LockOwner(client: 2, sequence: 1)
        let start = clock.now
        guard case .granted(let token1) = store.set("stock:7", owner: first, ttl: .milliseconds(30), now: start) else {
            Issue.record("first owner refused")
            return
        }
        guard case .held = store.set("stock:7", owner: second, ttl: .milliseconds(30), now: start) else {
            Issue.record("second owner granted while the lock is live")
            return
        }
        try await pause()
        guard case .granted(let token2) = store.set("stock:7", owner: second, ttl: .milliseconds(30), now: clock.now) else {
            Issue.record("second owner refused after expiry")
            return
        }
        #expect(token2 > token1)
        let deleted = store.compareAndDelete("stock:7", owner: first, now: clock.now)
        #expect(!deleted, "the old owner cannot delete the new lock")
    }

    @Test("Redlock: a majority of three real-clock stores excludes a second client until release")
    func redlock() async throws {
        let stores = (0..<3).map { _ in InMemoryLockConnection(clock: clock) }
        typealias RealRedlock = Redlock<ContinuousClock, InMemoryLockConnection<ContinuousClock>, SystemRandomNumberGenerator>
        // Acquisitions that must succeed may wait as long as the suite runs (a loaded
        // machine can stall a task for a minute), and the lease outlives any stall; only
        // the attempt that must fail is short, and it fails however late it runs.
        let patient = try RealRedlock.Configuration(ttl: .seconds(3600), maxWait: realClockPatience, initialDelay: .milliseconds(5), maxDelay: .milliseconds(10))
        let hasty = try RealRedlock.Configuration(ttl: .seconds(3600), maxWait: .milliseconds(40), initialDelay: .milliseconds(5), maxDelay: .milliseconds(10))
        let one = try Redlock(connections: stores, clock: clock, configuration: patient, clientID: 1, random: SystemRandomNumberGenerator())
        let twoInAHurry = try Redlock(connections: stores, clock: clock, configuration: hasty, clientID: 2, random: SystemRandomNumberGenerator())
        let two = try Redlock(connections: stores, clock: clock, configuration: patient, clientID: 2, random: SystemRandomNumberGenerator())
        let lease = try await one.acquire("rider:9")
        await #expect(throws: LockError.timedOut(key: "rider:9")) { _ = try await twoInAHurry.acquire("rider:9") }
        #expect(await one.release(lease) == 3)
        let second = try await two.acquire("rider:9")
        #expect(await two.release(second) == 3)
    }

    @Test("MessageQueue: messages past their TTL are dead-lettered as expired, and every message is accounted for")
    func messageQueueTTL() async throws {
        var queue = MessageQueue<String, ContinuousClock.Instant>(try MessageQueueConfiguration(name: "orders.placed", messageTTL: .milliseconds(30)))
        _ = queue.publish("order 1", now: clock.now)
        _ = queue.publish("order 2", now: clock.now)
        try await pause()
        let expired = queue.expire(now: clock.now)
        #expect(expired == 2)
        let letter = queue.popDeadLetter()
        #expect(letter?.reason == .expired)
        #expect(queue.statistics.isConserved)
        #expect(queue.statistics.ready == 0)
    }

    @Test("EarlyRefresh: certain once expired; never early when recomputing is free")
    func earlyRefresh() async throws {
        let refresh = EarlyRefresh(beta: 1)
        var random = SystemRandomNumberGenerator()
        let start = clock.now
        let expiresAt = start.advanced(by: .milliseconds(30))
        #expect(!refresh.shouldRefresh(now: start, expiresAt: expiresAt, recomputeTime: .zero, using: &random))
        try await pause()
        #expect(refresh.shouldRefresh(now: clock.now, expiresAt: expiresAt, recomputeTime: .zero, using: &random))
    }
}
