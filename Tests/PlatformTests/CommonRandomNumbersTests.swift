@testable import Platform
import SimKernel
import Testing
import World

/// Common random numbers: two runs with the same seed and different pool sizes see the
/// same customers, choices and service times, although their events interleave
/// differently.
@Suite("Common random numbers")
struct CommonRandomNumbersTests {
    /// Runs the small world with a recorder of its draws.
    func record(_ overrides: [String]) throws -> (DrawRecorder, WorldOutcome) {
        let world = try PlatformWorld(spec: try smallWorld(overrides))
        let recorder = DrawRecorder()
        world.platform.draws.recorder = recorder
        let outcome = world.run()
        world.sim.shutdown()
        return (recorder, outcome)
    }

    @Test("a different worker pool and connection pool leave arrivals, choices and service times unchanged")
    func poolSizes() throws {
        let (narrow, narrowOutcome) = try record(["services.order.workers=2", "services.menu.workers=1",
                                                  #"services.order.database={"max_open": 1}"#])
        let (wide, wideOutcome) = try record(["services.order.workers=64", "services.menu.workers=32",
                                              #"services.order.database={"max_open": 64}"#])
        // The runs did differ: the narrow pools queued (and so interleaved events otherwise).
        #expect(narrowOutcome.value("order.waited") > 20)
        #expect(wideOutcome.value("order.waited") == 0)
        #expect(narrowOutcome.result.digest != wideOutcome.result.digest)
        #expect(narrow.arrivals.count > 300)
        #expect(narrow.arrivals.map(\.id) == wide.arrivals.map(\.id))
        #expect(narrow.arrivals.map(\.at) == wide.arrivals.map(\.at))
        #expect(narrow.arrivals.map(\.journey) == wide.arrivals.map(\.journey))
        #expect(narrow.choices.count == narrow.arrivals.count)
        #expect(narrow.choices == wide.choices)
        // Every call served in both runs took the same service time.
        let common = Set(narrow.serviceTimes.keys).intersection(wide.serviceTimes.keys)
        #expect(common.count > narrow.serviceTimes.count * 9 / 10, "most calls happen in both runs")
        let differing = common.filter { narrow.serviceTimes[$0] != wide.serviceTimes[$0] }
        #expect(differing.isEmpty)
    }

    @Test("a surge adds arrivals of its own and leaves the profile's arrivals as they were")
    func surgeLeavesProfileArrivals() throws {
        let (calm, _) = try record([])
        let (surged, _) = try record([#"faults=[{"kind": "surge", "factor": 3, "at": "1m", "for": "1m"}]"#])
        let profile = surged.arrivals.filter { $0.id < ArrivalProcess.surgeIDs }
        let extra = surged.arrivals.filter { $0.id >= ArrivalProcess.surgeIDs }
        #expect(profile.map(\.at) == calm.arrivals.map(\.at))
        #expect(profile.map(\.journey) == calm.arrivals.map(\.journey))
        // Rate ×3 for a minute at 2/s: about 240 extra arrivals, all inside the window.
        #expect((180...300).contains(extra.count), "\(extra.count)")
        #expect(extra.allSatisfy { $0.at >= 60_000_000_000 && $0.at <= 120_000_000_000 })
    }
    @Test("a different worker pool leaves every call's retry delays unchanged")
    func retryDelays() throws {
        // The order service retries inventory with full jitter while inventory fails half
        // its calls; the runs differ in the order service's workers (so in which calls
        // retry first, and how often the breaker lets them through).
        let calls = #"services.order.calls={"default": {"timeout": "3s"}, "dispatch": {"timeout": "35s"}, "#
            + #""inventory": {"timeout": "1s", "retry": {"attempts": 4, "base": "50ms", "cap": "2s", "jitter": "full"}}}"#
        let faults = #"faults=[{"kind": "errors", "target": "inventory", "ratio": 0.5, "at": "1m", "for": "3m"}]"#
        let (narrow, narrowOutcome) = try record([calls, faults, "services.order.workers=2"])
        let (wide, wideOutcome) = try record([calls, faults, "services.order.workers=64"])
        #expect(narrowOutcome.result.digest != wideOutcome.result.digest)
        #expect(narrow.retryDelays.count > 100)
        let common = Set(narrow.retryDelays.keys).intersection(wide.retryDelays.keys)
        #expect(common.count > narrow.retryDelays.count * 8 / 10, "most retries happen in both runs")
        let differing = common.filter { narrow.retryDelays[$0] != wide.retryDelays[$0] }
        #expect(differing.isEmpty)
        // Jittered: the delays after a first attempt spread over [0, 50 ms].
        let firsts = Set(common.filter { $0.hasSuffix("#1") }.compactMap { narrow.retryDelays[$0] })
        #expect(firsts.count > 50)
        #expect(firsts.allSatisfy { (0...50_000_000).contains($0) })
    }
}
