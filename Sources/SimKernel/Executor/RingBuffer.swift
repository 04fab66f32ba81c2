/// A growable FIFO queue with O(1) append and removal at the front.
///
/// `Array.removeFirst()` is O(n); the executor's job queue and the resilience queues
/// need a deque that stays flat under millions of operations.
public struct RingBuffer<Element> {
    @usableFromInline var storage: ContiguousArray<Element?>
    @usableFromInline var head = 0
    @usableFromInline var _count = 0

    /// Creates an empty buffer with room for `capacity` elements before it grows.
    public init(capacity: Int = 16) {
        var size = 1
        while size < Swift.max(capacity, 1) { size <<= 1 }
        storage = ContiguousArray(repeating: nil, count: size)
    }

    /// Number of elements waiting.
    @inlinable public var count: Int { _count }
    /// Whether the buffer holds nothing.
    @inlinable public var isEmpty: Bool { _count == 0 }
    /// The element at the front, if any.
    @inlinable public var first: Element? { _count == 0 ? nil : storage[head] }

    /// Appends at the back.
    @inlinable public mutating func append(_ element: Element) {
        if _count == storage.count { grow() }
        storage[(head &+ _count) & (storage.count &- 1)] = element
        _count &+= 1
    }

    /// Removes and returns the front element, or nil when empty.
    @inlinable public mutating func popFirst() -> Element? {
        guard _count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head &+ 1) & (storage.count &- 1)
        _count &-= 1
        return element
    }

    /// Removes the first element matching `predicate`, keeping the order of the rest.
    /// O(n); used for cancellation of waiters, which is rare next to append/pop.
    @discardableResult
    public mutating func removeFirst(where predicate: (Element) -> Bool) -> Element? {
        for offset in 0..<_count {
            let index = (head + offset) & (storage.count - 1)
            if let element = storage[index], predicate(element) {
                // Shift the tail one step towards the front.
                for later in offset..<(_count - 1) {
                    let to = (head + later) & (storage.count - 1)
                    let from = (head + later + 1) & (storage.count - 1)
                    storage[to] = storage[from]
                }
                storage[(head + _count - 1) & (storage.count - 1)] = nil
                _count -= 1
                return element
            }
        }
        return nil
    }

    /// Removes every element, front to back, handing each to `body`.
    public mutating func drain(_ body: (Element) -> Void) {
        while let element = popFirst() { body(element) }
    }

    @usableFromInline mutating func grow() {
        var bigger = ContiguousArray<Element?>(repeating: nil, count: Swift.max(storage.count * 2, 16))
        for offset in 0..<_count {
            bigger[offset] = storage[(head + offset) & (storage.count - 1)]
        }
        storage = bigger
        head = 0
    }
}

extension RingBuffer: Sequence {
    /// Iterates front to back without removing.
    public func makeIterator() -> AnyIterator<Element> {
        var offset = 0
        return AnyIterator {
            guard offset < _count else { return nil }
            defer { offset += 1 }
            return storage[(head + offset) & (storage.count - 1)]
        }
    }
}

extension RingBuffer: @unchecked Sendable where Element: Sendable {}
