/// A value per order, stored by order id (or by another key handed out in sequence, such
/// as the app's idempotency keys) in one array: the column of a table whose key is the
/// order (a dispatch assignment, a stock deduction, a charge count).
///
/// ```swift
/// var riders = OrderColumn<Int>()
/// riders[7] = 3            // order 7's rider
/// riders[7]                // 3
/// riders[8]                // nil: no value for order 8
/// riders[7, default: 0] += 1
/// ```
///
/// Order ids are sequential from 1 (``OrdersTable`` hands them out), and the app's keys
/// follow the customers' arrivals, so an array indexed by key is both the smallest index
/// and the one that keeps the orders in flight together: they are the newest keys, at
/// the array's end. A dictionary scatters them over a table that grows with every order
/// of the run, and every look-up reads a metadata word, a key and a value in three
/// places; in a world with hundreds of thousands of orders each is a likely cache miss.
///
/// A key the array cannot hold cheaply (below 1, or far beyond the largest key stored)
/// goes to a dictionary instead, so any key works; only sequential ones are fast.
/// Memory is one optional value per key up to the largest stored in the array, which is
/// proportional to the orders created (as a dictionary's is).
struct OrderColumn<Value> {
    private var values: ContiguousArray<Value?> = []
    /// Values whose keys lay outside the array's reach when they were stored.
    private var outliers: [Int64: Value] = [:]

    /// An empty column.
    init() {}

    /// How far past its end the array grows to take a key: at most doubling (plus a
    /// start), so a stray large key cannot make it huge.
    private var reach: Int64 { Int64(values.count) + Int64(max(values.count, 4_096)) }

    /// The value for `key`, if any. Setting nil removes it.
    subscript(key: Int64) -> Value? {
        get {
            if key >= 1, key <= Int64(values.count), let value = values[Int(key - 1)] { return value }
            return outliers.isEmpty ? nil : outliers[key]
        }
        set {
            guard key >= 1, key <= reach else {
                outliers[key] = newValue
                return
            }
            // Stored densely now: an older value kept aside when the key was out of reach
            // must not show through.
            if !outliers.isEmpty { outliers[key] = nil }
            let index = Int(key - 1)
            if index >= values.count {
                guard newValue != nil else { return }
                values.append(contentsOf: repeatElement(nil, count: index + 1 - values.count))
            }
            values[index] = newValue
        }
    }

    /// The value for `key`, or `defaultValue` when it has none (to update in place:
    /// `column[id, default: 0] += 1`).
    subscript(key: Int64, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        set { self[key] = newValue }
    }

    /// Removes the value for `key` and returns it.
    @discardableResult
    mutating func removeValue(forKey key: Int64) -> Value? {
        let value = self[key]
        if value != nil { self[key] = nil }
        return value
    }

    /// Every key with a value, ascending.
    var entries: [(order: Int64, value: Value)] {
        let dense = values.enumerated().compactMap { index, value in value.map { (order: Int64(index + 1), value: $0) } }
        guard !outliers.isEmpty else { return dense }
        return (dense + outliers.map { (order: $0.key, value: $0.value) }).sorted { $0.order < $1.order }
    }
}

extension OrderColumn: Sendable where Value: Sendable {}
