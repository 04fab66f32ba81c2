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
/// which is what keeps a simulation reproducible. Entries live in a slab so that a
/// cancelled timer leaves the heap at once (O(log n)) instead of lingering until its
/// time: a request with a 30 s timeout that finished in 10 ms must not cost memory for
/// the other 29.99 s.
struct TimerQueue {
    typealias Payload = SimExecutor.TimerAction

    struct Entry {
        var when: Int64
        var sequence: UInt64
        var slot: Int32
    }
    struct Slot {
        /// `.empty` when the slot is free.
        var payload: Payload
        var heapIndex: Int32
        var generation: UInt32
    }

    private(set) var heap: ContiguousArray<Entry> = []
    private var slots: ContiguousArray<Slot> = []
    private var freeSlots: ContiguousArray<Int32> = []
    private var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    /// Time of the earliest timer, if any.
    var earliest: Int64? { heap.first?.when }

    mutating func insert(at when: Int64, _ payload: Payload) -> TimerHandle {
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)].payload = payload
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(payload: payload, heapIndex: 0, generation: 0))
        }
        let entry = Entry(when: when, sequence: nextSequence, slot: slot)
        nextSequence &+= 1
        heap.append(entry)
        siftUp(heap.count - 1)
        return TimerHandle(slot: slot, generation: slots[Int(slot)].generation)
    }

    /// Removes the earliest timer and returns its payload (`.empty` when there is none),
    /// storing its time in `when`. (No optional tuple: with an existential inside, that
    /// shape fell back to generic value witnesses and an allocation per timer.)
    mutating func popEarliest(_ when: inout Int64) -> Payload {
        guard let top = heap.first else { return .empty }
        when = top.when
        let payload = release(top.slot)
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            slots[Int(last.slot)].heapIndex = 0
            siftDown(0)
        }
        return payload
    }

    /// Removes the timer if it is still pending and returns its payload.
    mutating func cancel(_ handle: TimerHandle) -> Payload? {
        let slotIndex = Int(handle.slot)
        guard slotIndex < slots.count,
              slots[slotIndex].generation == handle.generation,
              !slots[slotIndex].payload.isEmpty else { return nil }
        let position = Int(slots[slotIndex].heapIndex)
        let payload = release(handle.slot)
        let last = heap.removeLast()
        if position < heap.count {
            heap[position] = last
            slots[Int(last.slot)].heapIndex = Int32(position)
            siftDown(position)
            siftUp(position)
        }
        return payload
    }

    /// Whether the handle's timer is still pending.
    func isPending(_ handle: TimerHandle) -> Bool {
        let slotIndex = Int(handle.slot)
        return slotIndex < slots.count && slots[slotIndex].generation == handle.generation
            && !slots[slotIndex].payload.isEmpty
    }

    /// Replaces the payload of a pending timer, keeping its place in the order.
    mutating func setPayload(_ handle: TimerHandle, _ payload: Payload) {
        slots[Int(handle.slot)].payload = payload
    }

    /// Visits pending timers in firing order without removing them (for diagnostics).
    func pendingInOrder() -> [(when: Int64, payload: Payload)] {
        heap.sorted { ($0.when, $0.sequence) < ($1.when, $1.sequence) }
            .map { ($0.when, slots[Int($0.slot)].payload) }
    }

    private mutating func release(_ slot: Int32) -> Payload {
        let index = Int(slot)
        var payload = Payload.empty
        swap(&payload, &slots[index].payload)
        slots[index].generation &+= 1
        freeSlots.append(slot)
        return payload
    }

    @inline(__always)
    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.when < b.when || (a.when == b.when && a.sequence < b.sequence)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) >> 1
            guard Self.less(entry, heap[parent]) else { break }
            heap[child] = heap[parent]
            slots[Int(heap[child].slot)].heapIndex = Int32(child)
            child = parent
        }
        heap[child] = entry
        slots[Int(entry.slot)].heapIndex = Int32(child)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let entry = heap[parent]
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let smaller = right < count && Self.less(heap[right], heap[left]) ? right : left
            guard Self.less(heap[smaller], entry) else { break }
            heap[parent] = heap[smaller]
            slots[Int(heap[parent].slot)].heapIndex = Int32(parent)
            parent = smaller
        }
        heap[parent] = entry
        slots[Int(entry.slot)].heapIndex = Int32(parent)
    }
}
