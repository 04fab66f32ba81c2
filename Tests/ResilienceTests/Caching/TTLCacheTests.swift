import Resilience
import SimKernel
import Testing

private typealias Store = TTLCache<Int, String, VirtualClock.Instant>

@Suite("TTLCache")
struct TTLCacheTests {
    @Test("an entry is live until its expiry instant and a miss from it on")
    func expiryIsExclusive() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        let expiry = store.set(1, "one", ttl: .seconds(1), now: at(ms: 0), using: &random)
        #expect(expiry == at(ms: 1000))
        #expect(store.get(1, now: at(ms: 999.999)) == "one")
        #expect(store.get(1, now: at(ms: 1000)) == nil)
        #expect(store.statistics.hits == 1)
        #expect(store.statistics.misses == 1)
        #expect(store.statistics.expirations == 1)
        #expect(store.count == 0, "the expired entry was removed by the lookup")
        #expect(random.draws == 0, "no jitter configured, nothing drawn")
    }

    @Test("without an explicit TTL the default of 5 minutes applies")
    func defaultTTL() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        #expect(store.defaultTTL == .seconds(300))
        store.set(1, "one", now: at(ms: 0), using: &random)
        #expect(store.peek(1, now: at(ms: 299_999)) == "one")
        #expect(store.peek(1, now: at(ms: 300_000)) == nil)
    }

    @Test("a TTL of zero or less stores nothing and drops the previous value")
    func nonPositiveTTL() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        store.set(1, "one", ttl: .seconds(10), now: at(ms: 0), using: &random)
        #expect(store.set(1, "two", ttl: .zero, now: at(ms: 1), using: &random) == nil)
        #expect(store.get(1, now: at(ms: 2)) == nil)
        #expect(store.set(2, "x", ttl: .seconds(-1), now: at(ms: 3), using: &random) == nil)
        #expect(store.count == 0)
        let stored = store.set(3, "y", expiresAt: at(ms: 4), now: at(ms: 4))
        #expect(!stored)
        #expect(store.count == 0)
    }

    @Test("overwriting a key replaces its value and restarts its TTL")
    func overwriteRestartsTTL() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        store.set(1, "old", ttl: .seconds(1), now: at(ms: 0), using: &random)
        store.set(1, "new", ttl: .seconds(1), now: at(ms: 900), using: &random)
        #expect(store.get(1, now: at(ms: 1500)) == "new")
        #expect(store.get(1, now: at(ms: 1900)) == nil)
        #expect(store.statistics.insertions == 2)
    }

    @Test("a full store evicts its least recently used live entry and counts an eviction")
    func evictsLRU() throws {
        var store = try Store(capacity: 2)
        var random = CachingCountingRandom()
        store.set(1, "a", ttl: .seconds(10), now: at(ms: 0), using: &random)
        store.set(2, "b", ttl: .seconds(10), now: at(ms: 1), using: &random)
        _ = store.get(1, now: at(ms: 2))
        store.set(3, "c", ttl: .seconds(10), now: at(ms: 3), using: &random)
        #expect(store.count == 2)
        #expect(store.peek(2, now: at(ms: 4)) == nil)
        #expect(store.peek(1, now: at(ms: 4)) == "a")
        #expect(store.statistics.evictions == 1)
        #expect(store.statistics.expirations == 0)
    }

    @Test("an expired entry pushed out by capacity counts as an expiration, not an eviction")
    func expiredVictim() throws {
        var store = try Store(capacity: 1)
        var random = CachingCountingRandom()
        store.set(1, "a", ttl: .seconds(1), now: at(ms: 0), using: &random)
        store.set(2, "b", ttl: .seconds(1), now: at(ms: 5000), using: &random)
        #expect(store.statistics.expirations == 1)
        #expect(store.statistics.evictions == 0)
        #expect(store.keysByRecency == [2])
    }

    @Test("peek changes neither recency nor counters")
    func peekIsPassive() throws {
        var store = try Store(capacity: 2)
        var random = CachingCountingRandom()
        store.set(1, "a", ttl: .seconds(10), now: at(ms: 0), using: &random)
        store.set(2, "b", ttl: .seconds(10), now: at(ms: 1), using: &random)
        #expect(store.peek(1, now: at(ms: 2)) == "a")
        #expect(store.peekEntry(1, now: at(ms: 2))?.expiresAt == at(ms: 10_000))
        #expect(store.statistics.hits == 0 && store.statistics.misses == 0)
        store.set(3, "c", ttl: .seconds(10), now: at(ms: 3), using: &random)
        #expect(store.peek(1, now: at(ms: 4)) == nil, "1 was still the least recently used")
    }

    @Test("removeExpired sweeps exactly the expired entries")
    func sweep() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        for key in 0..<6 { store.set(key, "\(key)", ttl: .seconds(Int64(key + 1)), now: at(ms: 0), using: &random) }
        #expect(store.removeExpired(now: at(ms: 3000)) == 3)
        #expect(store.count == 3)
        #expect(store.keysByRecency == [5, 4, 3])
        #expect(store.statistics.expirations == 3)
    }

    @Test("removeValue and removeAll drop entries, live or expired")
    func removal() throws {
        var store = try Store(capacity: 10)
        var random = CachingCountingRandom()
        store.set(1, "a", ttl: .seconds(1), now: at(ms: 0), using: &random)
        store.set(2, "b", ttl: .seconds(1), now: at(ms: 0), using: &random)
        #expect(store.removeValue(forKey: 1) == "a")
        #expect(store.removeValue(forKey: 1) == nil)
        store.removeAll()
        #expect(store.count == 0 && store.get(2, now: at(ms: 1)) == nil)
    }

    @Test("a capacity of 0 stores nothing")
    func zeroCapacity() throws {
        var store = try Store(capacity: 0)
        var random = CachingCountingRandom()
        #expect(store.set(1, "a", ttl: .seconds(1), now: at(ms: 0), using: &random) == nil)
        #expect(store.get(1, now: at(ms: 0)) == nil)
    }

    @Test("jitter spreads expiries of entries written together within their bounds")
    func jitterSpreadsExpiries() throws {
        var store = try Store(capacity: 100, defaultTTL: .seconds(300), jitter: .below(0.1))
        var random = RandomStream(rawSeed: 3)
        var expiries = Set<VirtualClock.Instant>()
        for key in 0..<100 {
            let expiry = store.set(key, "v", now: at(ms: 0), using: &random)!
            #expect(expiry >= at(ms: 270_000) && expiry <= at(ms: 300_000))
            expiries.insert(expiry)
        }
        #expect(expiries.count > 90, "a batch written at once does not expire at once")
    }

    @Test("never returns an expired entry, never exceeds capacity, and matches a model (500 schedules)")
    func matchesModel() throws {
        try forEachSchedule("ttl.model", count: 500) { random in
            let capacity = random.int(in: 0...5)
            let jitter = TTLJitter(fraction: random.chance(0.5) ? random.nextUnit() : 0,
                                   spread: [.below, .around, .above][random.int(in: 0...2)])
            var store = try Store(capacity: capacity, defaultTTL: .milliseconds(50), jitter: jitter)
            // Model: most recently used first, with the expiry the store reported.
            var model: [(key: Int, value: String, expiresAt: VirtualClock.Instant)] = []
            var now = at(ms: 0)
            var expectedEvictions = 0, expectedExpirations = 0
            for step in 0..<80 {
                now = now.advanced(by: random.milliseconds(in: 0...30))
                let key = random.int(in: 0...7)
                switch random.int(in: 0...9) {
                case 0...3:
                    let ttl: Duration? = random.chance(0.2) ? nil : random.milliseconds(in: -5...100)
                    let value = "v\(step)"
                    let expiry = store.set(key, value, ttl: ttl, now: now, using: &random)
                    let base = ttl ?? .milliseconds(50)
                    if let expiry {
                        try require(jitter.bounds(for: base).contains(now.duration(to: expiry)),
                                    "step \(step): lifetime \(now.duration(to: expiry)) outside \(jitter.bounds(for: base))")
                    }
                    let index = model.firstIndex { $0.key == key }
                    guard let expiry, capacity > 0 else {
                        if let index { model.remove(at: index) }
                        try require(expiry == nil || capacity == 0, "step \(step): stored with TTL \(base)")
                        break
                    }
                    if let index {
                        model.remove(at: index)
                    } else if model.count == capacity {
                        let victim = model.removeLast()
                        if now < victim.expiresAt { expectedEvictions += 1 } else { expectedExpirations += 1 }
                    }
                    model.insert((key, value, expiry), at: 0)
                case 4...6:
                    let got = store.get(key, now: now)
                    var expected: String?
                    if let index = model.firstIndex(where: { $0.key == key }) {
                        let entry = model.remove(at: index)
                        if now < entry.expiresAt {
                            expected = entry.value
                            model.insert(entry, at: 0)
                        } else {
                            expectedExpirations += 1
                        }
                    }
                    try require(got == expected, "step \(step): get(\(key)) at \(now) = \(String(describing: got)), model \(String(describing: expected))")
                case 7:
                    let got = store.peek(key, now: now)
                    let entry = model.first { $0.key == key }
                    try require(got == entry.flatMap { now < $0.expiresAt ? $0.value : nil }, "step \(step): peek(\(key))")
                case 8:
                    _ = store.removeValue(forKey: key)
                    model.removeAll { $0.key == key }
                default:
                    let swept = store.removeExpired(now: now)
                    let before = model.count
                    model.removeAll { !(now < $0.expiresAt) }
                    expectedExpirations += before - model.count
                    try require(swept == before - model.count, "step \(step): swept \(swept)")
                }
                try require(store.count <= capacity, "step \(step): count \(store.count) > capacity \(capacity)")
                try require(store.keysByRecency == model.map(\.key), "step \(step): order \(store.keysByRecency) vs \(model.map(\.key))")
                for entry in model where store.peek(entry.key, now: now) != nil {
                    try require(now < entry.expiresAt, "step \(step): expired entry \(entry.key) still readable")
                }
            }
            try require(store.statistics.evictions == expectedEvictions, "evictions \(store.statistics.evictions) vs \(expectedEvictions)")
            try require(store.statistics.expirations == expectedExpirations, "expirations \(store.statistics.expirations) vs \(expectedExpirations)")
        }
    }
}
