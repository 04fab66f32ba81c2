/// The riders' free places, indexed so that dispatch finds the least-loaded rider in
/// O(log n) instead of asking every rider on every search.
///
/// Dispatch picks the rider with the most places free now (least loaded), ties going to
/// the lowest index — the choice a scan over all riders makes. Each rider reports its
/// free places here whenever they change (an order taken or delivered, a shift starting
/// or ending), so the roster always holds exactly what each rider would answer.
///
/// ```swift
/// let roster = RiderRoster(riders: 3, capacity: 2)   // every rider has 2 places free
/// roster.update(rider: 0, available: 1)              // rider 0 took an order
/// roster.leastLoaded()                               // 1: two places free, lowest index
/// roster.update(rider: 1, available: 0)              // rider 1 went off shift
/// roster.leastLoaded()                               // 2
/// ```
///
/// A max segment tree over rider indices: each inner node holds the largest free count
/// below it, so the answer is found by walking from the root towards the leftmost leaf
/// holding the maximum. World-confined: only the world's thread touches it (riders and
/// dispatch run on the world's executor), hence `@unchecked Sendable`.
final class RiderRoster: @unchecked Sendable {
    /// Leaves start here: the smallest power of two holding every rider.
    private let leaves: Int
    /// `tree[1]` is the root, `tree[leaves + i]` rider i's free places; padding leaves
    /// hold 0 and so are never picked.
    private var tree: [Int32]
    /// Number of riders.
    let count: Int

    /// A roster of `riders` riders, each with `capacity` places free.
    init(riders: Int, capacity: Int) {
        count = riders
        var size = 1
        while size < riders { size <<= 1 }
        leaves = size
        tree = Array(repeating: 0, count: 2 * size)
        let free = Int32(clamping: max(0, capacity))
        for rider in 0..<riders { tree[size + rider] = free }
        var node = size - 1
        while node >= 1 {
            tree[node] = max(tree[2 * node], tree[2 * node + 1])
            node -= 1
        }
    }

    /// Places free for rider `rider` now, as last reported.
    func available(_ rider: Int) -> Int { Int(tree[leaves + rider]) }

    /// Records that rider `rider` now has `available` places free (0 when off shift or
    /// full). O(log n).
    func update(rider: Int, available: Int) {
        precondition(rider >= 0 && rider < count, "rider \(rider) outside the roster of \(count)")
        var node = leaves + rider
        let free = Int32(clamping: max(0, available))
        guard tree[node] != free else { return }
        tree[node] = free
        while node > 1 {
            node >>= 1
            let best = max(tree[2 * node], tree[2 * node + 1])
            // Ancestors above an unchanged maximum are unchanged too.
            if tree[node] == best { return }
            tree[node] = best
        }
    }

    /// The rider with the most places free (ties: the lowest index), or nil when no rider
    /// has a place free. O(log n).
    func leastLoaded() -> Int? {
        guard count > 0 else { return nil }
        let best = tree[1]
        guard best > 0 else { return nil }
        var node = 1
        while node < leaves {
            node = tree[2 * node] == best ? 2 * node : 2 * node + 1
        }
        return node - leaves
    }
}
