import Platform
import SimKernel
import Testing
import World

/// The calls an instance receives are served by handler tasks that live across calls, as a
/// server's worker threads do, not by a task started per call.
@Suite("Handler tasks")
struct HandlerWorkerTests {
    /// The services of the small world that receive calls.
    private static let callees = ["gateway", "auth", "menu", "order", "inventory", "payment", "dispatch", "notification"]

    /// Runs the small world and returns its outcome, the tasks it started and the tasks
    /// still alive at its end (idle handlers and other daemons).
    private func run(_ overrides: [String]) throws -> (outcome: WorldOutcome, started: Int, live: Int) {
        let world = try PlatformWorld(spec: try smallWorld(overrides))
        let outcome = world.run()
        let tasks = (world.sim.tasksStarted, world.sim.liveTasks)
        world.sim.shutdown()
        return (outcome, tasks.0, tasks.1)
    }

    @Test("an instance serves call after call on the same handler tasks: far fewer tasks start than calls are served")
    func handlersServeManyCalls() throws {
        let (outcome, started, _) = try run([])
        let calls = try Self.callees.map { try outcome.required("\($0).completed") }.reduce(0, +)
        // About 10,000 calls. Customers, merchants' orders and riders' deliveries start
        // tasks of their own (about 2,500 here); a task per call would add 10,000 more.
        #expect(calls > 5_000)
        #expect(Double(started) * 3 < calls)
    }

    @Test("a worker the pool retires takes its handler task with it")
    func retiredWorkersEndTheirHandlers() throws {
        // Order has 2 workers per instance and starts more (up to 64) when calls queue.
        let elastic = ["services.order.workers=2", "services.order.max_workers=64",
                       "services.order.worker_startup=1s", "services.order.queue=unbounded"]
        let kept = try run(elastic + ["services.order.idle_timeout=1h"])
        let retiring = try run(elastic + ["services.order.idle_timeout=20s"])
        let addedAndKept = try kept.outcome.required("order.workers_started") - kept.outcome.required("order.workers_retired")
        let retired = try retiring.outcome.required("order.workers_retired")
        #expect(addedAndKept > 0)
        #expect(retired == (try retiring.outcome.required("order.workers_started")))
        // The same calls reach both worlds (the pool changes no arrival). Where the added
        // workers stay, so do their idle handler tasks; where they all retired, none is left.
        #expect(kept.live - retiring.live == Int(addedAndKept))
    }

    @Test("a world torn down keeps no task alive: its idle handlers and parked consumers end too")
    func shutdownEndsIdleTasks() throws {
        let world = try PlatformWorld(spec: try smallWorld())
        _ = world.run()
        let idle = world.sim.liveTaskNames
        world.sim.shutdown()
        // Cancellation does not reach a task parked on a continuation: these would stay,
        // each holding its world, in a process that runs world after world (a sweep).
        #expect(idle.contains("order#0 handler"))
        #expect(idle.contains("notification#0.consumer[0]"))
        #expect(world.sim.liveTaskNames == [])
    }
}
