@testable import Platform
import SimKernel
import Testing
import World

/// Runs end in proportion to their work: arrivals follow a rate profile exactly (a short
/// spike to a huge rate costs only the arrivals it brings), and a fault still to come does
/// not keep a finished world alive.
@Suite("Runs end with their work")
struct RunEndsTests {
    /// Runs a world with a recorder of its arrivals.
    func arrivals(_ spec: WorldSpec) throws -> (instants: [Int64], outcome: WorldOutcome) {
        let world = try PlatformWorld(spec: spec)
        let recorder = DrawRecorder()
        world.platform.draws.recorder = recorder
        let outcome = world.run()
        world.sim.shutdown()
        return (recorder.arrivals.map(\.at), outcome)
    }

    @Test("the cumulative rate of levels and ramps is inverted exactly, and a profile that ends has no more arrivals")
    func cumulativeRate() {
        let profile = RateProfile(segments: [
            .init(duration: .seconds(10), from: 0, to: 10),   // 50 arrivals' worth, ramping
            .init(duration: .seconds(10), from: 2, to: 2),    // 20 more, level
        ])
        let rate = CumulativeRate(profile)
        var segment = 0
        // Λ(t) = t²/2 on the ramp: 8 arrivals' worth by t = 4.
        #expect(abs(rate.instant(after: 0, mass: 8, segment: &segment)! - 4) < 1e-9)
        #expect(abs(rate.instant(after: 4, mass: 42, segment: &segment)! - 10) < 1e-9)
        #expect(abs(rate.instant(after: 10, mass: 10, segment: &segment)! - 15) < 1e-9)
        #expect(rate.instant(after: 15, mass: 10.5, segment: &segment) == nil, "the profile ends at 20 s with 10 left")
        var forever = 0
        let everlasting = CumulativeRate(RateProfile(segments: [.init(duration: .seconds(1), from: 0, to: 0),
                                                                 .init(duration: nil, from: 4, to: 4)]))
        #expect(abs(everlasting.instant(after: 0, mass: 2, segment: &forever)! - 1.5) < 1e-9)
    }

    @Test("a one-nanosecond ramp to 10⁹/s before 1/s (the issue's reproducer) runs its 1,000 customers and ends")
    func nanosecondSpike() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=1000",
            #"traffic.rate=[{"for":"1ns","from":"0/s","to":"1000000000/s"},{"rate":"1/s"}]"#])
        let (instants, outcome) = try arrivals(spec)
        #expect(outcome.result.stop == .completed)
        #expect(instants.count == 1000)
        // The spike holds half an arrival's worth: the rest come at 1/s, over ~1000 s.
        #expect((900...1100).contains(Int(outcome.result.endTime / 1_000_000_000)), "\(outcome.result.endTime)")
    }

    @Test("a millisecond spike of 10⁶/s in a 2-hour world brings its ~1,000 arrivals inside the spike and 1/s elsewhere")
    func shortSpikeInLongWorld() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=null", "duration=2h", "services.backend.workers=64",
            #"traffic.rate=[{"for":"1h","rate":"1/s"},{"for":"1ms","rate":"1000000/s"},{"for":"1h","rate":"1/s"}]"#])
        let (instants, outcome) = try arrivals(spec)
        let spikeStart: Int64 = 3_600_000_000_000, spikeEnd = spikeStart + 1_000_000
        let inSpike = instants.filter { $0 >= spikeStart && $0 < spikeEnd }.count
        // Poisson(1000) and Poisson(7200): within four standard deviations.
        #expect((873...1127).contains(inSpike), "\(inSpike)")
        #expect((6860...7540).contains(instants.count - inSpike), "\(instants.count - inSpike)")
        #expect(outcome.result.stop.isSuccess)
    }

    @Test("a ramp gets the arrivals its area promises, a quarter of them in its first half")
    func rampCounts() throws {
        let spec = try loadWorld("worlds/validation/mmc.json", overrides: [
            "traffic.customers=null", "services.backend.workers=64",
            #"traffic.rate=[{"for":"1000s","from":"0/s","to":"10/s"}]"#])
        let (instants, outcome) = try arrivals(spec)
        #expect(outcome.result.stop == .completed)
        // Λ(1000 s) = 5000, Λ(500 s) = 1250: within four standard deviations.
        #expect((4717...5283).contains(instants.count), "\(instants.count)")
        let firstHalf = instants.filter { $0 < 500_000_000_000 }.count
        #expect((1109...1391).contains(firstHalf), "\(firstHalf)")
        #expect(instants.allSatisfy { $0 <= 1_000_000_000_000 })
    }

    @Test("a fault far after the traffic (the issue's 10000h cache flush) neither fires nor keeps the world alive")
    func lateFaultDoesNotHoldTheRun() throws {
        let calm = try runSmall(["duration=null"])
        let late = try runSmall(["duration=null", #"faults=[{"kind":"cache_flush","at":"10000h"}]"#])
        #expect(late.result.stop == .completed)
        #expect(late.result.endTime < 3_600_000_000_000, "the world ends with its work, not at 10000h")
        #expect(late.result.digest == calm.result.digest)
        #expect(late.metric("faults.started") == nil)
    }

    @Test("a fault in force when the traffic ends is still undone before the world finishes")
    func faultInForceEnds() throws {
        let outcome = try runSmall(["duration=null",
                                    #"faults=[{"kind":"latency","target":"menu","extra":{"constant":"10ms"},"at":"4m","for":"30m"}]"#])
        #expect(outcome.result.stop == .completed)
        #expect(outcome.value("faults.started") == 1)
        #expect(outcome.value("faults.ended") == 1)
    }

    @Test("a fault at or after the world's duration is refused at its instant; one after the traffic ends is a warning")
    func faultTimes() throws {
        #expect {
            try smallWorld([#"faults=[{"kind":"cache_flush","at":"1m"},{"kind":"cache_flush","at":"12m"}]"#])
        } throws: { error in
            let text = (error as? WorldError)?.description ?? ""
            return text.contains("$.faults[1].at") && text.contains("never fire") && !text.contains("$.faults[0]")
        }
        let spec = try smallWorld([#"faults=[{"kind":"cache_flush","at":"6m"},{"kind":"cache_flush","at":"4m"}]"#])
        #expect(spec.warnings == ["fault cache_flush at 6m starts after the traffic ends (5m): it fires only if the world is still busy then"])
    }
}
