import Platform
import Report
import SimKernel
import Testing
import World

/// The progress line of long runs, and that watching a run does not change it.
@Suite("Run progress")
struct ProgressTests {
    @Test("the line gives simulated time, the share of the duration, events/s and the wall time left")
    func lineWithDuration() {
        let line = ProgressLine.text(simulated: 30 * 60_000_000_000, duration: 2 * 3_600_000_000_000,
                                     wallSeconds: 10, eventsPerSecond: 1_234_567)
        // A quarter done in 10 s: three quarters left take 30 s.
        #expect(line == "simulated 30m00s of 2h00m (25%) · 1.23 M events/s · about 30s left")
    }

    @Test("a world without a duration has no share and no estimate")
    func lineWithoutDuration() {
        let line = ProgressLine.text(simulated: 90_000_000_000, duration: nil, wallSeconds: 3, eventsPerSecond: 52_000)
        #expect(line == "simulated 1m30s · 52.0 k events/s")
    }

    @Test("the estimate of time left grows into minutes, and the share never passes 100%")
    func lineLongEstimate() {
        let line = ProgressLine.text(simulated: 60_000_000_000, duration: 3_600_000_000_000, wallSeconds: 5, eventsPerSecond: 900)
        #expect(line == "simulated 1m00s of 1h00m (1%) · 900 events/s · about 4m55s left")
        let over = ProgressLine.text(simulated: 3_700_000_000_000, duration: 3_600_000_000_000, wallSeconds: 5, eventsPerSecond: 900)
        #expect(over.contains("(100%)"))
    }

    @Test("durations are printed in units that fit")
    func durations() {
        #expect(ReadableDuration.compact(nanoseconds: 468_133_000_000) == "7m48s")
        #expect(ReadableDuration.compact(nanoseconds: 412_000) == "0.412ms")
        #expect(ReadableDuration.compact(nanoseconds: 12_340_000) == "12.3ms")
        #expect(ReadableDuration.compact(nanoseconds: 468_000_000) == "468ms")
        #expect(ReadableDuration.compact(nanoseconds: 2_345_000_000) == "2.35s")
        #expect(ReadableDuration.compact(nanoseconds: 7_500_000_000_000) == "2h05m")
        #expect(ReadableDuration.compact(nanoseconds: 100 * 3_600_000_000_000) == "4d04h")
        #expect(ReadableDuration.compact(nanoseconds: 2_400_000_000, wall: true) == "2s")
    }

    @Test("a run watched every 1,000 steps has the same digest, end and metrics as one not watched")
    func observerLeavesTheRunAlone() throws {
        let spec = try smallWorld(["duration=\"4m\""])
        let plain = try runWorld(spec)
        let world = try PlatformWorld(spec: spec, seed: nil)
        var calls = 0
        var times: [Int64] = []
        world.sim.progressSteps = 1_000
        world.sim.progressObserver = { progress in
            calls += 1
            times.append(progress.now)
        }
        let watched = world.run()
        world.sim.shutdown()
        #expect(calls > 10)
        #expect(times == times.sorted())
        #expect(watched.result == plain.result)
        #expect(RunSummary(watched).text == RunSummary(plain).text)
    }

    @Test("a watched run still stops at its event budget, exactly")
    func observerKeepsTheBudget() throws {
        let spec = try smallWorld(["max_events=25500"])
        let plain = try runWorld(spec)
        let world = try PlatformWorld(spec: spec, seed: nil)
        world.sim.progressSteps = 1_000
        world.sim.progressObserver = { _ in }
        let watched = world.run()
        world.sim.shutdown()
        #expect(plain.result.stop == .budgetExhausted(steps: 25_500))
        #expect(watched.result == plain.result)
    }
}
