import Platform
import Report
import SimKernel
import Testing
import World

@Suite("Determinism")
struct DeterminismTests {
    @Test("the same world and seed give the same digest and byte-identical summary and time series")
    func sameSeedSameBytes() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: ["traffic.customers=20000"])
        let first = try runWorld(spec)
        let second = try runWorld(spec)
        #expect(first.result.digest == second.result.digest)
        #expect(first.result.events == 60_000)
        #expect(RunSummary(first).text == RunSummary(second).text)
        #expect(TimeSeriesCSV.text(first.metrics) == TimeSeriesCSV.text(second.metrics))
    }

    @Test("a different seed gives a different digest")
    func differentSeed() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: ["traffic.customers=5000"])
        let a = try runWorld(spec, seed: 1)
        let b = try runWorld(spec, seed: 2)
        #expect(a.result.digest != b.result.digest)
        #expect(RunSummary(a).text != RunSummary(b).text)
    }

    @Test("worlds running in parallel threads give the same results as serial runs")
    func parallelEqualsSerial() async throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: ["traffic.customers=10000"])
        let serial = try (1...4).map { try runWorld(spec, seed: UInt64($0)).result.digest }
        let parallel = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
            for seed in 1...4 { group.addTask { (seed, try runWorld(spec, seed: UInt64(seed)).result.digest) } }
            var digests = [UInt64](repeating: 0, count: 4)
            for try await (seed, digest) in group { digests[seed - 1] = digest }
            return digests
        }
        #expect(serial == parallel)
    }
}

@Suite("A platform world run in slices")
struct SlicedWorldTests {
    @Test("stopping a world at instants inside and on interval boundaries and going on gives the digest, summary and time series of one run")
    func slicesEqualOneRun() throws {
        let spec = try smallWorld([#"duration="3m""#,
                                   #"faults=[{"kind": "crash", "target": "inventory#0", "at": "40s", "restart_after": "30s"}]"#])
        let whole = try runWorld(spec)
        let world = try PlatformWorld(spec: spec)
        let sliced = world.run(pausingAt: [.seconds(10), .milliseconds(45_500), .seconds(60), .seconds(61), .seconds(150)])
        world.sim.shutdown()
        #expect(sliced.result.digest == whole.result.digest)
        #expect(sliced.result.events == whole.result.events)
        #expect(RunSummary(sliced).text == RunSummary(whole).text)
        #expect(TimeSeriesCSV.text(sliced.metrics) == TimeSeriesCSV.text(whole.metrics))
        #expect(whole.metrics.timeSeries!.rows.count == 6, "3 minutes in 30 s rows")
    }
}
