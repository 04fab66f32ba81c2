/// The timer heap's entries, in memory the queue allocates itself so that it decides
/// where they fall: a 64-byte-aligned block with the root one entry short of the first
/// cache line's end (byte 48), so that entries 4p+1 … 4p+4 (the four children of node
/// p, 16 bytes each) always fill exactly one cache line.
///
/// A plain growable buffer of `count` entries with room for `capacity`; the heap order
/// is ``TimerQueue``'s business. It is a value: a copy shares the block until one of
/// them changes, and ``makeUnique()`` gives the changing one a block of its own first.
/// The block's fields are constants and the count lives in this struct, so reading
/// an entry costs no runtime exclusivity check, whatever the optimiser proves.
struct TimerHeapStorage {
    typealias Entry = TimerQueue.Entry

    /// The cache line the layout is made for.
    static let lineSize = 64
    /// Where the root sits in the block: one entry before the end of the first line, so
    /// index 1 starts the second line, and with it every 4p+1.
    static let rootOffset = lineSize - MemoryLayout<Entry>.stride
    /// Room a new storage starts with.
    static let initialCapacity = 60

    /// One allocation of aligned memory, freed when the last storage holding it goes.
    private final class Block {
        let raw: UnsafeMutableRawPointer
        let entries: UnsafeMutablePointer<Entry>
        let capacity: Int

        init(capacity: Int) {
            precondition(MemoryLayout<Entry>.stride * 4 == TimerHeapStorage.lineSize,
                         "a timer heap entry must be 16 bytes for four of them to fill a cache line")
            raw = UnsafeMutableRawPointer.allocate(
                byteCount: TimerHeapStorage.rootOffset + Swift.max(capacity, 1) * MemoryLayout<Entry>.stride,
                alignment: TimerHeapStorage.lineSize)
            entries = (raw + TimerHeapStorage.rootOffset).bindMemory(to: Entry.self, capacity: Swift.max(capacity, 1))
            self.capacity = capacity
        }

        deinit { raw.deallocate() }
    }

    private var block: Block
    /// Entries stored, at `entries[0 ..< count]`.
    private(set) var count = 0

    init(capacity: Int = TimerHeapStorage.initialCapacity) {
        block = Block(capacity: capacity)
    }

    /// The root; entry i is `entries[i]`. Valid until the next call that may reallocate
    /// (`append`, `reallocate`, `makeUnique`).
    var entries: UnsafeMutablePointer<Entry> { block.entries }
    /// Entries the block has room for.
    var capacity: Int { block.capacity }

    /// Gives this storage a block of its own if a copy shares it, before a change.
    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&block) { reallocate(capacity: Swift.max(count, Self.initialCapacity)) }
    }

    /// Stores `entry` at index `count`, doubling the room if it is full.
    @inline(__always)
    mutating func append(_ entry: Entry) {
        if count == capacity { reallocate(capacity: 2 * capacity) }
        (entries + count).initialize(to: entry)
        count += 1
    }

    /// Removes and returns the entry at index `count - 1`.
    @inline(__always)
    mutating func removeLast() -> Entry {
        precondition(count > 0, "removeLast on an empty timer heap")
        count -= 1
        return entries[count]
    }

    /// Keeps the first `newCount` entries (the caller has moved the ones it keeps there).
    mutating func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }

    /// Copies the entries to a new block with room for `newCapacity` (at least `count`);
    /// the old block goes when no copy holds it any more.
    mutating func reallocate(capacity newCapacity: Int) {
        precondition(newCapacity >= count)
        let newBlock = Block(capacity: newCapacity)
        newBlock.entries.initialize(from: block.entries, count: count)
        block = newBlock
    }
}
