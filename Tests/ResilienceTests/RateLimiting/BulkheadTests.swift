import Resilience
import SimKernel
import Testing

@Suite("Bulkhead")
struct BulkheadTests {
    typealias Rejection = Bulkhead<VirtualClock>.Rejection

    @Test("defaults are Resilience4j's: 25 calls, no waiting")
    func defaults() throws {
        let refused = try inWorld { clock -> (Rejection?, Int, Double) in
            let bulkhead = Bulkhead(clock: clock)
            for _ in 0..<25 { try await bulkhead.acquire() }
            do throws(Rejection) { try await bulkhead.acquire() } catch { return (error, bulkhead.permitsInUse, clock.ms) }
            return (Rejection?.none, bulkhead.permitsInUse, clock.ms)
        }
        #expect(refused.0 == .full && refused.1 == 25 && refused.2 == 0)
    }

    @Test("waiters are served in FIFO order as permits are released")
    func fifo() throws {
        let order = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1, maxWaitDuration: .seconds(10)), clock: clock)
            let probe = LimitingProbe()
            try await bulkhead.acquire()
            await withTaskGroup(of: Void.self) { group in
                for (index, name) in ["a", "b", "c"].enumerated() {
                    group.addTask {
                        try? await clock.sleep(until: at(ms: Double(10 * (index + 1))), tolerance: nil)
                        do {
                            try await bulkhead.acquire()
                            probe.log.append("\(name)@\(clock.ms)")
                            try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                            bulkhead.release()
                        } catch { probe.log.append("\(name) refused") }
                    }
                }
                try? await clock.sleep(until: at(ms: 100), tolerance: nil)
                bulkhead.release()
            }
            return probe.log
        }
        #expect(order == ["a@100.0", "b@200.0", "c@300.0"])
    }

    @Test("a waiter times out at exactly maxWait, leaves the line, and leaks nothing")
    func timeout() throws {
        let (error, when, waiting, available) = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1, maxWaitDuration: .milliseconds(50)), clock: clock)
            try await bulkhead.acquire()
            var caught: Rejection?
            do throws(Rejection) { try await bulkhead.acquire() } catch { caught = error }
            let result = (caught, clock.ms, bulkhead.waitingCallers, bulkhead.availablePermits)
            bulkhead.release()
            return result
        }
        #expect(error == .full && when == 50 && waiting == 0 && available == 0)
    }

    @Test("a waiter never waits past the task's deadline, even with a longer maxWait")
    func deadlineShortensWait() throws {
        let (log, waiting) = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1, maxWaitDuration: .seconds(10)), clock: clock)
            try await bulkhead.acquire()
            let probe = LimitingProbe()
            _ = try? await TaskDeadline.withTimeout(.milliseconds(40), on: clock) {
                do throws(Rejection) { try await bulkhead.acquire() } catch { probe.log.append("\(error)@\(clock.ms)") }
            }
            return (probe.log, bulkhead.waitingCallers)
        }
        // The bulkhead's own limit (now the deadline) or the deadline's cancellation ends
        // the wait at 40 ms, not 10 s; the caller has left the line either way.
        #expect(log == ["full@40.0"] || log == ["cancelled@40.0"], "\(log)")
        #expect(waiting == 0)
    }

    @Test("a cancelled waiter leaves the line at once with .cancelled")
    func cancellation() throws {
        let (outcome, waiting, available) = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1), clock: clock)
            try await bulkhead.acquire()
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do { try await bulkhead.acquire(maxWait: nil) } catch { return "\(error)@\(clock.ms)" }
                    return "acquired"
                }
                group.addTask {
                    try? await clock.sleep(until: at(ms: 70), tolerance: nil)
                    return "timer"
                }
                _ = await group.next()
                group.cancelAll()
                return await group.next()!
            }
            let state = (bulkhead.waitingCallers, bulkhead.availablePermits)
            bulkhead.release()
            return (outcome, state.0, state.1)
        }
        #expect(outcome == "cancelled@70.0" && waiting == 0 && available == 0)
    }

    @Test("withPermit releases the permit when the body throws")
    func withPermitReleases() throws {
        struct Boom: Error {}
        let available = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 2), clock: clock)
            _ = try? await bulkhead.withPermit { () async throws -> Int in throw Boom() }
            let value = try await bulkhead.withPermit { bulkhead.permitsInUse }
            #expect(value == 1)
            return bulkhead.availablePermits
        }
        #expect(available == 2)
    }

    @Test("growing the bulkhead admits waiters at once")
    func grow() throws {
        let times = try inWorld { clock in
            let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1, maxWaitDuration: .seconds(1)), clock: clock)
            try await bulkhead.acquire()
            return await withTaskGroup(of: Double.self) { group in
                group.addTask {
                    try? await bulkhead.acquire()
                    return clock.ms
                }
                group.addTask {
                    try? await clock.sleep(until: at(ms: 20), tolerance: nil)
                    try? bulkhead.setMaxConcurrentCalls(2)
                    return -1
                }
                var times: [Double] = []
                for await time in group where time >= 0 { times.append(time) }
                return times
            }
        }
        #expect(times == [20])
    }

    @Test("property: never more than max at once; every caller is served, times out at exactly maxWait, or is cancelled when cancelled; afterwards every permit is back and no waiter is left")
    func noLeaks() throws {
        try forEachSchedule("bulkhead no leaks", count: 500) { random in
            struct Plan: Sendable { var arrive: Double; var hold: Double; var maxWait: Duration?; var cancelAt: Double? }
            let maxCalls = random.int(in: 1...4)
            let plans: [Plan] = (0..<random.int(in: 1...12)).map { _ in
                let arrive = Double(random.int(in: 0...100))
                let maxWait: Duration? = random.chance(0.3) ? nil : random.milliseconds(in: 0...80)
                let cancelAt: Double? = random.chance(0.4) ? arrive + Double(random.int(in: 0...120)) : nil
                return Plan(arrive: arrive, hold: Double(random.int(in: 1...60)), maxWait: maxWait, cancelAt: cancelAt)
            }
            let result = try inWorld(seed: random.next()) { clock in
                let bulkhead = Bulkhead(try .init(maxConcurrentCalls: maxCalls), clock: clock)
                let probe = LimitingProbe()
                probe.log = Array(repeating: "", count: plans.count)
                await withTaskGroup(of: Void.self) { group in
                    for (index, plan) in plans.enumerated() {
                        group.addTask {
                            await withTaskGroup(of: Void.self) { caller in
                                caller.addTask {
                                    try? await clock.sleep(until: at(ms: plan.arrive), tolerance: nil)
                                    do throws(Bulkhead<VirtualClock>.Rejection) {
                                        try await bulkhead.acquire(maxWait: plan.maxWait)
                                    } catch {
                                        probe.log[index] = "\(error) \(clock.ms)"
                                        return
                                    }
                                    probe.log[index] = "acquired \(clock.ms)"
                                    probe.enter()
                                    try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(plan.hold)), tolerance: nil)
                                    probe.leave()
                                    bulkhead.release()
                                }
                                if let cancelAt = plan.cancelAt {
                                    caller.addTask { try? await clock.sleep(until: at(ms: cancelAt), tolerance: nil) }
                                    await caller.next()
                                    caller.cancelAll()
                                }
                            }
                        }
                    }
                }
                return (probe.maximum, probe.current, bulkhead.permitsInUse, bulkhead.waitingCallers,
                        bulkhead.availablePermits, probe.log)
            }
            try require(result.0 <= maxCalls, "\(result.0) calls at once with max \(maxCalls)")
            try require(result.1 == 0 && result.2 == 0, "permits still held: \(result.2)")
            try require(result.3 == 0, "\(result.3) waiters left")
            try require(result.4 == maxCalls, "only \(result.4) of \(maxCalls) permits back")
            for (plan, outcome) in zip(plans, result.5) {
                let parts = outcome.split(separator: " ")
                try require(parts.count == 2, "a caller never finished: \(plan)")
                let time = Double(parts[1])!
                let deadline = plan.maxWait.map { plan.arrive + Double(Limiting.nanoseconds($0)) / 1e6 }
                switch parts[0] {
                case "acquired":
                    try require(time >= plan.arrive && time <= (deadline ?? .infinity) && time <= (plan.cancelAt ?? .infinity),
                                "\(plan) acquired at \(time)")
                case "full":
                    try require(time == deadline && time <= (plan.cancelAt ?? .infinity), "\(plan) timed out at \(time)")
                case "cancelled":
                    try require(time == plan.cancelAt && time <= (deadline ?? .infinity), "\(plan) cancelled at \(time)")
                default:
                    try require(false, "unexpected outcome \(outcome)")
                }
            }
        }
    }

    @Test("works on ContinuousClock")
    func continuousClock() async throws {
        // A generous wait: the test threads are shared with CPU-bound tests.
        let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 2, maxWaitDuration: .seconds(600)), clock: ContinuousClock())
        let probe = LockedLimitingProbe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 {
                group.addTask {
                    try await bulkhead.withPermit {
                        probe.enter()
                        try await Task.sleep(for: .milliseconds(10))
                        probe.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(probe.maximum <= 2)
        #expect(bulkhead.availablePermits == 2 && bulkhead.waitingCallers == 0)
    }

    @Test("a timed-out waiter on ContinuousClock leaves the line and takes no permit")
    func continuousClockTimeout() async throws {
        let bulkhead = Bulkhead(try .init(maxConcurrentCalls: 1), clock: ContinuousClock())
        try await bulkhead.acquire()
        let start = ContinuousClock.now
        var caught: Bulkhead<ContinuousClock>.Rejection?
        do throws(Bulkhead<ContinuousClock>.Rejection) {
            try await bulkhead.acquire(maxWait: .milliseconds(20))
        } catch { caught = error }
        #expect(caught == .full)
        #expect(start.duration(to: .now) >= .milliseconds(20))
        #expect(bulkhead.waitingCallers == 0 && bulkhead.permitsInUse == 1)
        bulkhead.release()
        #expect(bulkhead.availablePermits == 1)
    }
}
