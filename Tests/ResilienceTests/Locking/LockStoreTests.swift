import Resilience
import SimKernel
import Testing

private let alice = LockOwner(client: 1, sequence: 1)
private let bob = LockOwner(client: 2, sequence: 1)
private let ttl = Duration.milliseconds(1000)

@Suite("LockStore: SET NX PX, compare-and-delete, compare-and-extend, fencing")
struct LockStoreTests {
    typealias Store = LockStore<VirtualClock.Instant>

    @Test("a free key is granted with token 1, then refused to others with the exact remaining TTL")
    func grantThenContend() {
        var store = Store()
        let r1 = store.set("k", owner: alice, ttl: ttl, now: at(ms: 100))
        #expect(r1 == .granted(FencingToken(1)))
        let r2 = store.set("k", owner: bob, ttl: ttl, now: at(ms: 350))
        #expect(r2 == .held(remaining: .milliseconds(750)))
        let r3 = store.get("k", now: at(ms: 350))
        #expect(r3 == LockHolder(owner: alice, fencingToken: FencingToken(1), remaining: .milliseconds(750)))
        #expect(store.statistics.grants == 1)
        #expect(store.statistics.contended == 1)
    }

    @Test("the lock is not reentrant: the holder's own second SET NX is refused")
    func notReentrant() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r4 = store.set("k", owner: alice, ttl: ttl, now: at(ms: 10))
        #expect(r4 == .held(remaining: .milliseconds(990)))
    }

    @Test("a lock is live until one nanosecond before ttl and expired exactly at ttl")
    func expiryExactlyAtTTL() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let justBefore = VirtualClock.Instant(nanoseconds: 999_999_999)
        let r5 = store.set("k", owner: bob, ttl: ttl, now: justBefore)
        #expect(r5 == .held(remaining: .nanoseconds(1)))
        let r6 = store.get("k", now: justBefore)?.owner
        #expect(r6 == alice)
        let r7 = store.set("k", owner: bob, ttl: ttl, now: at(ms: 1000))
        #expect(r7 == .granted(FencingToken(2)))
        #expect(store.statistics.expiredWhileHeld == 1)
    }

    @Test("GET of an expired lock returns nil and counts the expiry once")
    func getAfterExpiry() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r8 = store.get("k", now: at(ms: 1000))
        #expect(r8 == nil)
        let r9 = store.get("k", now: at(ms: 2000))
        #expect(r9 == nil)
        #expect(store.statistics.expiredWhileHeld == 1)
        #expect(store.storedCount == 0)
    }

    @Test("compare-and-delete deletes only the live holder's lock")
    func compareAndDelete() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r10 = store.compareAndDelete("k", owner: bob, now: at(ms: 10))
        #expect(!r10)
        let r11 = store.get("k", now: at(ms: 10))?.owner
        #expect(r11 == alice)
        let r12 = store.compareAndDelete("k", owner: alice, now: at(ms: 20))
        #expect(r12)
        let r13 = store.get("k", now: at(ms: 20))
        #expect(r13 == nil)
        let r14 = store.compareAndDelete("k", owner: alice, now: at(ms: 30))
        #expect(!r14)
        #expect(store.statistics.releases == 1)
        #expect(store.statistics.failedReleases == 2)
    }

    @Test("release after expiry fails even if nobody took the lock since")
    func releaseAfterExpiry() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r15 = store.compareAndDelete("k", owner: alice, now: at(ms: 1000))
        #expect(!r15)
        #expect(store.statistics.failedReleases == 1)
        #expect(store.statistics.expiredWhileHeld == 1)
    }

    @Test("a stale holder's release after the lock changed hands leaves the new holder's lock")
    func staleReleaseKeepsNewHolder() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r16 = store.set("k", owner: bob, ttl: ttl, now: at(ms: 1500))
        #expect(r16 == .granted(FencingToken(2)))
        let r17 = store.compareAndDelete("k", owner: alice, now: at(ms: 1600))
        #expect(!r17)
        let r18 = store.get("k", now: at(ms: 1600))?.owner
        #expect(r18 == bob)
    }

    @Test("compare-and-extend sets the TTL from now, like PEXPIRE, and may shorten it")
    func extendFromNow() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r19 = store.compareAndExtend("k", owner: alice, ttl: ttl, now: at(ms: 900))
        #expect(r19)
        let r20 = store.get("k", now: at(ms: 1899))?.owner
        #expect(r20 == alice)
        let r21 = store.get("k", now: at(ms: 1900))
        #expect(r21 == nil)
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 2000))
        let r22 = store.compareAndExtend("k", owner: alice, ttl: .milliseconds(100), now: at(ms: 2050))
        #expect(r22)
        let r23 = store.set("k", owner: bob, ttl: ttl, now: at(ms: 2150))
        #expect(r23 == .granted(FencingToken(3)))
        #expect(store.statistics.extensions == 2)
    }

    @Test("only the holder extends, and nobody extends after expiry")
    func extendRefusals() {
        var store = Store()
        _ = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        let r24 = store.compareAndExtend("k", owner: bob, ttl: ttl, now: at(ms: 500))
        #expect(!r24)
        let r25 = store.compareAndExtend("k", owner: alice, ttl: ttl, now: at(ms: 1000))
        #expect(!r25)
        let r26 = store.compareAndExtend("absent", owner: alice, ttl: ttl, now: at(ms: 1000))
        #expect(!r26)
        let r27 = store.set("k", owner: bob, ttl: ttl, now: at(ms: 1000))
        #expect(r27 == .granted(FencingToken(2)))
        #expect(store.statistics.failedExtensions == 3)
        #expect(store.statistics.extensions == 0)
    }

    @Test("fencing tokens increase across keys and are never reused after delete or expiry")
    func tokensStoreWide() {
        var store = Store()
        #expect(store.lastFencingToken == nil)
        let r28 = store.set("a", owner: alice, ttl: ttl, now: at(ms: 0))
        #expect(r28 == .granted(FencingToken(1)))
        let r29 = store.set("b", owner: bob, ttl: ttl, now: at(ms: 0))
        #expect(r29 == .granted(FencingToken(2)))
        let r30 = store.compareAndDelete("a", owner: alice, now: at(ms: 1))
        #expect(r30)
        let r31 = store.set("a", owner: bob, ttl: ttl, now: at(ms: 2))
        #expect(r31 == .granted(FencingToken(3)))
        let r32 = store.set("b", owner: alice, ttl: ttl, now: at(ms: 1000))
        #expect(r32 == .granted(FencingToken(4)))
        #expect(store.lastFencingToken == FencingToken(4))
    }

    @Test("a store restored after a restart resumes above the last token it issued")
    func resumeTokens() {
        var store = Store(fencingTokensAfter: FencingToken(41))
        let r33 = store.set("k", owner: alice, ttl: ttl, now: at(ms: 0))
        #expect(r33 == .granted(FencingToken(42)))
    }

    @Test("the active expiry sweep removes and counts only expired locks")
    func removeExpired() {
        var store = Store()
        _ = store.set("a", owner: alice, ttl: .milliseconds(100), now: at(ms: 0))
        _ = store.set("b", owner: bob, ttl: .milliseconds(300), now: at(ms: 0))
        let r34 = store.removeExpired(now: at(ms: 100))
        #expect(r34 == 1)
        #expect(store.storedCount == 1)
        let r35 = store.get("b", now: at(ms: 299))?.owner
        #expect(r35 == bob)
        #expect(store.statistics.expiredWhileHeld == 1)
    }

    /// Random commands from random owners at random (non-decreasing) instants, checked
    /// against an independent model: at most one live holder per key, strictly
    /// increasing tokens, compare-and-delete/extend only by the live holder.
    @Test("property: the store agrees with the reference model on random command streams")
    func differentialProperty() throws {
        var foreignDeletes = 0
        var grants = 0
        try forEachSchedule("lock-store-model", count: 1000) { random in
            var store = Store()
            var model = LockModel()
            var now = VirtualClock.Instant.zero
            let keys = ["a", "b"]
            let owners = (1...4).map { LockOwner(client: UInt64($0), sequence: 1) }
            for _ in 0..<random.int(in: 10...60) {
                now = now.advanced(by: random.milliseconds(in: 0...400))
                // Land exactly on an expiry instant now and then.
                if random.chance(0.2), let live = model.live[keys[random.int(in: 0...1)]] {
                    now = Swift.max(now, live.expiresAt)
                }
                let key = keys[random.int(in: 0...1)]
                let owner = owners[random.int(in: 0...3)]
                let ttl = random.milliseconds(in: 1...1000)
                let kind: LockEvent.Kind
                switch random.int(in: 0...3) {
                case 0:
                    switch store.set(key, owner: owner, ttl: ttl, now: now) {
                    case .granted(let token): kind = .granted(token, ttl: ttl); grants += 1
                    case .held(let remaining):
                        let expected = model.holder(key, at: now).map { now.duration(to: $0.expiresAt) }
                        try require(remaining == expected, "remaining \(remaining), model \(String(describing: expected))")
                        kind = .contended
                    }
                case 1:
                    kind = store.compareAndDelete(key, owner: owner, now: now) ? .deleted : .deleteRefused
                case 2:
                    kind = store.compareAndExtend(key, owner: owner, ttl: ttl, now: now) ? .extended(ttl: ttl) : .extendRefused
                default:
                    let holder = store.get(key, now: now)
                    let expected = model.holder(key, at: now)
                    try require(holder?.owner == expected?.owner && holder?.fencingToken == expected?.token,
                                "GET \(key) at \(now): \(String(describing: holder)) vs model \(String(describing: expected?.owner))")
                    kind = .contended
                }
                try model.check(LockEvent(key: key, owner: owner, at: now, kind: kind))
            }
            foreignDeletes += model.foreignDeletesRefused
        }
        // The streams did exercise the dangerous cases.
        #expect(grants > 1000)
        #expect(foreignDeletes > 100)
    }
}
