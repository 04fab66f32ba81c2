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

/// A worker of a world in two bursts of work 10 ns apart, each starting an errand.
actor Worker {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let name: String
    let events: Log<String>
    init(sim: Simulation, name: String, events: Log<String>) { (self.sim, self.name, self.events) = (sim, name, events) }

    /// The first burst, then the pause: a sleep, or the second burst handed to a new task.
    func firstBurst(handingOff: Bool) async {
        events.append("\(name) starts")
        if handingOff {
            sim.spawn(name, after: .nanoseconds(10), on: self) { worker in worker.secondBurst() }
        } else {
            try? await sim.clock.sleep(for: .nanoseconds(10))
            secondBurst()
        }
    }

    func secondBurst() {
        events.append("\(name) goes on at \(sim.clock.now)")
        // Work it starts queues behind what was already queued.
        sim.spawn("errand") { [events, name] in events.append("\(name)'s errand") }
    }
}

/// A kitchen whose one stove a waiter waits for: parked on a continuation, or kept as
/// data and started as a task of its own when the stove frees. A bystander waits there
/// too, parked, and is woken right after.
actor Kitchen {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let events: Log<String>
    var parked: UnsafeContinuation<Void, Never>?
    var bystander: UnsafeContinuation<Void, Never>?
    init(sim: Simulation, events: Log<String>) { (self.sim, self.events) = (sim, events) }

    /// Someone else waiting in the kitchen, resumed just after the stove frees.
    func standBy() async {
        await withUnsafeContinuation { bystander = $0 }
        events.append("bystander")
    }

    func waitForAStove() async {
        await withUnsafeContinuation { parked = $0 }
        cook()
    }

    func cook() {
        events.append("waiter cooks")
        sim.spawn("errand") { [events] in events.append("waiter's errand") }
    }

    func freeAStove(handingOff: Bool) {
        events.append("stove freed")
        if handingOff {
            sim.spawn("waiter", on: self) { kitchen in kitchen.cook() }
        } else {
            parked?.resume()
        }
        events.append("freer goes on")
        bystander?.resume()
    }
}

@Suite("Run loop")
struct RunLoopTests {
    /// The report of a run that stalled; nil, recording an issue, for any other ending.
    static func stallReport(_ result: RunResult) -> StallReport? {
        guard case .stalled(let report) = result.stop else {
            Issue.record("expected a stall, got \(result.stop)")
            return nil
        }
        return report
    }

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
        guard let report = Self.stallReport(sim.run()) else { return }
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

    @Test("a task started after a delay goes on where an actor's sleeping task would have, and nothing lives meanwhile but a timer")
    func spawnAfterDelay() {
        /// Three workers, each in two bursts 10 ns apart, and bystanders waking at the same
        /// instant: the bursts' events in order, and the tasks alive between the bursts.
        func run(handingOff: Bool) -> (events: [String], liveBetweenBursts: Int, timersBetweenBursts: Int) {
            let sim = Simulation(seed: 1)
            let events = Log<String>()
            var live = -1, timers = -1
            sim.executor.schedule(at: 5) { (live, timers) = (sim.liveTasks, sim.executor.pendingTimers) }
            for index in 0..<3 {
                let worker = Worker(sim: sim, name: "worker \(index)", events: events)
                sim.spawn("worker-\(index)") { await worker.firstBurst(handingOff: handingOff) }
                // A bystander whose timer ties with the worker's, queued after it.
                let bystander = Worker(sim: sim, name: "bystander \(index)", events: events)
                sim.spawn("bystander-\(index)") { await bystander.firstBurst(handingOff: false) }
            }
            #expect(sim.run().stop == .completed)
            return (events.entries, live, timers)
        }
        let slept = run(handingOff: false)
        let handedOff = run(handingOff: true)
        #expect(handedOff.events == slept.events)
        #expect(slept.events.count == 18)
        #expect(slept.events[6...9] == ["worker 0 goes on at 10ns", "worker 0's errand",
                                         "bystander 0 goes on at 10ns", "bystander 0's errand"])
        // Between the bursts the sleepers are tasks; handed off, only the bystanders are,
        // and the workers' timers keep the world going.
        #expect(slept.liveBetweenBursts == 6)
        #expect(handedOff.liveBetweenBursts == 3)
        #expect(handedOff.timersBetweenBursts == 6)
    }

    @Test("a task started on an actor queues where a resumed continuation would: behind the jobs already queued, ahead of those queued after")
    func spawnOnActorQueuesLikeAResumption() {
        func run(handingOff: Bool) -> [String] {
            let sim = Simulation(seed: 1)
            let events = Log<String>()
            let counter = Kitchen(sim: sim, events: events)
            if !handingOff {
                sim.spawn("waiter") { await counter.waitForAStove() }
            }
            sim.spawn("bystander") { await counter.standBy() }
            sim.spawn("freer") { await counter.freeAStove(handingOff: handingOff) }
            #expect(sim.run().stop == .completed)
            return events.entries
        }
        let resumed = run(handingOff: false)
        #expect(resumed == ["stove freed", "freer goes on", "waiter cooks", "bystander", "waiter's errand"])
        // Started as a task of its own, the waiter still cooks before the bystander wakes.
        #expect(run(handingOff: true) == resumed)
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
        guard let report = Self.stallReport(sim.run()) else { return }
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

    @Test("a daemon that tells when asked whether it is busy: busy, a stall names its job; idle, it keeps no world alive")
    func daemonToldBusyIsWork() throws {
        let sim = Simulation(seed: 1)
        // What the daemon's owner keeps (a server's worker and its current call), never
        // declared to the world: the world asks when it runs out of things to do.
        let job = Log<String>()
        let lost = Log<UnsafeContinuation<Void, Never>>()
        sim.spawn("order#0 handler", daemon: true, busy: { job.entries.last.map { "order#0 handling \($0)" } }) {
            await sim.waiting(on: "lock stock:42") {
                await withUnsafeContinuation { lost.append($0) }
            }
        }
        sim.spawn("customer-3") {
            try? await sim.clock.sleep(for: .seconds(1))
            job.append("create_order")
        }
        guard let report = Self.stallReport(sim.run()) else { return }
        #expect(report.time == 1_000_000_000)
        #expect(report.waiting == [WaitingTask(name: "order#0 handling create_order", waitingOn: "lock stock:42", daemon: false)])
        #expect(sim.liveTaskNames == ["order#0 handling create_order"])
        // Idle again (its owner says so) and still parked: the world is quiescent.
        job.entries.removeAll()
        #expect(sim.run().stop == .completed)
        #expect(sim.liveTaskNames == ["order#0 handler"])
        lost.entries[0].resume()
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

    @Test("sleeping on a real clock inside a world never passes silently")
    func realClockSleepIsCaught() {
        // Swift 6.3's Task.sleep schedules its wake-up without the runtime's global
        // hooks, so they cannot see it leave; the world then has a task that
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
