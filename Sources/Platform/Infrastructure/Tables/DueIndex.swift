/// A table index of row ids ordered by a time (when a row last changed, was last seen...):
/// the reconciler's queries read only the rows whose time has come, not every open row.
///
/// Entries are never updated in place: a row whose time changes gets a new entry and its
/// old one goes stale. The owning table decides which entries still hold (lazy deletion)
/// as a query meets them, so stale entries cost once, when their time comes. Times are
/// mostly "now" and arrive in order, so an insert is usually an append.
///
/// ```swift
/// var index = DueIndex()
/// index.insert(7, at: 100)
/// index.insert(3, at: 250)
/// let due = index.drain(through: 200)   // [(key 100, id 7)]; 3 is not due yet
/// index.restore(due)                     // a read that keeps what it found
/// ```
struct DueIndex: Sendable {
    /// One indexed row: its time and id.
    struct Entry: Sendable, Equatable {
        var key: Int64
        var id: Int64
    }

    private var entries: [Entry] = []
    /// Entries before `head` were drained (their slots are reused by ``restore(_:)``).
    private var head = 0

    /// Entries held, stale ones included.
    var count: Int { entries.count - head }

    /// Indexes row `id` at time `key` (equal times keep insertion order).
    mutating func insert(_ id: Int64, at key: Int64) {
        compactIfWorthIt()
        let entry = Entry(key: key, id: id)
        if let last = entries.last, last.key > key, entries.count > head {
            // Out of order (rare): binary search for the first entry with a later time.
            var low = head, high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].key <= key { low = middle + 1 } else { high = middle }
            }
            entries.insert(entry, at: low)
        } else {
            entries.append(entry)
        }
    }

    /// Takes out every entry with a time at or before `cutoff`, in time order.
    mutating func drain(through cutoff: Int64) -> [Entry] {
        var end = head
        while end < entries.count, entries[end].key <= cutoff { end += 1 }
        let due = Array(entries[head..<end])
        head = end
        return due
    }

    /// Puts back entries just taken by ``drain(through:)`` (a subset of them, in the same
    /// order), before anything is inserted.
    mutating func restore(_ kept: [Entry]) {
        precondition(kept.count <= head, "restore only what drain took")
        head -= kept.count
        for (offset, entry) in kept.enumerated() { entries[head + offset] = entry }
    }

    /// Drops drained slots once they are most of the array.
    private mutating func compactIfWorthIt() {
        guard head > 64, head * 2 > entries.count else { return }
        entries.removeFirst(head)
        head = 0
    }
}
