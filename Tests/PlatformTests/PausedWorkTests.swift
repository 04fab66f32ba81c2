@testable import Platform
import SimKernel
import Testing
import World

/// People wait most of a delivery: between their steps no task waits, only a timer or a
/// queue entry (``PausedWork``), and the work goes on keyed as it would have.
@Suite("Paused work")
struct PausedWorkTests {
    /// What the steps saw (world-confined: read after the world has run).
    private final class Seen: @unchecked Sendable {
        var keys: [UInt64] = []
        var sameOrigin: [Bool] = []
        var times: [Int64] = []
    }

    /// A person of a world whose work goes on in steps, recording what each step saw.
    private actor Person {
        let sim: Simulation
        nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
        let origin: WorkOrigin
        let seen = Seen()
        init(sim: Simulation, origin: WorkOrigin) { (self.sim, self.origin) = (sim, origin) }

        /// The first step draws once, then pauses for 3 s.
        func firstStep() {
            seen.keys.append(origin.next(7))
            PausedWork.current.resume(in: sim, "step 2", after: .seconds(3), on: self) { person in person.secondStep() }
        }

        /// The second draws, then goes on at once, behind the jobs queued.
        func secondStep() {
            see()
            PausedWork.current.resume(in: sim, "step 3", on: self) { person in person.see() }
        }

        /// Resumes each of `works` now, from the current task.
        func resume(_ works: [PausedWork]) {
            for work in works { work.resume(in: sim, "resumed", on: self) { person in person.see() } }
        }

        func see() {
            seen.sameOrigin.append(WorkOrigin.current === origin)
            if let current = WorkOrigin.current { seen.keys.append(current.next(7)) }
            seen.times.append(sim.executor.now)
        }
    }

    @Test("work resumed later, or now behind the queued jobs, carries its origin: its draws go on counting where the paused task left off")
    func resumedWorkKeepsItsOrigin() {
        let sim = Simulation(seed: 1)
        let origin = WorkOrigin(key: 42, service: "merchant")
        let person = Person(sim: sim, origin: origin)
        sim.spawn("step 1") {
            await WorkOrigin.$current.withValue(origin) { await person.firstStep() }
        }
        #expect(sim.run().stop == .completed)
        let fresh = WorkOrigin(key: 42, service: "merchant")
        #expect(person.seen.keys == [fresh.next(7), fresh.next(7), fresh.next(7)])
        #expect(person.seen.sameOrigin == [true, true])
        #expect(person.seen.times == [3_000_000_000, 3_000_000_000])
    }

    @Test("work that was not keyed resumes unkeyed")
    func unkeyedWorkStaysUnkeyed() {
        let sim = Simulation(seed: 1)
        let person = Person(sim: sim, origin: WorkOrigin(key: 42, service: "merchant"))
        sim.spawn("step 1") { await person.secondStep() }
        #expect(sim.run().stop == .completed)
        #expect(person.seen.sameOrigin == [false, false])
        #expect(person.seen.keys.isEmpty)
    }

    @Test("work resumed now from another work's task carries its own origin (or none), not that task's")
    func resumedWorkIsNotTheResumers() {
        let sim = Simulation(seed: 1)
        let resumer = WorkOrigin(key: 1, service: "merchant")
        let paused = WorkOrigin(key: 42, service: "merchant")
        let person = Person(sim: sim, origin: paused)
        sim.spawn("the resumer's step") {
            await WorkOrigin.$current.withValue(resumer) { await person.resume([PausedWork(origin: nil), PausedWork(origin: paused)]) }
        }
        #expect(sim.run().stop == .completed)
        #expect(person.seen.sameOrigin == [false, true])
        #expect(person.seen.keys == [WorkOrigin(key: 42, service: "merchant").next(7)])
    }

    @Test("mid-run, customers waiting for their orders, orders cooking and riders on the road hold no tasks")
    func waitingPeopleHoldNoTasks() throws {
        let world = try PlatformWorld(spec: try smallWorld())
        // Four minutes in: arrivals have run at 2/s, patience is 5 minutes, cooking 2 and
        // each ride 1: hundreds of customers wait, dozens of orders cook and ride.
        _ = world.sim.run(until: .seconds(240))
        let names = world.sim.liveTaskNames
        let waiting = world.platform.activity.liveCustomers
        let cooking = world.sim.metrics.gauge("merchants.cooking").value
        let carried = world.sim.metrics.gauge("riders.carrying").value
        world.sim.shutdown()
        #expect(waiting > 200)
        #expect(cooking > 20)
        #expect(carried > 20)
        // A task is alive only for a step in progress: a call on its way, a rider at a
        // counter. Sleeping between steps, each of them would be one.
        #expect(names.count { $0.hasPrefix("customer-") } * 10 < waiting)
        #expect(Double(names.count { $0.hasPrefix("merchant-") }) * 4 < cooking)
        #expect(Double(names.count { $0.hasPrefix("rider-") }) * 2 < carried)
    }
}
