@testable import Platform
import SimKernel
import Testing
import World

/// The calls instances receive are served by handler tasks that live across calls, as a
/// server's worker threads do, not by a task started per call, and that the whole world
/// shares.
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
        // About 10,000 calls. Customers, merchants and riders start tasks of their own, one
        // per step between two waits (thousands here: each look at an order, each step of
        // an order at its merchant and of a delivery); a task per call would add 10,000
        // more, more tasks than calls.
        #expect(calls > 5_000)
        #expect(Double(started) < calls)
    }

    @Test("handler tasks are shared by the world: split over four times as many instances, the services need no more of them")
    func handlersAreSharedByTheWorld() throws {
        let instances = ["gateway": 2, "auth": 1, "menu": 1, "order": 2, "inventory": 2, "payment": 1, "dispatch": 2, "notification": 1]
        let workers = ["gateway": 32, "auth": 8, "menu": 8, "order": 16, "inventory": 8, "payment": 8, "dispatch": 16, "notification": 4]
        // The same capacity per service, in four times as many instances of a quarter the size.
        let split = Self.callees.flatMap { service in
            ["services.\(service).instances=\(4 * instances[service]!)", "services.\(service).workers=\(max(1, workers[service]! / 4))"]
        }
        let handlers = { (names: [String]) in names.count { $0 == "handler" } }
        let together = try liveTasks(after: [])
        let spread = try liveTasks(after: split)
        let spreadInstances = instances.values.reduce(0, +) * 4
        // Tasks kept per instance would need one per instance that ever served a call,
        // at least; shared, they are as many as calls were ever in progress at once.
        #expect(handlers(spread) < spreadInstances)
        #expect(handlers(spread) > 0)
        #expect(Double(handlers(spread)) <= 1.5 * Double(handlers(together)))
    }

    /// The names of the tasks alive when the small world ends (idle handlers among them).
    private func liveTasks(after overrides: [String]) throws -> [String] {
        let world = try PlatformWorld(spec: try smallWorld(overrides))
        _ = world.run()
        let names = world.sim.liveTaskNames
        world.sim.shutdown()
        return names
    }

    @Test("a crash ends the handler tasks serving calls at its instance, and the pool forgets them")
    func crashEndsItsHandlers() throws {
        // Each order call takes 500 ms of work, so several are being served at any time.
        let world = try PlatformWorld(spec: try smallWorld([
            #"services.order.work={"constant": "500ms"}"#,
            #"faults=[{"kind": "crash", "target": "order#0", "at": "1m", "restart_after": "30s"}]"#,
        ]))
        let outcome = world.run()
        let liveHandlers = world.sim.liveTaskNames.count { $0 == "handler" }
        let known = world.platform.handlers.aliveCount
        world.sim.shutdown()
        // Calls were in progress at order#0 when it died (its 16 workers keep its queue
        // empty at this load, so what it lost was being served): handler tasks ended
        // mid-call.
        #expect(try outcome.required("order.lost_on_crash") > 0)
        // The pool counts exactly the handlers whose tasks live: the crashed ones left it
        // (a crash asks the pool which handlers serve the instance, so it must not keep
        // handlers that can no longer serve).
        #expect(known == liveHandlers)
        #expect(liveHandlers > 0)
    }

    @Test("a world torn down keeps no task alive: its idle handlers and parked consumers end too")
    func shutdownEndsIdleTasks() throws {
        let world = try PlatformWorld(spec: try smallWorld())
        _ = world.run()
        let idle = world.sim.liveTaskNames
        world.sim.shutdown()
        // Cancellation does not reach a task parked on a continuation: these would stay,
        // each holding its world, in a process that runs world after world (a sweep).
        #expect(idle.contains("handler"))
        #expect(idle.contains("notification#0.consumer[0]"))
        #expect(world.sim.liveTaskNames == [])
    }
}
