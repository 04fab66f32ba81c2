@testable import Platform
import SimKernel
import Testing

/// A piece of work numbers its draws per purpose, so a draw's key names the work, the
/// purpose and how many of that purpose came before, whatever else the work draws for.
@Suite("Work origin")
struct WorkOriginTests {
    /// The key the `count`-th draw (from 0) of `purpose` by work `key` must have.
    private func expected(_ key: UInt64, _ purpose: UInt64, _ count: UInt64) -> UInt64 {
        StableHash.combine(StableHash.combine(key, purpose), count)
    }

    @Test("each purpose counts its own draws, for more purposes than are kept inline and in any order")
    func countsPerPurpose() {
        let origin = WorkOrigin(key: 42, service: "order")
        // Three rounds over twice as many purposes as fit inline, in a different order
        // each round, with purpose 0 (the first purpose's raw value) among them.
        let purposes = (0..<UInt64(2 * WorkOrigin.inlineCapacity)).map { $0 * 7919 }
        let rounds = [purposes, purposes.reversed(), purposes.enumerated().sorted { ($0.offset % 3, $0.offset) < ($1.offset % 3, $1.offset) }.map(\.element)]
        for (round, order) in rounds.enumerated() {
            for purpose in order {
                #expect(origin.next(purpose) == expected(42, purpose, UInt64(round)), "purpose \(purpose), round \(round)")
            }
        }
    }

    @Test("two works drawing for the same purposes get different keys; one work's draws do not move another's")
    func worksAreIndependent() {
        let first = WorkOrigin(key: 1, service: "order")
        let second = WorkOrigin(key: 2, service: "order")
        for _ in 0..<10 { _ = first.next(5) }
        #expect(second.next(5) == expected(2, 5, 0))
        #expect(first.next(5) == expected(1, 5, 10))
        #expect(first.next(5) != second.next(5))
    }
}
