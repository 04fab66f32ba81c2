import SimKernel
import Testing

/// A handler recording the events it receives.
final class EventRecorder: SimEventHandler, @unchecked Sendable {
    var received: [(time: Int64, event: SimEvent)] = []
    let executor: SimExecutor
    init(executor: SimExecutor) { self.executor = executor }
    func handle(_ event: SimEvent) { received.append((executor.now, event)) }
}

/// An actor of a world, as the platform writes them.
actor Counter: SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    var count = 0
    init(sim: Simulation) { self.sim = sim }
    func bump(by amount: Int) { count += amount }
    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(event) { counter, event in counter.bump(by: Int(event.value)) }
    }
}

@Suite("Run loop")
struct RunLoopTests {
    @Test("scheduled events reach their handler in time order, ties in scheduling order")
    func eventsInOrder() {
        let sim = Simulation(seed: 1)
        let recorder = EventRecorder(executor: sim.executor)
        sim.executor.schedule(at: 30, recorder, SimEvent(3))
        sim.executor.schedule(at: 10, recorder, SimEvent(1))
        sim.executor.schedule(at: 30, recorder, SimEvent(4))
        sim.executor.schedule(at: 20, recorder, SimEvent(2))
        let cancelled = sim.executor.schedule(at: 25, recorder, SimEvent(99))
        #expect(sim.executor.cancel(cancelled))
        #expect(!sim.executor.cancel(cancelled), "a cancelled handle is stale")
        let result = sim.run()
        #expect(recorder.received.map(\.event.code) == [1, 2, 3, 4])
        #expect(recorder.received.map(\.time) == [10, 20, 30, 30])
        #expect(result.timers == 4)
    }

    @Test("an actor handles events isolated to itself, without a task")
    func actorEventHandler() {
        let sim = Simulation(seed: 1)
        let counter = Counter(sim: sim)
        for i in 1...10 { sim.executor.schedule(at: Int64(i), counter, SimEvent(0, Int64(i))) }
        let result = sim.run()
        #expect(result.jobs == 0)
        #expect(result.timers == 10)
        // The actor lives on the world's executor: read it from inside the world.
        let total = Log<Int>()
        sim.spawn("reader") { total.append(await counter.count) }
        _ = sim.run()
        #expect(total.entries == [55])
    }

