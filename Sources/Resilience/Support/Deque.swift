/// A double-ended queue with O(1) append, pop at the front and pop at the back (the
/// waiters and queues of the primitives; `Array.removeFirst` is O(n)).
public struct Deque<Element> {
    @usableFromInline var storage: ContiguousArray<Element?>
    @usableFromInline var head = 0
    /// Number of elements.
    @inlinable public var count: Int { _count }
    @usableFromInline var _count = 0

    /// An empty queue.
    @inlinable public init() { storage = ContiguousArray(repeating: nil, count: 8) }

    /// Whether the queue is empty.
    @inlinable public var isEmpty: Bool { _count == 0 }
    /// The front element, if any.
    @inlinable public var first: Element? { _count == 0 ? nil : storage[head] }

    /// Appends at the back.
    @inlinable public mutating func append(_ element: Element) {
        if _count == storage.count { grow() }
        storage[(head &+ _count) & (storage.count &- 1)] = element
        _count &+= 1
    }

    /// Inserts at the front (a requeued message goes back where it was).
    public mutating func prepend(_ element: Element) {
        if count == storage.count { grow() }
        head = (head - 1 + storage.count) & (storage.count - 1)
        storage[head] = element
        _count += 1
    }

    /// Removes and returns the front element.
    @inlinable public mutating func popFirst() -> Element? {
        guard _count > 0 else { return nil }
        let element = storage[head].take()
        head = (head &+ 1) & (storage.count &- 1)
        _count &-= 1
        return element
    }

    /// Removes and returns the back element (a LIFO queue serves the newest first).
    @inlinable public mutating func popLast() -> Element? {
        guard _count > 0 else { return nil }
        _count &-= 1
        return storage[(head &+ _count) & (storage.count &- 1)].take()
    }

    /// Removes and returns the first element matching `predicate`, keeping the order
    /// of the others. O(n): for cancellations, which are rare next to appends.
    @discardableResult
    @inlinable public mutating func remove(where predicate: (Element) -> Bool) -> Element? {
        var found: Element?
        var kept = ContiguousArray<Element?>(repeating: nil, count: storage.count)
        var keptCount = 0
        for offset in 0..<count {
            let element = storage[(head + offset) & (storage.count - 1)]!
            if found == nil, predicate(element) {
                found = element
            } else {
                kept[keptCount] = element
                keptCount += 1
            }
        }
        guard found != nil else { return nil }
        storage = kept
        head = 0
        _count = keptCount
        return found
    }

    /// Removes every element, front first.
    @inlinable public mutating func removeAll() -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        while let element = popFirst() { all.append(element) }
        return all
    }

    @usableFromInline mutating func grow() {
        var bigger = ContiguousArray<Element?>(repeating: nil, count: storage.count * 2)
        for offset in 0..<count { bigger[offset] = storage[(head + offset) & (storage.count - 1)] }
        storage = bigger
        head = 0
    }
}

extension Deque: Sequence {
    /// Front to back, without removing.
    @inlinable public func makeIterator() -> IndexingIterator<[Element]> {
        (0..<count).map { storage[(head + $0) & (storage.count - 1)]! }.makeIterator()
    }
}

extension Deque: @unchecked Sendable where Element: Sendable {}
