/// Identifies one scheduled timer so it can be cancelled before it fires.
///
/// It carries the timer's key (its scheduling sequence and its slot). The slot records
/// the sequence of the timer holding it, so a stale handle (its timer fired or was
/// cancelled, and the slot perhaps reused) is harmless: `cancel` on it finds nothing.
public struct TimerHandle: Hashable, Sendable {
    let key: UInt64
}

/// A min-priority queue of timers ordered by (time, insertion sequence).
///
/// The sequence number makes equal-time timers fire in the order they were scheduled,
/// which is what keeps a simulation reproducible.
///
/// Payloads live in a slab of slots; the buckets hold only (time, key), where the key
/// packs the timer's sequence above its slot number (`sequence << slotBits | slot`).
/// Sequences are unique and only grow, so comparing keys orders exactly as comparing
/// sequences. A slot records the sequence of the timer holding it, and an entry is live
/// while its slot still records its sequence.
///
/// The entries sit in a monotone radix heap (``TimerBuckets``): the executor only ever
/// schedules at or after the time of the timer it fired last, so the queue keeps `last`,
/// the time it extracted (or peeked) last, and files each entry in bucket `b`, the
/// position of the highest bit in which its time differs from `last` (bucket 0: equal
/// to `last`). Scheduling is an append; when bucket 0 is empty, the lowest non-empty
/// bucket's minimum becomes `last` and its entries move to lower buckets, by one
/// sequential pass. A big world keeps a million timers, far more than the processor's
/// caches hold: a binary or 4-ary heap's sift visits one node per level at random, and
/// the levels below the cached top miss, where appends and sequential passes stream
/// through memory, which the hardware prefetcher keeps ahead of.
///
/// Why equal times fire in scheduling order: every entry is always in its correct bucket
/// relative to `last`, so entries with the same time are always in the same bucket; they
/// enter buckets by appends in sequence order and every move (redistributing a bucket,
/// merging buckets when a timer is scheduled below `last`, compaction) keeps the order
/// of a bucket's entries, so within a bucket equal times stay in sequence order. Bucket
/// 0 holds only entries at `last`, every other entry is later, and bucket 0 is popped
/// from its front: (time, sequence) order exactly.
///
/// The next few entries (``lookahead``) are taken out of the buckets early, into a short
/// sorted array, so their memory can be prefetched before they fire; a timer scheduled
/// earlier than the last of them joins them in order (after those at its time, whose
/// sequences are lower), every other one goes to the buckets, all of whose entries are
/// later, so the order stays exactly (time, sequence).
///
/// Scheduling below `last` happens (the run loop peeks a timer past its end time, which
/// moves `last` there, then later slices schedule at the end time): then buckets 0 …
/// k-1, k the highest bit in which the new time differs from `last`, are merged into
/// bucket k, which is empty (an entry there would be earlier than `last`), and the new
/// time becomes `last`; the other buckets are already right for it.
///
/// A cancelled timer frees its slot (and payload) at once and leaves a dead entry,
/// dropped when its bucket is next redistributed (known dead by its slot's tag, a byte)
/// or when it reaches the lookahead's front; when dead entries reach a quarter of the
/// live ones every bucket is filtered in place, so memory stays proportional to the live
/// timers (a request with a 30 s timeout that finished in 10 ms costs 16 bytes until
/// then, not a payload for 30 s). Most timers are cancelled
/// (a call's timeout, a pool wait's limit), so the tight bound matters. The filtering
/// is O(entries) every quarter-of-the-live-count cancellations: O(1) amortised.
///
/// Limits of the packing: at most 2^26 (67,108,864) timers pending at once and 2^38
/// (about 2.7 × 10^11) timers scheduled over a queue's life. Past either, `insert` stops
/// the process with a message naming the limit rather than fire timers out of order.
struct TimerQueue {
    typealias Payload = SimExecutor.TimerAction

    /// Low bits of a key that hold the slot; the sequence sits above them.
    static let slotBits = 26
    /// Slots (timers pending at once) the key has room for.
    static let slotLimit = 1 << slotBits
    /// Sequences (timers scheduled over the queue's life) the key has room for.
    static let sequenceLimit: UInt64 = 1 << (64 - UInt64(slotBits))

    @inline(__always)
    static func sequence(of key: UInt64) -> UInt64 { key >> UInt64(slotBits) }
    @inline(__always)
    static func slot(of key: UInt64) -> Int { Int(truncatingIfNeeded: key & (1 << UInt64(slotBits) - 1)) }

