@testable import SimKernel
import Testing

/// A service of a test world: an actor on the world's executor that tasks queue at, call
/// into and park on.
actor Desk {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let log: Log<String>
    let served: TraceName
    var parked: [UnsafeContinuation<Void, Never>] = []
    init(sim: Simulation, log: Log<String>) {
        (self.sim, self.log) = (sim, log)
        served = sim.trace.name("served")
    }

    func serve(_ who: String, for milliseconds: Int64) async {
        log.append("\(sim.now.nanoseconds) \(who) at the desk")
        try? await sim.clock.sleep(for: .milliseconds(milliseconds))
        sim.trace.record(served, served, milliseconds)
        log.append("\(sim.now.nanoseconds) \(who) served")
    }

    func park(_ who: String) async {
        await withUnsafeContinuation { parked.append($0) }
        log.append("\(sim.now.nanoseconds) \(who) unparked")
    }

    func unparkEveryone() {
        parked.forEach { $0.resume() }
        parked.removeAll()
    }

}

/// Nonisolated work the runtime sends to the global executor: a hop off the desk.
@concurrent func paperwork(_ sim: Simulation, _ log: Log<String>, _ who: String) async {
    log.append("\(sim.now.nanoseconds) \(who) fills in a form")
    try? await sim.clock.sleep(for: .milliseconds(1))
}

/// What one run of ``errands(routing:)`` did.
struct ErrandsRun: Equatable {
    var log: [String]
    var digest: UInt64
    var jobs: Int
    var timers: Int
}

/// Every way world code leaves one executor for another: actor calls, `@concurrent`
/// hops, task groups racing a timeout, `async let`, continuations resumed by another
/// task. (A task started on an actor, ``Simulation/spawn(_:on:_:)``, is left out: with
/// a preference it starts nonisolated and, unoptimised, hops back after the actor's part,
/// which an optimised build removes; without one it is the actor's from its first job.)
func errands(routing: SimExecutor.TaskRouting) -> ErrandsRun {
    let sim = Simulation(seed: 3, taskRouting: routing)
    let log = Log<String>()
    let desk = Desk(sim: sim, log: log)
    for customer in 0..<6 {
        let who = "c\(customer)"
        var random = sim.random(who)
        let service = Int64(1 + random.nextInt(below: 9)), patience = Int64(1 + random.nextInt(below: 9))
        sim.spawn(who) {
            await desk.serve(who, for: service)
            await paperwork(sim, log, who)
            // The platform's timeout: the call against a sleep, the first to finish wins.
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask { await desk.serve("\(who)'s child", for: service); return "served" }
                group.addTask { try? await sim.clock.sleep(for: .milliseconds(patience)); return "gave up" }
                let first = await group.next() ?? "none"
                group.cancelAll()
                return first
            }
            log.append("\(sim.now.nanoseconds) \(who) \(outcome)")
            if customer < 5 {
                async let parked: Void = desk.park(who)
                await paperwork(sim, log, "\(who) waiting")
                await parked
            } else {
                try? await sim.clock.sleep(for: .milliseconds(40))
                await desk.unparkEveryone()
            }
            await paperwork(sim, log, "\(who) leaving")
        }
    }
    let result = sim.run()
    #expect(result.stop == .completed)
    return ErrandsRun(log: log.entries, digest: result.digest, jobs: result.jobs, timers: result.timers)
}

@Suite("How a world's tasks keep to its executor")
struct TaskRoutingTests {
    @Test("adoption is the default where the runtime has the global-enqueue hook (Swift 6.3 has)")
    func adoptionIsTheDefault() {
        #expect(GlobalEnqueueHooks.isInstalled)
        #expect(Simulation(seed: 1).executor.taskRouting == .adoption)
    }

