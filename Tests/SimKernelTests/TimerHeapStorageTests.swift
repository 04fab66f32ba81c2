@testable import SimKernel
import Testing

/// The timer heap's storage keeps every node's four children in one cache line, however
/// often it grows, and keeps its entries through growth, copies and shrinking.
@Suite("Timer heap storage")
struct TimerHeapStorageTests {
    typealias Entry = TimerQueue.Entry

    func entry(_ index: Int) -> Entry {
        Entry(when: Int64(index) * 1_000, key: UInt64(index) << UInt64(TimerQueue.slotBits) | UInt64(index % 97))
    }

    @Test("an entry is 16 bytes, and the children of every node start a 64-byte line, before and after each growth")
    func childrenShareOneLine() {
        #expect(MemoryLayout<Entry>.size == 16 && MemoryLayout<Entry>.stride == 16)
        var storage = TimerHeapStorage()
        var capacities: [Int] = []
        for index in 0..<5_000 {
            storage.append(entry(index))
            if capacities.last != storage.capacity {
                capacities.append(storage.capacity)
                for parent in stride(from: 0, to: storage.capacity / 4, by: 1) {
                    let firstChild = UInt(bitPattern: storage.entries + (4 * parent + 1))
                    if firstChild % 64 != 0 {
                        Issue.record("capacity \(storage.capacity): the children of node \(parent) start at byte \(firstChild % 64) of a line")
                        break
                    }
                }
            }
        }
        #expect(capacities.count >= 5, "grew only through capacities \(capacities)")
        #expect((0..<5_000).allSatisfy { storage.entries[$0].key == entry($0).key && storage.entries[$0].when == entry($0).when })
    }

    @Test("a copy keeps its entries while the original changes, and shrinking keeps the entries")
    func copyAndShrink() {
        var storage = TimerHeapStorage()
        for index in 0..<1_000 { storage.append(entry(index)) }
        let copy = storage
        storage.makeUnique()
        #expect(storage.entries != copy.entries)
        storage.truncate(to: 10)
        storage.reallocate(capacity: 20)
        storage.entries[0] = entry(999)
        #expect(copy.count == 1_000 && copy.entries[0].key == entry(0).key && copy.entries[999].when == entry(999).when)
        #expect(storage.count == 10 && storage.capacity == 20)
        #expect((1..<10).allSatisfy { storage.entries[$0].key == entry($0).key })
        #expect(UInt(bitPattern: storage.entries + 1) % 64 == 0)
        #expect(storage.removeLast().key == entry(9).key && storage.count == 9)
        // A storage no copy shares keeps its block.
        let before = storage.entries
        storage.makeUnique()
        #expect(storage.entries == before)
    }
}
