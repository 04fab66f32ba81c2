import SimKernel
import Testing

/// A place for tasks of a world to write what they saw; only the world's thread uses it.
final class Log<T>: @unchecked Sendable {
    var entries: [T] = []
    func append(_ entry: T) { entries.append(entry) }
}

@Suite("VirtualClock")
struct VirtualClockTests {
    @Test("timers due at the same instant fire in the order they were scheduled")
    func equalTimeOrderIsStable() {
        let sim = Simulation(seed: 1)
        let log = Log<String>()
        let clock = sim.clock
        for name in ["a", "b", "c", "d", "e"] {
            sim.spawn(name) {
                try? await clock.sleep(until: .init(nanoseconds: 1_000))
                log.append(name)
            }
        }
        let result = sim.run()
        #expect(result.stop == .completed)
        #expect(log.entries == ["a", "b", "c", "d", "e"])
        #expect(result.endTime == 1_000)
    }

    @Test("time jumps straight to the next timer and sleeps end at their instant")
    func sleepsEndAtTheirInstant() {
        let sim = Simulation(seed: 1)
        let log = Log<(String, Int64)>()
        let clock = sim.clock
        sim.spawn("sleeper") {
            try? await clock.sleep(for: .milliseconds(250))
            log.append(("first", clock.now.nanoseconds))
            try? await clock.sleep(for: .seconds(8.2))
            log.append(("second", clock.now.nanoseconds))
        }
        _ = sim.run()
        #expect(log.entries.map(\.1) == [250_000_000, 8_450_000_000])
    }

    @Test("cancelling a sleeping task removes its timer at once and throws CancellationError")
    func cancellationRemovesTheTimer() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let executor = sim.executor
        let log = Log<String>()
        sim.spawn("owner") {
            let sleeper = Task(executorPreference: executor) {
                do {
                    try await clock.sleep(for: .seconds(30))
                    log.append("woke")
                } catch is CancellationError {
                    log.append("cancelled at \(clock.now.nanoseconds)")
                } catch {
                    log.append("other error")
                }
            }
            try? await clock.sleep(for: .milliseconds(10))
            log.append("pending timers before cancel: \(executor.pendingTimers)")
            sleeper.cancel()
            log.append("pending timers after cancel: \(executor.pendingTimers)")
            await sleeper.value
        }
        let result = sim.run()
        #expect(log.entries == [
            "pending timers before cancel: 1",
            "pending timers after cancel: 0",
            "cancelled at 10000000",
        ])
        // The 30 s timer never moved the clock.
        #expect(result.endTime == 10_000_000)
    }

    @Test("a task already cancelled does not sleep at all")
    func alreadyCancelledTaskDoesNotSleep() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let log = Log<Bool>()
        sim.spawn("self-cancelling") {
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                try await clock.sleep(for: .seconds(1))
                log.append(false)
            } catch {
                log.append(error is CancellationError)
            }
        }
        let result = sim.run()
        #expect(log.entries == [true])
        #expect(result.endTime == 0)
        #expect(sim.executor.pendingTimers == 0)
    }

    @Test("a task-group timeout fires at the right virtual instant and cancels the loser")
    func taskGroupTimeout() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let log = Log<String>()
        sim.spawn("caller") {
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        try await clock.sleep(for: .seconds(5)) // the slow dependency
                        return "response"
                    } catch { return "abandoned" }
                }
                group.addTask {
                    try? await clock.sleep(for: .milliseconds(800)) // the timeout
                    return "timeout"
                }
                let first = await group.next()!
                group.cancelAll()
                return first
            }
            log.append("\(outcome) at \(clock.now.nanoseconds)")
        }
        let result = sim.run()
        #expect(log.entries == ["timeout at 800000000"])
        #expect(result.endTime == 800_000_000)
        #expect(result.stop == .completed)
    }

    @Test("code written against `some Clock` runs unchanged on the virtual clock")
    func genericClockCode() {
        func measure<C: Clock>(_ clock: C) async throws -> C.Duration {
            let start = clock.now
            try await clock.sleep(until: start.advanced(by: clock.minimumResolution * 1_000), tolerance: nil)
            return start.duration(to: clock.now)
        }
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let log = Log<Duration>()
        sim.spawn("generic") { log.append(try! await measure(clock)) }
        _ = sim.run()
        #expect(log.entries == [.nanoseconds(1_000)])
    }

    @Test("instants print as short durations")
    func instantDescription() {
        #expect(VirtualClock.Instant(nanoseconds: 250_000_000).description == "250ms")
        #expect(VirtualClock.Instant(nanoseconds: 8_200_000_000).description == "8.2s")
        #expect(VirtualClock.Instant(nanoseconds: 1_800_000_000_000).description == "30m")
        #expect(Duration.nanoseconds(1_500).formattedShort == "1.5µs")
    }
}