    @Test("tasks adopted from the global executor run exactly as tasks preferring the world's executor: same events, jobs and timers")
    func routingsGiveTheSameRun() {
        let adopted = errands(routing: .adoption)
        let preferred = errands(routing: .preference)
        #expect(adopted == preferred)
        // Every customer went through every step, so the comparison covered them all.
        for customer in 0..<6 {
            #expect(adopted.log.contains { $0.hasSuffix("c\(customer) leaving fills in a form") })
            #expect(adopted.log.contains { $0.hasSuffix("c\(customer)'s child at the desk") })
        }
        #expect(adopted.log.filter { $0.hasSuffix("unparked") }.count == 5)
    }

    @Test("an unstructured Task {} or Task.detached started inside a world joins it: world thread, world order")
    func strayTasksJoinTheWorld() {
        func run() -> (log: [String], digest: UInt64) {
            let sim = Simulation(seed: 1)
            let executor = sim.executor, clock = sim.clock
            let log = Log<String>()
            sim.spawn("careless") {
                log.append("spawner starts")
                Task.detached {
                    log.append("detached runs on the world's thread: \(executor.isOnRunnerThread)")
                    try? await clock.sleep(for: .seconds(1))
                    log.append("detached wakes at \(clock.now.nanoseconds)")
                }
                startBackgroundWork(log, executor)
                log.append("spawner goes on")
                try? await clock.sleep(for: .seconds(2))
                log.append("spawner wakes at \(clock.now.nanoseconds)")
            }
            let result = sim.run()
            #expect(result.stop == .completed)
            return (log.entries, result.digest)
        }
        let first = run()
        // Each new task's first job queues as it is made, behind what was queued before.
        #expect(first.log == [
            "spawner starts", "spawner goes on",
            "detached runs on the world's thread: true", "Task {} runs on the world's thread: true",
            "detached wakes at 1000000000", "spawner wakes at 2000000000",
        ])
        #expect(run() == first)
    }

    @Test("tasks a shutdown wakes from outside the run loop finish inside the world")
    func shutdownWakesIntoTheWorld() {
        let sim = Simulation(seed: 1)
        let executor = sim.executor, clock = sim.clock
        let log = Log<String>()
        sim.spawn("sleeper", daemon: true) {
            do {
                try await clock.sleep(for: .seconds(3600))
            } catch {
                log.append("cancelled on the world's thread: \(executor.isOnRunnerThread)")
            }
        }
        #expect(sim.run(until: .seconds(1)).stop == .reachedEndTime)
        sim.shutdown()
        #expect(log.entries == ["cancelled on the world's thread: true"])
        #expect(sim.liveTasks == 0)
    }
}

/// Nonisolated code starting an unstructured task.
func startBackgroundWork(_ log: Log<String>, _ executor: SimExecutor) {
    Task { log.append("Task {} runs on the world's thread: \(executor.isOnRunnerThread)") }
}

@Suite("Waking a world's task from outside a run")
struct OutsideWakeTests {
    @Test("a continuation resumed or a task cancelled between two runs queues in the world and goes on when it runs next")
    func wakeBetweenRuns() {
        let sim = Simulation(seed: 1)
        let executor = sim.executor, clock = sim.clock
        let log = Log<String>()
        let parked = Log<UnsafeContinuation<Void, Never>>()
        sim.spawn("parked") {
            await withUnsafeContinuation { parked.append($0) }
            log.append("parked goes on at \(clock.now.nanoseconds) on the world's thread: \(executor.isOnRunnerThread)")
        }
        let sleeper = sim.spawn("sleeper") {
            do {
                try await clock.sleep(for: .seconds(3600))
            } catch {
                log.append("sleeper cancelled at \(clock.now.nanoseconds) on the world's thread: \(executor.isOnRunnerThread)")
            }
        }
        #expect(sim.run(until: .seconds(1)).stop == .reachedEndTime)
        // Woken from here, outside any run: nothing runs until the world does.
        parked.entries[0].resume()
        sleeper.cancel()
        #expect(log.entries.isEmpty)
        #expect(executor.pendingJobs == 2)
        #expect(sim.run().stop == .completed)
        #expect(log.entries == [
            "parked goes on at 1000000000 on the world's thread: true",
            "sleeper cancelled at 1000000000 on the world's thread: true",
        ])
    }
}