    /// A time as an unsigned number in the same order (the sign bit flipped), so that
    /// "the highest bit in which two times differ" orders negative times too.
    @inline(__always)
    static func ordered(_ when: Int64) -> UInt64 { UInt64(bitPattern: when) ^ (1 << 63) }

    /// One entry: 16 bytes, four to a cache line.
    struct Entry {
        var when: Int64
        /// `sequence << slotBits | slot`.
        var key: UInt64

        var sequence: UInt64 { TimerQueue.sequence(of: key) }
        var slot: Int { TimerQueue.slot(of: key) }
    }
    struct Slot {
        /// `.empty` when the slot is free.
        var payload: Payload
        /// A background chore (a heartbeat, a housekeeping tick): it never keeps a world
        /// alive on its own.
        var background: Bool
        /// The sequence of the timer holding the slot; ``TimerQueue/vacant`` when free.
        var owner: UInt64
    }
    /// The owner of a free slot: no sequence reaches it.
    private static let vacant = UInt64.max

    private var storage = TimerBuckets()
    /// The next timers, in firing order, taken out of the buckets before their turn:
    /// `ahead[aheadHead...]`, sorted by (time, key), every one earlier than every entry
    /// left in the buckets. See ``lookahead``.
    private var ahead: ContiguousArray<Entry> = []
    /// The front of ``ahead``: its entries before it have been popped.
    private var aheadHead = 0
    /// The ordered time (``ordered(_:)``) extracted or peeked last: no entry is earlier,
    /// and bucket 0 holds the entries at it.
    private var last: UInt64 = 0
    /// Bucket 0's front: its entries before it have been popped.
    private var head = 0
    /// Bit `b - 1` is set when bucket `b` (1 … 64) holds entries.
    private var occupied: UInt64 = 0
    /// Entries in the buckets and ahead of them, live or dead (bucket 0's and the
    /// lookahead's from their fronts).
    private var stored = 0
    private var slots: ContiguousArray<Slot> = []
    /// A byte per slot: the low byte of its timer's sequence while it holds one, that byte
    /// with the top bit flipped once it is free (see ``isProbablyLive(_:)``).
    private var tags: ContiguousArray<UInt8> = []
    private var freeSlots: ContiguousArray<Int32> = []
    private var nextSequence: UInt64 = 0
    /// Timers scheduled and neither fired nor cancelled.
    private(set) var count = 0
    /// Of those, the ones that are not background chores.
    private(set) var foregroundCount = 0

    var isEmpty: Bool { count == 0 }

    /// Entries in the buckets and the lookahead, live or dead.
    var storedEntries: Int { stored }

    /// Entries the lookahead's array holds, popped ones included (for tests: it must stay
    /// short however timers arrive).
    var lookaheadLength: Int { ahead.count }

    /// Entries the buckets have room for without allocating.
    var storageCapacity: Int { storage.capacity }

    /// Time of the earliest live timer, if any (drops dead entries on the way, and may
    /// redistribute a bucket, which moves `last` up to that time).
    var earliest: Int64? {
        mutating get {
            guard settleAhead() else { return nil }
            return ahead[aheadHead].when
        }
    }

    /// How many timers the queue takes out of the buckets before their turn.
    ///
    /// A big world's timers point at memory the processor's caches lost long ago: the
    /// slot saying whether a timer is still live, the task a sleep resumes. Taken out a
    /// few timers early, each one's slot is prefetched as it enters the lookahead, the
    /// task it resumes once it is second in line and that task's frame once it is next
    /// (the frame's address is in the task's header), so all arrive while the timers
    /// before it run rather than while the run loop waits: a timer's step takes a
    /// microsecond or more, memory a tenth of that. Four, because a longer lookahead
    /// costs more than it brings: a new timer earlier than the lookahead's last is
    /// inserted into it by shifting (with sixteen, more than half the ×100 baseline's
    /// new timers landed there), and about one entry in six reaching the front is dead
    /// (most cancelled timers are dropped by compaction before they get there).
    static let lookahead = 4

    /// The bucket of an entry at `ordered` relative to `last`: the position of the
    /// highest bit in which they differ, 0 when equal.
    @inline(__always)
    private func bucket(of ordered: UInt64) -> Int {
        64 - (ordered ^ last).leadingZeroBitCount
    }

