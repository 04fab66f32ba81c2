/// A value per order, stored by order id in one array: the column of a table whose key is
/// the order (a dispatch assignment, a stock deduction, a charge count).
///
/// ```swift
/// var riders = OrderColumn<Int>()
/// riders[7] = 3            // order 7's rider
/// riders[7]                // 3
/// riders[8]                // nil: no value for order 8
/// riders[7, default: 0] += 1
/// ```
///
/// Order ids are sequential from 1 (``OrdersTable`` hands them out), so an array indexed
/// by id is both the smallest index and the one that keeps the orders in flight together:
/// they are the newest ids, at the array's end. A dictionary scatters them over a table
/// that grows with every order of the run, and every look-up reads a metadata word, a key
/// and a value in three places; in a world with hundreds of thousands of orders each of
/// those is a likely cache miss.
///
/// Memory is one optional value per order id up to the largest id set, which is
/// proportional to the orders created (as a dictionary's is).
struct OrderColumn<Value> {
    private var values: ContiguousArray<Value?> = []

    /// An empty column.
    init() {}

    /// Order `order`'s value, if any. Setting nil removes it.
    subscript(order: Int64) -> Value? {
        get {
            guard order >= 1, order <= Int64(values.count) else { return nil }
            return values[Int(order - 1)]
        }
        set {
            precondition(order >= 1, "order ids start at 1 (got \(order))")
            let index = Int(order - 1)
            if index >= values.count {
                guard newValue != nil else { return }
                values.append(contentsOf: repeatElement(nil, count: index + 1 - values.count))
            }
            values[index] = newValue
        }
    }

    /// Order `order`'s value, or `defaultValue` when it has none (to update in place:
    /// `column[id, default: 0] += 1`).
    subscript(order: Int64, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[order] ?? defaultValue() }
        set { self[order] = newValue }
    }

    /// Removes order `order`'s value and returns it.
    @discardableResult
    mutating func removeValue(forOrder order: Int64) -> Value? {
        let value = self[order]
        if value != nil { self[order] = nil }
        return value
    }

    /// Every order with a value, by ascending id.
    var entries: [(order: Int64, value: Value)] {
        values.enumerated().compactMap { index, value in value.map { (Int64(index + 1), $0) } }
    }
}

extension OrderColumn: Sendable where Value: Sendable {}
