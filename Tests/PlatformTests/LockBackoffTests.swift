import Platform
import Testing
import World

/// The lock client's retry backoff is the world's: a lock taken by another holder is
/// tried again after `lock_backoff`, doubling up to `lock_backoff_cap`.
@Suite("Lock backoff")
struct LockBackoffTests {
    @Test("in a flash sale, a longer lock backoff makes buyers wait longer for a taken stock lock")
    func longerBackoffLongerWaits() throws {
        let sale = LibraryCoverageTests.flashSale + [#"services.inventory.lock_wait="30s""#,
                                                     #"services.order.calls.inventory={"timeout": "60s"}"#]
        let quick = try runSmall(sale)
        let slow = try runSmall(sale + [#"services.inventory.lock_backoff="200ms""#, #"services.inventory.lock_backoff_cap="200ms""#])
        func meanWait(_ outcome: WorldOutcome) throws -> Double {
            try #require(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value("locks.wait.mean"))
        }
        let (quickWait, slowWait) = (try meanWait(quick), try meanWait(slow))
        #expect(quickWait > 0, "buyers contend for the flash items' locks")
        #expect(slowWait > 1.2 * quickWait, "200 ms between tries: \(slowWait) ms against \(quickWait) ms")
        // Contention changes timing, never correctness.
        #expect(slow.invariants.oversold == 0)
    }
}
