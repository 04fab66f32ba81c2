/// Identifies one scheduled timer so it can be cancelled before it fires.
///
/// The generation makes a stale handle (its timer fired or was cancelled, and the slot
/// reused) harmless: `cancel` on it finds nothing.
public struct TimerHandle: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}

/// A min-priority queue of timers ordered by (time, insertion sequence).
///
/// The sequence number makes equal-time timers fire in the order they were scheduled,
/// which is what keeps a simulation reproducible.
///
/// Payloads live in a slab of slots; the heap holds only (time, sequence, slot). A
/// cancelled timer frees its slot (and payload) at once and leaves a dead heap entry
/// that is skipped when it surfaces; when dead entries reach a quarter of the live ones
/// the heap is rebuilt, so memory stays proportional to the live timers (a request with
/// a 30 s timeout that finished in 10 ms costs 24 bytes until the next compaction, not a
/// payload for 30 s). Most timers are cancelled (a call's timeout, a pool wait's limit),
/// so the tight bound matters: with dead entries up to the live count the heap was twice
/// its live size, a deeper sift for every timer and a sift per dead entry surfacing. The
/// rebuild is O(heap) every quarter-of-the-live-count cancellations: O(1) amortised. Not tracking heap positions keeps each sift to plain moves,
/// which matters at millions of timers a second.
///
/// The heap is 4-ary: a big world keeps millions of timers, far more than the processor's
/// caches hold, and each level a sift passes is a likely cache miss; four children per
/// node halve the levels (a node's children sit side by side, 96 bytes). The order timers
/// fire in is the same whatever the arity: (time, sequence) is a total order.
struct TimerQueue {
    typealias Payload = SimExecutor.TimerAction

    struct Entry {
        var when: Int64
        var sequence: UInt64
        var slot: Int32
        var generation: UInt32
    }
    struct Slot {
        /// `.empty` when the slot is free.
        var payload: Payload
        var generation: UInt32
        /// A background chore (a heartbeat, a housekeeping tick): it never keeps a world
        /// alive on its own.
        var background: Bool
    }

    private var heap: ContiguousArray<Entry> = []
    private var slots: ContiguousArray<Slot> = []
    private var freeSlots: ContiguousArray<Int32> = []
    private var nextSequence: UInt64 = 0
    /// Timers scheduled and neither fired nor cancelled.
    private(set) var count = 0
    /// Of those, the ones that are not background chores.
    private(set) var foregroundCount = 0

    var isEmpty: Bool { count == 0 }

    /// Time of the earliest live timer, if any (drops dead entries on the way).
    var earliest: Int64? {
        mutating get {
            dropDeadTop()
            return heap.first?.when
        }
    }

    mutating func insert(at when: Int64, _ payload: Payload, background: Bool = false) -> TimerHandle {
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)].payload = payload
            slots[Int(slot)].background = background
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(payload: payload, generation: 0, background: background))
        }
        if !background { foregroundCount += 1 }
        let generation = slots[Int(slot)].generation
        heap.append(Entry(when: when, sequence: nextSequence, slot: slot, generation: generation))
        nextSequence &+= 1
        count += 1
        heap.withUnsafeMutableBufferPointer { Self.siftUp($0, from: $0.count - 1) }
        return TimerHandle(slot: slot, generation: generation)
    }

    /// Removes the earliest live timer and returns its payload (`.empty` when there is
    /// none), storing its time in `when`. (No optional tuple: with an existential inside,
    /// that shape fell back to generic value witnesses and an allocation per timer.)
    mutating func popEarliest(_ when: inout Int64) -> Payload {
        dropDeadTop()
        guard let top = heap.first else { return .empty }
        removeTop()
        when = top.when
        return release(top.slot)
    }

    /// Removes the timer if it is still pending and returns its payload.
    mutating func cancel(_ handle: TimerHandle) -> Payload? {
        guard isPending(handle) else { return nil }
        let payload = release(handle.slot)
        if heap.count > 64 && 4 * (heap.count - count) > count { compact() }
        return payload
    }

    /// Whether the handle's timer is still pending.
    func isPending(_ handle: TimerHandle) -> Bool {
        let index = Int(handle.slot)
        return index < slots.count && slots[index].generation == handle.generation
            && !slots[index].payload.isEmpty
    }

    /// Replaces the payload of a pending timer, keeping its place in the order.
    mutating func setPayload(_ handle: TimerHandle, _ payload: Payload) {
        slots[Int(handle.slot)].payload = payload
    }

    /// Live timers in firing order without removing them (for diagnostics).
    func pendingInOrder() -> [(when: Int64, payload: Payload)] {
        heap.filter { isLive($0) }
            .sorted { ($0.when, $0.sequence) < ($1.when, $1.sequence) }
            .map { ($0.when, slots[Int($0.slot)].payload) }
    }

    private func isLive(_ entry: Entry) -> Bool {
        slots[Int(entry.slot)].generation == entry.generation
    }

    private mutating func dropDeadTop() {
        while let top = heap.first, !isLive(top) { removeTop() }
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            heap.withUnsafeMutableBufferPointer { Self.siftDown($0, from: 0) }
        }
    }

    private mutating func release(_ slot: Int32) -> Payload {
        let index = Int(slot)
        var payload = Payload.empty
        swap(&payload, &slots[index].payload)
        slots[index].generation &+= 1
        freeSlots.append(slot)
        count -= 1
        if !slots[index].background { foregroundCount -= 1 }
        return payload
    }

    /// Drops every dead entry and restores the heap order (Floyd's heapify, O(n)).
    private mutating func compact() {
        let live = heap.filter { isLive($0) }
        heap = ContiguousArray(live)
        heap.withUnsafeMutableBufferPointer { buffer in
            // The last node with a child (none when fewer than two entries).
            var index = buffer.count < 2 ? -1 : (buffer.count - 2) / Self.arity
            while index >= 0 {
                Self.siftDown(buffer, from: index)
                index -= 1
            }
        }
    }

    @inline(__always)
    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.when < b.when || (a.when == b.when && a.sequence < b.sequence)
    }

    /// Children per node.
    private static let arity = 4

    private static func siftUp(_ heap: UnsafeMutableBufferPointer<Entry>, from start: Int) {
        var child = start
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) / arity
            guard less(entry, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private static func siftDown(_ heap: UnsafeMutableBufferPointer<Entry>, from start: Int) {
        var parent = start
        let entry = heap[parent]
        let count = heap.count
        while true {
            let first = arity * parent + 1
            guard first < count else { break }
            var smaller = first
            var child = first + 1
            let end = min(first + arity, count)
            while child < end {
                if less(heap[child], heap[smaller]) { smaller = child }
                child += 1
            }
            guard less(heap[smaller], entry) else { break }
            heap[parent] = heap[smaller]
            parent = smaller
        }
        heap[parent] = entry
    }
}
