/// The timer heap's entries, in memory the queue allocates itself so that it decides
/// where they fall: a 64-byte-aligned block with the root one entry short of the first
/// cache line's end (byte 48), so that entries 4p+1 … 4p+4 (the four children of node
/// p, 16 bytes each) always fill exactly one cache line.
///
/// A plain growable buffer of `count` entries with room for `capacity`; the heap order
/// is ``TimerQueue``'s business. A queue that is copied shares its storage until one copy
/// changes; the queue copies it first (`isKnownUniquelyReferenced`).
final class TimerHeapStorage {
    typealias Entry = TimerQueue.Entry

    /// The cache line the layout is made for.
    static let lineSize = 64
    /// Where the root sits in the block: one entry before the end of the first line, so
    /// index 1 starts the second line, and with it every 4p+1.
    static let rootOffset = lineSize - MemoryLayout<Entry>.stride
    /// Room a new storage starts with.
    static let initialCapacity = 60

    private var block: UnsafeMutableRawPointer
    /// The root; entry i is `entries[i]`.
    private(set) var entries: UnsafeMutablePointer<Entry>
    /// Entries the block has room for.
    private(set) var capacity: Int
    /// Entries stored, at `entries[0 ..< count]`.
    private(set) var count = 0

    init(capacity: Int = TimerHeapStorage.initialCapacity) {
        precondition(Self.lineSize % MemoryLayout<Entry>.stride == 0 && Self.lineSize / MemoryLayout<Entry>.stride == 4,
                     "a timer heap entry must be 16 bytes for four of them to fill a cache line")
        (block, entries) = Self.allocate(capacity)
        self.capacity = capacity
    }

    deinit { block.deallocate() }

    /// A storage of its own with the same entries (for a copied queue about to change).
    func copy() -> TimerHeapStorage {
        let copy = TimerHeapStorage(capacity: Swift.max(count, Self.initialCapacity))
        copy.entries.initialize(from: entries, count: count)
        copy.count = count
        return copy
    }

    /// Stores `entry` at index `count`, doubling the room if it is full.
    @inline(__always)
    func append(_ entry: Entry) {
        if count == capacity { reallocate(capacity: 2 * capacity) }
        (entries + count).initialize(to: entry)
        count += 1
    }

    /// Removes and returns the entry at index `count - 1`.
    @inline(__always)
    func removeLast() -> Entry {
        precondition(count > 0, "removeLast on an empty timer heap")
        count -= 1
        return entries[count]
    }

    /// Keeps the first `newCount` entries (the caller has moved the ones it keeps there).
    func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }

    /// Moves the entries to a block with room for `newCapacity` (at least `count`).
    func reallocate(capacity newCapacity: Int) {
        precondition(newCapacity >= count)
        let (newBlock, newEntries) = Self.allocate(newCapacity)
        newEntries.moveInitialize(from: entries, count: count)
        block.deallocate()
        (block, entries, capacity) = (newBlock, newEntries, newCapacity)
    }

    private static func allocate(_ capacity: Int) -> (UnsafeMutableRawPointer, UnsafeMutablePointer<Entry>) {
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: rootOffset + Swift.max(capacity, 1) * MemoryLayout<Entry>.stride, alignment: lineSize)
        let entries = (block + rootOffset).bindMemory(to: Entry.self, capacity: Swift.max(capacity, 1))
        return (block, entries)
    }
}
