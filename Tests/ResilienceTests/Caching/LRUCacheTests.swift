import Resilience
import SimKernel
import Testing

@Suite("LRUCache")
struct LRUCacheTests {
    @Test("an empty cache finds nothing and evicts nothing")
    func empty() throws {
        var cache = try LRUCache<String, Int>(capacity: 3)
        #expect(cache.get("a") == nil)
        #expect(cache.peek("a") == nil)
        #expect(cache.isEmpty && cache.count == 0)
        #expect(cache.leastRecentlyUsed == nil)
        #expect(cache.removeLeastRecentlyUsed() == nil)
        #expect(cache.removeValue(forKey: "a") == nil)
        #expect(cache.keysByRecency.isEmpty)
    }

    @Test("a full cache evicts the least recently used entry and returns it")
    func evictsLeastRecentlyUsed() throws {
        var cache = try LRUCache<String, Int>(capacity: 2)
        #expect(cache.set("a", 1) == nil)
        #expect(cache.set("b", 2) == nil)
        let evicted = cache.set("c", 3)
        #expect(evicted?.key == "a" && evicted?.value == 1)
        #expect(cache.count == 2)
        #expect(cache.keysByRecency == ["c", "b"])
    }

    @Test("get makes an entry the most recently used; peek does not")
    func getPromotesPeekDoesNot() throws {
        var cache = try LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.peek("a") == 1)
        #expect(cache.leastRecentlyUsed?.key == "a")
        #expect(cache.get("a") == 1)
        #expect(cache.leastRecentlyUsed?.key == "b")
        #expect(cache.set("c", 3)?.key == "b")
        #expect(cache.keysByRecency == ["c", "a"])
    }

    @Test("replacing a value promotes it and evicts nothing")
    func replaceDoesNotEvict() throws {
        var cache = try LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.set("a", 10) == nil)
        #expect(cache.count == 2)
        #expect(cache.keysByRecency == ["a", "b"])
        #expect(cache.peek("a") == 10)
    }

    @Test("a capacity of 0 stores nothing and hands every entry back as evicted")
    func zeroCapacity() throws {
        var cache = try LRUCache<String, Int>(capacity: 0)
        let evicted = cache.set("a", 1)
        #expect(evicted?.key == "a" && evicted?.value == 1)
        #expect(cache.isEmpty)
        #expect(cache.get("a") == nil)
    }

    @Test("a capacity of 1 keeps only the newest entry")
    func capacityOne() throws {
        var cache = try LRUCache<Int, Int>(capacity: 1)
        cache.set(1, 1)
        #expect(cache.set(2, 2)?.key == 1)
        #expect(cache.keysByRecency == [2])
        #expect(cache.removeValue(forKey: 2) == 2)
        #expect(cache.isEmpty && cache.leastRecentlyUsed == nil)
        cache.set(3, 3)
        #expect(cache.keysByRecency == [3])
    }

    @Test("removing the newest, a middle or the oldest entry keeps the others in order")
    func removeAnywhere() throws {
        for victim in ["a", "b", "c", "d"] {
            var cache = try LRUCache<String, Int>(capacity: 4)
            for (index, key) in ["a", "b", "c", "d"].enumerated() { cache.set(key, index) }
            #expect(cache.removeValue(forKey: victim) != nil)
            #expect(cache.keysByRecency == ["d", "c", "b", "a"].filter { $0 != victim })
            // The structure is still sound: filling it again evicts in LRU order.
            cache.set("e", 9)
            #expect(cache.set("f", 10)?.key == (victim == "a" ? "b" : "a"))
        }
    }

    @Test("removeAll(where:) removes exactly the matching entries and keeps recency order")
    func removeAllWhere() throws {
        var cache = try LRUCache<Int, Int>(capacity: 10)
        for key in 0..<10 { cache.set(key, key * 10) }
        _ = cache.get(4)
        let removed = cache.removeAll { key, _ in key % 3 == 0 }
        #expect(removed == 4)
        #expect(cache.keysByRecency == [4, 8, 7, 5, 2, 1])
        #expect(cache.removeAll { _, _ in true } == 6)
        #expect(cache.isEmpty)
    }

    @Test("removeAll empties the cache, which then works as new")
    func removeAllThenReuse() throws {
        var cache = try LRUCache<Int, Int>(capacity: 2)
        cache.set(1, 1)
        cache.set(2, 2)
        cache.removeAll()
        #expect(cache.isEmpty && cache.get(1) == nil)
        cache.set(3, 3)
        cache.set(4, 4)
        #expect(cache.set(5, 5)?.key == 3)
    }

    @Test("matches a naive list model over random operations (500 schedules)")
    func matchesModel() throws {
        try forEachSchedule("lru.model", count: 500) { random in
            let capacity = random.int(in: 0...6)
            var cache = try LRUCache<Int, Int>(capacity: capacity)
            // Model: most recently used first.
            var model: [(key: Int, value: Int)] = []
            for step in 0..<80 {
                let key = random.int(in: 0...9)
                switch random.int(in: 0...9) {
                case 0...3:
                    let value = random.int(in: 0...999)
                    let evicted = cache.set(key, value)
                    var expected: (key: Int, value: Int)?
                    if let index = model.firstIndex(where: { $0.key == key }) {
                        model.remove(at: index)
                        model.insert((key, value), at: 0)
                    } else if capacity == 0 {
                        expected = (key, value)
                    } else {
                        if model.count == capacity { expected = model.removeLast() }
                        model.insert((key, value), at: 0)
                    }
                    try require(evicted?.key == expected?.key && evicted?.value == expected?.value,
                                "step \(step): set(\(key)) evicted \(String(describing: evicted)), model \(String(describing: expected))")
                case 4...5:
                    let got = cache.get(key)
                    var expected: Int?
                    if let index = model.firstIndex(where: { $0.key == key }) {
                        let entry = model.remove(at: index)
                        model.insert(entry, at: 0)
                        expected = entry.value
                    }
                    try require(got == expected, "step \(step): get(\(key)) = \(String(describing: got)), model \(String(describing: expected))")
                case 6:
                    try require(cache.peek(key) == model.first(where: { $0.key == key })?.value, "step \(step): peek(\(key))")
                case 7:
                    let removed = cache.removeValue(forKey: key)
                    let index = model.firstIndex(where: { $0.key == key })
                    try require(removed == index.map { model[$0].value }, "step \(step): remove(\(key))")
                    if let index { model.remove(at: index) }
                case 8:
                    let removed = cache.removeLeastRecentlyUsed()
                    let expected = model.popLast()
                    try require(removed?.key == expected?.key, "step \(step): removeLeastRecentlyUsed")
                default:
                    let residue = random.int(in: 0...2)
                    let count = cache.removeAll { key, _ in key % 3 == residue }
                    let before = model.count
                    model.removeAll { $0.key % 3 == residue }
                    try require(count == before - model.count, "step \(step): removeAll(where:)")
                }
                try require(cache.keysByRecency == model.map(\.key),
                            "step \(step): order \(cache.keysByRecency) vs model \(model.map(\.key))")
                try require(cache.count <= capacity, "step \(step): count \(cache.count) > capacity \(capacity)")
            }
        }
    }
}
