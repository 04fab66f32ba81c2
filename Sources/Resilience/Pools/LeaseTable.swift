extension ConnectionPoolState {
    /// The connections the pool has lent out, each in a numbered place that its lease
    /// carries, so giving one back reads that one place.
    ///
    /// A dictionary keyed by connection number did the same job, hashing the number at
    /// every checkout and every return and reading its header, its bitmap, a key and a
    /// value (a simulated service checks a connection out for every statement). Freed
    /// places are reused last freed first, so the table is as long as the most
    /// connections lent at once.
    ///
    /// A lease names its place and its connection and checkout numbers; a stale lease
    /// (given back already, its place perhaps lent again) matches nothing.
    @usableFromInline struct LeaseTable {
        @usableFromInline var places: ContiguousArray<LeasedConnection?> = []
        @usableFromInline var free: ContiguousArray<Int> = []
        /// Connections lent out.
        @usableFromInline private(set) var count = 0

        @inlinable init() {}

        @inlinable var isEmpty: Bool { count == 0 }

        /// Lends `held` out; returns its place.
        @inlinable mutating func insert(_ held: LeasedConnection) -> Int {
            count += 1
            if let place = free.popLast() {
                places[place] = held
                return place
            }
            places.append(held)
            return places.count - 1
        }

        /// The loan in `place`, if it is the one of `connectionID`'s checkout `leaseID`.
        @inlinable func loan(at place: Int, connectionID: UInt64, leaseID: UInt64) -> LeasedConnection? {
            guard place >= 0, place < places.count, let held = places[place],
                  held.connectionID == connectionID, held.leaseID == leaseID else { return nil }
            return held
        }

        /// Ends the loan in `place` (which holds one).
        @inlinable mutating func remove(at place: Int) {
            places[place] = nil
            free.append(place)
            count -= 1
        }

        /// Notes that the loan in `place` (which holds one) was reported as a leak.
        @inlinable mutating func markLeakReported(at place: Int) {
            places[place]?.leakReported = true
        }

        /// Every loan with its place, in place order.
        @inlinable var loans: [(place: Int, held: LeasedConnection)] {
            places.indices.compactMap { place in places[place].map { (place, $0) } }
        }
    }
}

extension ConnectionPoolState.LeaseTable: Sendable where Connection: Sendable {}
