import Bench
import Foundation
import Testing
import World

/// `bench --scaling` runs the baseline as a larger platform with the overrides of
/// `scripts/scaled-baseline`, written out in `ScaledBaseline`.
@Suite("The scaled baseline")
struct ScaledBaselineTests {
    func baseline(_ overrides: [String]) throws -> WorldSpec {
        let path = BenchCommandTests.repositoryRoot + "/" + ScaledBaseline.world
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        return try WorldJSON.read(bytes, file: ScaledBaseline.world, overrides: overrides, with: WorldSpec.reader)
    }

    @Test("factor 1 is worlds/baseline.json exactly: the base figures are the world's own")
    func factorOneIsTheBaseline() throws {
        #expect(try baseline(ScaledBaseline.overrides(factor: 1)) == baseline([]))
    }

    @Test("factor 10 multiplies demand and capacity by ten")
    func factorTen() throws {
        let plain = try baseline([])
        let scaled = try baseline(ScaledBaseline.overrides(factor: 10))
        #expect(scaled.traffic.rate.segments.map(\.from) == plain.traffic.rate.segments.map { $0.from * 10 })
        #expect(scaled.traffic.rate.segments.map(\.to) == plain.traffic.rate.segments.map { $0.to * 10 })
        #expect(scaled.traffic.population == plain.traffic.population * 10)
        #expect(scaled.merchants.count == plain.merchants.count * 10)
        #expect(scaled.riders.count == plain.riders.count * 10)
        #expect(scaled.catalog.items == plain.catalog.items * 10)
        #expect(scaled.catalog.flashItems == plain.catalog.flashItems * 10)
        #expect(scaled.services.map(\.instances) == plain.services.map { $0.instances * 10 })
        #expect(scaled.infrastructure.database.cores == plain.infrastructure.database.cores * 10)
        #expect(scaled.infrastructure.database.maxConnections == plain.infrastructure.database.maxConnections * 10)
    }
}
