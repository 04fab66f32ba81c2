/// The timer queue's radix buckets: 65 growable arrays of 16-byte entries in memory the
/// queue allocates itself, with what the queue needs to know of each (its count, its
/// room, a lower bound of the times it holds).
///
/// The radix order is ``TimerQueue``'s business; this is plain storage. It is a value: a
/// copy shares the buckets until one of them changes, and ``makeUnique()`` gives the
/// changing one buckets of its own first. The headers sit behind a constant pointer, so
/// reaching a bucket costs no runtime exclusivity check, whatever the optimiser proves.
struct TimerBuckets {
    typealias Entry = TimerQueue.Entry

    /// Bucket 0 (entries at the queue's last extracted time) and one per bit of a time.
    static let bucketCount = 65
    /// Room a bucket gets when it is first used.
    static let initialCapacity = 16

    /// One bucket: `entries[0 ..< count]`, room for `capacity`.
    struct Bucket {
        var entries: UnsafeMutablePointer<Entry>?
        var count = 0
        var capacity = 0
        /// No entry of the bucket has an ordered time (``TimerQueue/ordered(_:)``) below it;
        /// `UInt64.max` when the bucket is empty. Kept on append, so a bucket's minimum
        /// needs no pass of its own; an entry dropped later may leave it lower than the
        /// true minimum, which is still a bound.
        var least = UInt64.max
    }

    /// The headers, freed with every bucket's entries when the last storage holding
    /// them goes.
    private final class Block {
        let buckets: UnsafeMutablePointer<Bucket>

        init() {
            buckets = .allocate(capacity: TimerBuckets.bucketCount)
            buckets.initialize(repeating: Bucket(), count: TimerBuckets.bucketCount)
        }

        deinit {
            for index in 0..<TimerBuckets.bucketCount { buckets[index].entries?.deallocate() }
            buckets.deallocate()
        }
    }

    private var block = Block()

    /// Bucket `i` is `buckets[i]`. Valid until the next ``makeUnique()``.
    var buckets: UnsafeMutablePointer<Bucket> { block.buckets }

    /// Entries all the buckets have room for without allocating.
    var capacity: Int {
        var total = 0
        for index in 0..<Self.bucketCount { total += buckets[index].capacity }
        return total
    }

    /// Gives this storage buckets of its own if a copy shares them, before a change.
    @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&block) { copyBlock() }
    }

    private mutating func copyBlock() {
        let copy = Block()
        for index in 0..<Self.bucketCount {
            let bucket = block.buckets[index]
            copy.buckets[index].least = bucket.least
            guard bucket.count > 0, let entries = bucket.entries else { continue }
            let room = Swift.max(bucket.count, Self.initialCapacity)
            let moved = UnsafeMutablePointer<Entry>.allocate(capacity: room)
            moved.initialize(from: entries, count: bucket.count)
            copy.buckets[index].entries = moved
            copy.buckets[index].count = bucket.count
            copy.buckets[index].capacity = room
        }
        block = copy
    }

    /// Stores `entry`, whose ordered time is `ordered`, at the end of bucket `index`,
    /// doubling the bucket's room if it is full.
    @inline(__always)
    func append(_ entry: Entry, ordered: UInt64, to index: Int) {
        let bucket = buckets + index
        if bucket.pointee.count == bucket.pointee.capacity {
            Self.reallocate(bucket, capacity: Swift.max(2 * bucket.pointee.capacity, Self.initialCapacity))
        }
        (bucket.pointee.entries.unsafelyUnwrapped + bucket.pointee.count).initialize(to: entry)
        bucket.pointee.count += 1
        if ordered < bucket.pointee.least { bucket.pointee.least = ordered }
    }

    /// Drops a bucket's first `consumed` entries, sliding the rest to the front (so
    /// bucket 0, a FIFO, does not grow for ever when it never drains).
    func discardFront(of index: Int, _ consumed: Int) {
        let bucket = buckets + index
        guard consumed > 0, let entries = bucket.pointee.entries else { return }
        let kept = bucket.pointee.count - consumed
        entries.update(from: entries + consumed, count: kept)
        bucket.pointee.count = kept
    }

    /// Gives memory back: a bucket whose entries fill less than half its room gets room
    /// for just them (none when it is empty; appends double it again as it fills).
    func shrink(_ index: Int) {
        let bucket = buckets + index
        let count = bucket.pointee.count
        if count == 0 {
            bucket.pointee.entries?.deallocate()
            bucket.pointee.entries = nil
            bucket.pointee.capacity = 0
        } else if bucket.pointee.capacity > 2 * Swift.max(count, Self.initialCapacity) {
            Self.reallocate(bucket, capacity: Swift.max(count, Self.initialCapacity))
        }
    }

    /// Moves a bucket's entries to a block with room for `capacity` (at least its count,
    /// and at least one).
    static func reallocate(_ bucket: UnsafeMutablePointer<Bucket>, capacity newCapacity: Int) {
        precondition(newCapacity >= bucket.pointee.count && newCapacity > 0)
        let moved = UnsafeMutablePointer<Entry>.allocate(capacity: newCapacity)
        if let old = bucket.pointee.entries {
            moved.moveInitialize(from: old, count: bucket.pointee.count)
            old.deallocate()
        }
        bucket.pointee.entries = moved
        bucket.pointee.capacity = newCapacity
    }
}
