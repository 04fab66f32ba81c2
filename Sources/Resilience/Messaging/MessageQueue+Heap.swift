extension MessageQueue {
    /// A binary min-heap: the order of requeued messages and of deadlines.
    @usableFromInline struct Heap<Element: Comparable> {
        @usableFromInline var items: [Element] = []

        @inlinable var isEmpty: Bool { items.isEmpty }
        @inlinable var count: Int { items.count }
        @inlinable var min: Element? { items.first }

        @inlinable mutating func insert(_ element: Element) {
            items.append(element)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard items[child] < items[parent] else { break }
                items.swapAt(child, parent)
                child = parent
            }
        }

        @discardableResult
        @inlinable mutating func popMin() -> Element? {
            guard let first = items.first else { return nil }
            let last = items.removeLast()
            guard !items.isEmpty else { return first }
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < items.count else { break }
                let right = left + 1
                let smaller = right < items.count && items[right] < items[left] ? right : left
                guard items[smaller] < items[parent] else { break }
                items.swapAt(smaller, parent)
                parent = smaller
            }
            return first
        }
    }
}

extension MessageQueue.Heap: Sendable where Element: Sendable {}