    @Test("the run stops at its end time, leaving later timers pending")
    func endTime() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let log = Log<Int64>()
        sim.spawn("ticker", daemon: true) {
            while true {
                guard (try? await clock.sleep(for: .seconds(1))) != nil else { return }
                log.append(clock.now.nanoseconds / 1_000_000_000)
            }
        }
        let result = sim.run(until: .seconds(3.5))
        #expect(result.stop == .reachedEndTime)
        #expect(result.endTime == 3_500_000_000)
        #expect(log.entries == [1, 2, 3])
        sim.shutdown()
        #expect(sim.liveTasks == 0, "shutdown cancels the ticker's sleep and lets it finish")
    }

    @Test("a step budget stops a runaway world")
    func budget() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        sim.spawn("runaway") {
            while true { try? await clock.sleep(for: .nanoseconds(1)) }
        }
        let result = sim.run(maxSteps: 1_000)
        guard case .budgetExhausted(let steps) = result.stop else {
            Issue.record("expected the budget to stop the run, got \(result.stop)")
            return
        }
        #expect(steps == 1_000)
        sim.shutdown()
    }

    @Test("a stalled world is reported with each waiting task and what it waits on")
    func stallIsReported() throws {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        let lost = Log<UnsafeContinuation<Void, Never>>()
        sim.spawn("order#1.worker[0]", daemon: true) {
            await sim.waiting(on: "lock stock:42") {
                await withUnsafeContinuation { lost.append($0) }
            }
        }
        sim.spawn("customer-17") {
            try? await clock.sleep(for: .seconds(2))
            await sim.waiting(on: "response from order#1") {
                await withUnsafeContinuation { lost.append($0) }
            }
        }
        let result = sim.run()
        guard case .stalled(let report) = result.stop else {
            Issue.record("expected a stall, got \(result.stop)")
            return
        }
        #expect(report.time == 2_000_000_000)
        #expect(report.waiting == [
            WaitingTask(name: "customer-17", waitingOn: "response from order#1", daemon: false),
            WaitingTask(name: "order#1.worker[0]", waitingOn: "lock stock:42", daemon: true),
        ])
        #expect(report.description.contains("customer-17 waiting on response from order#1"))
        // Let the leaked tasks finish so the test process does not keep them.
        for continuation in lost.entries { continuation.resume() }
        _ = sim.run()
    }

    @Test("daemon tasks waiting for work do not make a finished world stall")
    func daemonsDoNotStall() {
        let sim = Simulation(seed: 1)
        let lost = Log<UnsafeContinuation<Void, Never>>()
        sim.spawn("server", daemon: true) {
            await withUnsafeContinuation { lost.append($0) }
        }
        sim.spawn("client") { try? await sim.clock.sleep(for: .seconds(1)) }
        #expect(sim.run().stop == .completed)
        lost.entries.forEach { $0.resume() }
        _ = sim.run()
    }

    @Test("a daemon busy with work must finish it: a stall names its activity, and idle again it keeps no world alive")
    func busyDaemonIsWork() throws {
        let sim = Simulation(seed: 1)
        let jobs = Log<UnsafeContinuation<Void, Never>>()
        let lost = Log<UnsafeContinuation<Void, Never>>()
        // A server's worker: idle between jobs, busy with the first, then idle for good.
        sim.spawn("order#0 handler", daemon: true) {
            await withUnsafeContinuation { jobs.append($0) }
            await sim.working(on: "order#0 handling create_order") {
                await sim.waiting(on: "lock stock:42") {
                    await withUnsafeContinuation { lost.append($0) }
                }
            }
            await withUnsafeContinuation { jobs.append($0) }
        }
        sim.spawn("customer-3") {
            try? await sim.clock.sleep(for: .seconds(1))
            jobs.entries[0].resume()
        }
        let stalled = sim.run()
        guard case .stalled(let report) = stalled.stop else {
            Issue.record("expected a stall while the worker is busy, got \(stalled.stop)")
            return
        }
        #expect(report.time == 1_000_000_000)
        #expect(report.waiting == [WaitingTask(name: "order#0 handling create_order", waitingOn: "lock stock:42", daemon: false)])
        // The job ends; the worker waits for the next one, which never comes: quiescent.
        lost.entries[0].resume()
        #expect(sim.run().stop == .completed)
        #expect(sim.liveTasks == 1)
        #expect(sim.tasksStarted == 2)
        jobs.entries[1].resume()
        _ = sim.run()
        #expect(sim.liveTasks == 0)
    }

    @Test("shutdown runs its hooks inside the world, so a task parked where cancellation cannot reach it ends too")
    func shutdownHooksEndParkedTasks() {
        let sim = Simulation(seed: 1)
        let parked = Log<UnsafeContinuation<Void, Never>>()
        sim.spawn("server", daemon: true) {
            await withUnsafeContinuation { parked.append($0) }
        }
        sim.atShutdown { parked.entries.forEach { $0.resume() } }
        #expect(sim.run().stop == .completed)
        #expect(sim.liveTaskNames == ["server"])
        sim.shutdown()
        #expect(sim.liveTasks == 0)
    }

    @Test("a detached task inside a world trips the wire instead of running elsewhere")
    func detachedTaskTripsTheWire() {
        let sim = Simulation(seed: 1)
        let escaped = Log<Bool>()
        sim.spawn("careless") {
            Task.detached { escaped.append(true) }
            try? await sim.clock.sleep(for: .seconds(1))
        }
        let result = sim.run()
        guard case .violation(let message) = result.stop else {
            Issue.record("expected a violation, got \(result.stop)")
            return
        }
        #expect(message.contains("escaped the simulation executor"))
        #expect(escaped.entries.isEmpty, "the escaped job is quarantined, never run")
    }

    @Test("an unstructured Task {} from nonisolated code trips the wire too")
    func unstructuredTaskTripsTheWire() {
        let sim = Simulation(seed: 1)
        sim.spawn("careless") {
            startBackgroundWork()
        }
        #expect(!sim.run().stop.isSuccess)
    }

    @Test("sleeping on a real clock inside a world never passes silently")
    func realClockSleepIsCaught() {
        // Swift 6.3's Task.sleep schedules its wake-up without the runtime's global
        // hooks, so the tripwire cannot see it leave; the world then has a task that
        // virtual time cannot wake, which the run reports as a stall (or, if the real
        // timer fires while the world still runs, as a foreign-thread enqueue).
        let sim = Simulation(seed: 1)
        sim.spawn("careless") {
            try? await Task.sleep(for: .seconds(60))
        }
        let stop = sim.run().stop
        #expect(!stop.isSuccess, "got \(stop)")
    }

    @Test("worlds on different threads run side by side without interfering")
    func parallelWorlds() async {
        func digest(seed: UInt64) -> UInt64 {
            let sim = Simulation(seed: seed)
            let clock = sim.clock
            let name = sim.trace.name("tick")
            for i in 0..<20 {
                sim.spawn("t\(i)") {
                    var random = sim.random("t\(i)")
                    for _ in 0..<50 {
                        try? await clock.sleep(for: .nanoseconds(Int64(random.nextInt(below: 1000))))
                        sim.trace.record(name, name, Int64(i))
                    }
                }
            }
            return sim.run().digest
        }
        let serial = (1...4).map { digest(seed: UInt64($0)) }
        let parallel = await withTaskGroup(of: (Int, UInt64).self) { group in
            for seed in 1...4 { group.addTask { (seed, digest(seed: UInt64(seed))) } }
            var results = [UInt64](repeating: 0, count: 4)
            for await (seed, value) in group { results[seed - 1] = value }
            return results
        }
        #expect(serial == parallel)
        #expect(Set(serial).count == 4)
    }
}

/// Nonisolated code starting an unstructured task: the bug the tripwire exists for.
func startBackgroundWork() {
    Task { _ = 1 + 1 }
}

@Suite("Stopping on a programming error")
struct FailStopTests {
    @Test("fail() stops the run after the current step with reason failed, keeping the first message")
    func failStops() {
        let sim = Simulation(seed: 1)
        let clock = sim.clock
        sim.spawn("model") {
            try? await clock.sleep(for: .seconds(1))
            sim.fail("misrouted call: first")
            sim.fail("second")
            try? await clock.sleep(for: .seconds(1))
        }
        sim.spawn("ticker") {
            for _ in 0..<10 { try? await clock.sleep(for: .milliseconds(300)) }
        }
        let result = sim.run()
        #expect(result.stop == .failed("misrouted call: first"))
        #expect(result.stop.label == "failed")
        #expect(!result.stop.isSuccess)
        #expect(result.endTime == 1_000_000_000)
        sim.shutdown()
    }
}
