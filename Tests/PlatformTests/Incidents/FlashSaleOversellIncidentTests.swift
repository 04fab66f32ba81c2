import Platform
import Testing
import World

/// The flash-sale oversell (DOMAIN.md, distributed lock): GC pauses longer than the stock
/// lock's TTL stop holders between their stock read and their write; without fencing the
/// stale write takes the stock below zero. Fencing tokens, or a guarded deduction in the
/// database, stop it — and the whole flash stock still sells.
@Suite("Incident: flash-sale oversell")
struct FlashSaleOversellIncidentTests {
    /// The flash sale lasts 40 s; the orders it creates need not be delivered for these
    /// checks, so the run stops 10 s after the last buyer arrived.
    static let reduced = ["duration=50s"]
    /// Units of the one flash item.
    static let flashStock = 500.0

    static func run(_ variant: String) throws -> WorldOutcome {
        try runWorld(try loadWorld("worlds/incidents/\(variant).json", overrides: reduced))
    }

    /// Units sold: taken and not given back.
    static func sold(_ outcome: WorldOutcome) -> Double {
        outcome.value("inventory.deducted") - (outcome.metric("inventory.restocked") ?? 0)
    }

    @Test("as it happened, a paused holder loses its lock and its stale write oversells")
    func asItHappenedOversells() throws {
        let outcome = try Self.run("flash-sale-oversell")
        #expect(outcome.value("inventory.lock_lost_while_held") >= 1)
        #expect(outcome.value("invariants.oversold") > 0)
        #expect(Self.sold(outcome) > Self.flashStock)
    }

    @Test("fencing tokens refuse the stale write: nothing oversold, the whole stock sold")
    func fencingStopsTheOversell() throws {
        let outcome = try Self.run("flash-sale-oversell-fixed")
        #expect(outcome.value("inventory.lock_lost_while_held") >= 1, "the pauses still outlast the TTL")
        #expect(outcome.value("database.stale_writes_rejected") + (outcome.metric("database.stale_reads_rejected") ?? 0) >= 1)
        #expect(outcome.value("invariants.oversold") == 0)
        #expect(Self.sold(outcome) == Self.flashStock)
    }

    @Test("compare-and-delete plus a guarded deduction refuses the stale write: nothing oversold, the whole stock sold")
    func guardedDeductionStopsTheOversell() throws {
        let outcome = try Self.run("flash-sale-oversell-fixed-cad")
        #expect(outcome.value("inventory.lock_lost_while_held") >= 1, "the pauses still outlast the TTL")
        #expect(outcome.value("inventory.guard_refused") >= 1)
        #expect(outcome.metric("database.stale_writes_rejected") == nil, "no fencing in this variant")
        #expect(outcome.value("invariants.oversold") == 0)
        #expect(Self.sold(outcome) == Self.flashStock)
    }
}