    mutating func insert(at when: Int64, _ payload: Payload, background: Bool = false) -> TimerHandle {
        precondition(nextSequence < Self.sequenceLimit,
                     "more than 2^38 timers scheduled in one run: the timer queue packs a timer's sequence into 38 bits")
        let sequence = nextSequence
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = Int(reused)
            slots[slot].payload = payload
            slots[slot].background = background
            slots[slot].owner = sequence
            tags[slot] = Self.tag(sequence)
        } else {
            precondition(slots.count < Self.slotLimit,
                         "more than 2^26 timers pending at once: the timer queue packs a timer's slot into 26 bits")
            slot = slots.count
            slots.append(Slot(payload: payload, background: background, owner: sequence))
            tags.append(Self.tag(sequence))
        }
        if !background { foregroundCount += 1 }
        let key = sequence << UInt64(Self.slotBits) | UInt64(slot)
        nextSequence &+= 1
        count += 1
        stored += 1
        if aheadHead < ahead.count && when < ahead[ahead.count - 1].when {
            // Earlier than a timer already taken ahead: it belongs among them, after
            // those at its time or earlier (their sequences are lower).
            discardPoppedAhead()
            var position = ahead.count
            while position > aheadHead && ahead[position - 1].when > when { position -= 1 }
            ahead.insert(Entry(when: when, key: key), at: position)
            return TimerHandle(key: key)
        }
        storage.makeUnique() // a copy of the queue may share the buckets
        let ordered = Self.ordered(when)
        if ordered < last { lowerLast(to: ordered) }
        let index = bucket(of: ordered)
        if index == 0 {
            // Bucket 0 is a FIFO: rather than grow it, drop what was popped from it.
            let zero = storage.buckets[0]
            if zero.count == zero.capacity && 2 * head >= zero.count {
                storage.discardFront(of: 0, head)
                head = 0
            }
        } else {
            occupied |= 1 << UInt64(index - 1)
        }
        storage.append(Entry(when: when, key: key), ordered: ordered, to: index)
        return TimerHandle(key: key)
    }

    /// Removes the earliest live timer and returns its payload (`.empty` when there is
    /// none), storing its time in `when`. (No optional tuple: with an existential inside,
    /// that shape fell back to generic value witnesses and an allocation per timer.)
    mutating func popEarliest(_ when: inout Int64) -> Payload {
        guard settleAhead() else { return .empty }
        let top = ahead[aheadHead]
        aheadHead += 1
        stored -= 1
        when = top.when
        let payload = release(top.slot)
        // The next live timer's slot was asked for when it entered the lookahead, a step
        // or more ago, and the task it resumes when it was second in line: the frame
        // that task resumes into is asked for now, and the header of the task the timer
        // after it resumes. Then the lookahead is topped up, so the newcomers' slots
        // have this step's work to arrive in.
        dropDeadAhead()
        slots.withUnsafeBufferPointer { slots in
            if aheadHead < ahead.count { slots[ahead[aheadHead].slot].payload.prefetchFrame() }
            if aheadHead + 1 < ahead.count { slots[ahead[aheadHead + 1].slot].payload.prefetchTask() }
        }
        if ahead.count - aheadHead < Self.lookahead { _ = topUp() }
        return payload
    }

    /// Removes the timer if it is still pending and returns its payload.
    mutating func cancel(_ handle: TimerHandle) -> Payload? {
        guard isPending(handle) else { return nil }
        let payload = release(Self.slot(of: handle.key))
        if stored > 64 && 4 * (stored - count) > count { compact() }
        return payload
    }

    /// Whether the handle's timer is still pending.
    func isPending(_ handle: TimerHandle) -> Bool {
        let index = Self.slot(of: handle.key)
        return index < slots.count && slots[index].owner == Self.sequence(of: handle.key)
            && !slots[index].payload.isEmpty
    }

    /// Replaces the payload of a pending timer, keeping its place in the order.
    mutating func setPayload(_ handle: TimerHandle, _ payload: Payload) {
        slots[Self.slot(of: handle.key)].payload = payload
    }

    /// Live timers in firing order without removing them (for diagnostics).
    func pendingInOrder() -> [(when: Int64, payload: Payload)] {
        var entries = Array(ahead[aheadHead...])
        for index in 0..<TimerBuckets.bucketCount {
            let bucket = storage.buckets[index]
            guard let base = bucket.entries else { continue }
            let from = firstPending(in: index)
            entries += UnsafeBufferPointer(start: base + from, count: bucket.count - from)
        }
        return entries
            .filter { isLive($0) }
            .sorted { ($0.when, $0.key) < ($1.when, $1.key) }
            .map { ($0.when, slots[$0.slot].payload) }
    }

    /// Where bucket `index`'s entries not yet popped begin: bucket 0 is popped from its
    /// front (up to ``head``), the others only ever whole.
    @inline(__always)
    private func firstPending(in index: Int) -> Int { index == 0 ? head : 0 }

    @inline(__always)
    private func isLive(_ entry: Entry) -> Bool {
        slots[entry.slot].owner == entry.sequence
    }

    /// The tag a slot holds for the timer with `sequence`.
    @inline(__always)
    private static func tag(_ sequence: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: sequence) }

    /// False when the entry's timer is certainly gone (fired or cancelled); true when it is
    /// pending, or, for one dead entry in 256, when its slot went to a timer whose
    /// sequence ends in the same byte. Reads the tags, a byte per slot, where ``isLive(_:)``
    /// reads the slots, 48 bytes each: a big world's slots (a million timers pending) are
    /// far larger than the processor's caches, their tags are not. For dropping dead
    /// entries early; only ``isLive(_:)`` decides what fires.
    @inline(__always)
    private func isProbablyLive(_ entry: Entry) -> Bool {
        tags.withUnsafeBufferPointer { $0[entry.slot] } == Self.tag(entry.sequence)
    }

    /// Drops dead entries from the lookahead's front and tops it up from the buckets to
    /// ``lookahead`` entries. Returns whether a live entry is at its front.
    @inline(__always)
    private mutating func settleAhead() -> Bool {
        while true {
            dropDeadAhead()
            if ahead.count - aheadHead >= Self.lookahead { return true }
            guard topUp() else { return aheadHead < ahead.count }
        }
    }

    /// Drops cancelled timers' entries from the lookahead's front.
    @inline(__always)
    private mutating func dropDeadAhead() {
        while aheadHead < ahead.count && !isLive(ahead[aheadHead]) {
            aheadHead += 1
            stored -= 1
        }
    }

    /// Moves the buckets' earliest entries, live or dead, to the back of the lookahead
    /// until it holds ``lookahead`` entries or the buckets are empty, prefetching each
    /// one's slot; returns whether it moved any. They are later than every entry already
    /// ahead (a timer scheduled earlier than the lookahead's last joins it instead), so
    /// appending keeps the order. Dead ones are taken too: asking a slot whether its
    /// timer is live now would wait for the very line the prefetch asks for; they are
    /// dropped when they reach the front.
    private mutating func topUp() -> Bool {
        discardPoppedAhead()
        let before = ahead.count
        while ahead.count - aheadHead < Self.lookahead {
            if head == storage.buckets[0].count {
                guard refill() else { break }
            }
            let entry = storage.buckets[0].entries.unsafelyUnwrapped[head]
            head += 1
            ahead.append(entry)
            // A slot may straddle two lines: its first and last bytes name both.
            let slot = slotAddress(entry.slot)
            Prefetch.lines(at: slot, count: 1)
            Prefetch.lines(at: slot + (MemoryLayout<Slot>.size - 1), count: 1)
        }
        return ahead.count > before
    }

    /// Forgets the lookahead's popped entries once there are enough of them to be worth
    /// a move (all of them, or 64), so it stays a few entries long.
    @inline(__always)
    private mutating func discardPoppedAhead() {
        if aheadHead == ahead.count {
            ahead.removeAll(keepingCapacity: true)
            aheadHead = 0
        } else if aheadHead >= 64 {
            ahead.removeSubrange(0..<aheadHead)
            aheadHead = 0
        }
    }

    @inline(__always)
    private func slotAddress(_ slot: Int) -> UnsafeRawPointer {
        slots.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + slot) }
    }

    /// Bucket 0 is used up: redistributes the lowest non-empty bucket around its least
    /// time (which becomes `last`), until bucket 0 holds entries or every bucket is empty;
    /// returns whether bucket 0 holds entries (dead ones among them are dropped at the
    /// lookahead's front). The lowest non-empty bucket `i` moves entirely to buckets
    /// below `i` (its entries agree with `last` above bit i-1 and have that bit set, like
    /// its least), which are all empty, so each keeps its entries' order; the buckets
    /// above `i` stay right, since `last` only changes below bit i-1.
    ///
    /// Dead entries are dropped on the way, known by their slots' tags
    /// (``isProbablyLive(_:)``), a byte per slot: asking the slots themselves was a read
    /// at a random place in far more memory than the caches hold, and measured side by
    /// side (×30 world) cost more than moving the dead entries along; the tags cost less
    /// than the move (×100, 30 minutes, four pairs: 0.98). The few a tag misses (about one
    /// in 256) are dropped at the lookahead's front or by compaction.
    private mutating func refill() -> Bool {
        storage.makeUnique()
        let buckets = storage.buckets
        buckets[0].count = 0
        head = 0
        while occupied != 0 {
            let index = occupied.trailingZeroBitCount + 1
            occupied &= occupied &- 1
            let source = buckets[index]
            buckets[index].count = 0
            buckets[index].least = .max
            last = source.least
            let entries = source.entries.unsafelyUnwrapped
            for position in 0..<source.count {
                let entry = entries[position]
                // A cancelled timer's entry stops here (most are: calls answered before
                // their timeouts), known dead from its tag alone.
                guard isProbablyLive(entry) else {
                    stored -= 1
                    continue
                }
                let ordered = Self.ordered(entry.when)
                let target = bucket(of: ordered)
                if target > 0 { occupied |= 1 << UInt64(target - 1) }
                storage.append(entry, ordered: ordered, to: target)
            }
            if buckets[0].count > 0 { return true }
        }
        return false
    }

    /// Makes `ordered` (below `last`) the new `last` before an entry at it is filed:
    /// buckets 0 … k-1 move, in that order, into bucket k, where k is the bucket of
    /// `ordered` relative to the old `last`. Bucket k is empty: its entries would share
    /// `last`'s bits above k-1 and lack bit k-1, which `last` has (it is the larger), so
    /// they would be earlier than `last`. Relative to the new `last` those entries all
    /// differ first at bit k-1, and every bucket above k stays right (the two agree above
    /// bit k-1). Equal times share a bucket, so concatenating whole buckets keeps them
    /// in order. Rare (a slice ends between two timers), and O(entries moved).
    private mutating func lowerLast(to ordered: UInt64) {
        let target = bucket(of: ordered)
        let buckets = storage.buckets
        precondition(buckets[target].count == 0, "radix timer queue: an entry below the last time extracted")
        for index in 0..<target {
            let source = buckets[index]
            guard let entries = source.entries else { continue }
            for position in firstPending(in: index)..<source.count {
                storage.append(entries[position], ordered: Self.ordered(entries[position].when), to: target)
            }
            buckets[index].count = 0
            buckets[index].least = .max
        }
        head = 0
        occupied &= ~((1 << UInt64(target - 1)) - 1)  // buckets 1 … k-1 are empty now
        if buckets[target].count > 0 { occupied |= 1 << UInt64(target - 1) }
        last = ordered
    }

    private mutating func release(_ slot: Int) -> Payload {
        var payload = Payload.empty
        swap(&payload, &slots[slot].payload)
        tags[slot] = Self.tag(slots[slot].owner) ^ 0x80
        slots[slot].owner = Self.vacant
        freeSlots.append(Int32(slot))
        count -= 1
        if !slots[slot].background { foregroundCount -= 1 }
        return payload
    }

    /// Drops every dead entry, keeping each bucket's order (so equal times stay in
    /// sequence order), and gives back memory the buckets no longer need. An entry's tag
    /// is asked first: its slot, far from cached in a big world, only when the tag says
    /// the timer may be live.
    private mutating func compact() {
        storage.makeUnique()
        let buckets = storage.buckets
        occupied = 0
        stored = 0
        for index in 0..<TimerBuckets.bucketCount {
            let bucket = buckets[index]
            var kept = 0
            var least = UInt64.max
            if let entries = bucket.entries {
                for position in firstPending(in: index)..<bucket.count where isProbablyLive(entries[position]) && isLive(entries[position]) {
                    entries[kept] = entries[position]
                    least = Swift.min(least, Self.ordered(entries[kept].when))
                    kept += 1
                }
            }
            buckets[index].count = kept
            buckets[index].least = least
            storage.shrink(index)
            stored += kept
            if index > 0 && kept > 0 { occupied |= 1 << UInt64(index - 1) }
        }
        head = 0
        var kept = 0
        for position in aheadHead..<ahead.count where isLive(ahead[position]) {
            ahead[kept] = ahead[position]
            kept += 1
        }
        ahead.removeSubrange(kept...)
        aheadHead = 0
        stored += kept
    }
}
