/// A map holding at most `capacity` entries that evicts the least recently used one to make
/// room: the eviction policy of a local (in-process) cache.
///
/// A pure value type with O(1) `get`, `set` and `removeValue`: the recency list is a
/// doubly linked list threaded through one contiguous array by index (no node objects, no
/// per-operation allocation once the array has grown), and a dictionary maps keys to
/// slots. The dictionary is used for lookup only; every order this type exposes comes from
/// the recency list, so it is the same in every process.
///
/// Recency: ``get(_:)`` and ``set(_:_:)`` make an entry the most recently used;
/// ``peek(_:)`` does not. A capacity of 0 stores nothing (every `set` is evicted at once),
/// which lets a configuration switch a level off.
///
/// Unlike Redis's `allkeys-lru`, which samples a few keys and evicts the oldest of the
/// sample, eviction here is exact.
public struct LRUCache<Key: Hashable, Value> {
    @usableFromInline struct Node {
        @usableFromInline var key: Key
        @usableFromInline var value: Value
        /// Slot of the next more recently used entry, or -1.
        @usableFromInline var newer: Int
        /// Slot of the next less recently used entry, or -1.
        @usableFromInline var older: Int

        @inlinable init(key: Key, value: Value, newer: Int, older: Int) {
            self.key = key
            self.value = value
            self.newer = newer
            self.older = older
        }
    }

    @usableFromInline var nodes: [Node] = []
    @usableFromInline var slots: [Key: Int] = [:]
    /// Most recently used slot, or -1.
    @usableFromInline var newest = -1
    /// Least recently used slot, or -1.
    @usableFromInline var oldest = -1

    /// Most entries held at once (≥ 0).
    public let capacity: Int

    /// An empty cache holding at most `capacity` entries (≥ 0).
    ///
    /// - Throws: ``ConfigurationError`` for a negative capacity.
    public init(capacity: Int) throws(ConfigurationError) {
        try ConfigurationCheck("LRUCache").require(capacity >= 0, "capacity", ">= 0", capacity)
        self.init(validCapacity: capacity)
    }

    /// An empty cache of a capacity already checked (≥ 0) by a caller's configuration.
    init(validCapacity capacity: Int) {
        // Nothing is reserved: the capacity is a bound, not an expectation. A cache that may
        // hold 100,000 entries and holds a few hundred should not spread them over a table
        // sized for a thousand (a big world has hundreds of such caches, and every lookup
        // in a sparse table is a cache miss).
        self.capacity = capacity
    }

    /// Number of entries held (never more than ``capacity``).
    @inlinable public var count: Int { nodes.count }

    /// Whether the cache holds no entry.
    @inlinable public var isEmpty: Bool { nodes.isEmpty }

    /// Whether `key` has an entry; does not change recency.
    @inlinable public func contains(_ key: Key) -> Bool { slots[key] != nil }

    /// The value for `key`, making it the most recently used entry; nil when absent.
    @inlinable public mutating func get(_ key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        moveToNewest(slot)
        return nodes[slot].value
    }

    /// The value for `key` without changing recency; nil when absent.
    @inlinable public func peek(_ key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        return nodes[slot].value
    }

    /// Stores `value` for `key` as the most recently used entry, replacing any previous
    /// value, and returns the entry evicted to make room (the least recently used one),
    /// if any. With capacity 0 the new entry itself is returned as evicted.
    @discardableResult
    @inlinable public mutating func set(_ key: Key, _ value: Value) -> (key: Key, value: Value)? {
        if let slot = slots[key] {
            nodes[slot].value = value
            moveToNewest(slot)
            return nil
        }
        guard capacity > 0 else { return (key, value) }
        var evicted: (key: Key, value: Value)?
        if nodes.count >= capacity { evicted = removeLeastRecentlyUsed() }
        let slot = nodes.count
        nodes.append(Node(key: key, value: value, newer: -1, older: newest))
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
        slots[key] = slot
        return evicted
    }

    /// Removes the entry for `key` and returns its value; nil when absent.
    @discardableResult
    @inlinable public mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        return remove(slot: slot).value
    }

    /// The least recently used entry (the next to be evicted), without changing recency.
    @inlinable public var leastRecentlyUsed: (key: Key, value: Value)? {
        oldest < 0 ? nil : (nodes[oldest].key, nodes[oldest].value)
    }

    /// Removes and returns the least recently used entry.
    @discardableResult
    @inlinable public mutating func removeLeastRecentlyUsed() -> (key: Key, value: Value)? {
        oldest < 0 ? nil : remove(slot: oldest)
    }

    /// Removes every entry for which `shouldRemove` is true, visiting them from the least
    /// to the most recently used, and returns how many were removed.
    @discardableResult
    @inlinable public mutating func removeAll(where shouldRemove: (Key, Value) -> Bool) -> Int {
        var removed = 0
        var slot = oldest
        while slot >= 0 {
            let next = nodes[slot].newer
            if shouldRemove(nodes[slot].key, nodes[slot].value) {
                // Removing moves the last array slot into `slot`; if that moved node is
                // the one we were about to visit, follow it to its new slot.
                let last = nodes.count - 1
                remove(slot: slot)
                removed += 1
                slot = next == last ? slot : next
            } else {
                slot = next
            }
        }
        return removed
    }

    /// Removes every entry.
    @inlinable public mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        newest = -1
        oldest = -1
    }

    /// The keys from the most to the least recently used.
    @inlinable public var keysByRecency: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(nodes.count)
        var slot = newest
        while slot >= 0 {
            keys.append(nodes[slot].key)
            slot = nodes[slot].older
        }
        return keys
    }

    // MARK: List surgery

    @inlinable mutating func unlink(_ slot: Int) {
        let newer = nodes[slot].newer, older = nodes[slot].older
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
    }

    @inlinable mutating func moveToNewest(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        nodes[slot].newer = -1
        nodes[slot].older = newest
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    /// Unlinks `slot` and keeps the array dense by moving the last node into it.
    @discardableResult
    @inlinable mutating func remove(slot: Int) -> (key: Key, value: Value) {
        unlink(slot)
        let removed = nodes[slot]
        slots[removed.key] = nil
        let last = nodes.count - 1
        if slot != last {
            let moved = nodes[last]
            nodes[slot] = moved
            if moved.newer >= 0 { nodes[moved.newer].older = slot } else { newest = slot }
            if moved.older >= 0 { nodes[moved.older].newer = slot } else { oldest = slot }
            slots[moved.key] = slot
        }
        nodes.removeLast()
        return (removed.key, removed.value)
    }
}

extension LRUCache: Sendable where Key: Sendable, Value: Sendable {}
extension LRUCache.Node: Sendable where Key: Sendable, Value: Sendable {}
