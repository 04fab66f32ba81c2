import SimKernel
import World

/// Switches the world's faults on and off at their instants.
final class FaultScheduler: SimEventHandler, @unchecked Sendable {
    private let sim: Simulation
    private let metrics: PlatformMetrics
    private let faults: [FaultSpec]
    /// The faults in force, which the services and servers consult.
    private let faultState: FaultState
    private let network: Network
    /// The servers a fault may crash, restart, flush or cut off.
    private let infrastructure: Infrastructure
    /// The services whose instances a fault may crash or pause, by name.
    private let services: [String: Service]

    init(faults: [FaultSpec], sim: Simulation, metrics: PlatformMetrics, faultState: FaultState, network: Network,
         infrastructure: Infrastructure, services: [String: Service]) {
        self.faults = faults
        self.sim = sim
        self.metrics = metrics
        self.faultState = faultState
        self.network = network
        self.infrastructure = infrastructure
        self.services = services
        // Made when a fault starts or ends, and when a crashed instance's registration
        // expires (see ``MetricVocabulary``).
        if !faults.isEmpty { for name in ["faults.started", "faults.ended"] { sim.metrics.declare(.counter, name) } }
        if faults.contains(where: { if case .crash = $0.kind { true } else { false } }) {
            sim.metrics.declare(.histogram, Registry.failoverName)
        }
    }

    /// Schedules every fault's start. A start is a background timer: a fault still to
    /// come never keeps a world alive whose work has ended (a fault at 10000h in a world
    /// done at 1h would otherwise hold the run, and dilute every per-second figure, for
    /// 10000 hours). Its end is scheduled when it starts, as ordinary work: a fault in
    /// force is undone before the world can finish.
    func arm() {
        for (index, fault) in faults.enumerated() {
            sim.executor.schedule(at: fault.at.nanoseconds, self, SimEvent(0, Int64(index)), background: true)
        }
    }

    func handle(_ event: SimEvent) {
        let fault = faults[Int(event.value)]
        let starting = event.code == 0
        if starting, let duration = fault.duration, !fault.isInstanceLevel {
            sim.executor.schedule(at: (fault.at + duration).nanoseconds, self, SimEvent(1, event.value))
        }
        let trace = sim.trace
        trace.record(trace.name(starting ? "fault.start" : "fault.end"), trace.name(fault.kind.label), event.value)
        metrics.count(starting ? "faults.started" : "faults.ended")
        let state = faultState
        switch fault.kind {
        case .latency(let target, let extra):
            starting ? state.addLatency(target, extra) : state.removeLatency(target, extra)
        case .errors(let target, let ratio):
            starting ? state.addErrors(target, ratio) : state.removeErrors(target, ratio)
        case .databaseSlowdown(let factor):
            state.slowDown("database", by: factor, starting)
        case .slowdown(let target, let factor):
            state.slowDown(target, by: factor, starting)
        case .surge(let factor):
            state.scaleTraffic(by: factor, starting)
        case .poison(let ratio):
            starting ? state.addPoison(ratio) : state.removePoison(ratio)
        case .partition(let a, let b):
            network.partition(a, b, starting)
            // Statements held back by a partition from the database look again.
            if !starting, a == "database" || b == "database" {
                infrastructure.database.isolatedOnWorldThread(()) { database, _ in database.partitionHealed() }
            }
        case .cacheFlush:
            infrastructure.cache.isolatedOnWorldThread(()) { cache, _ in cache.flush() }
        case .crash(let target, let restartAfter) where WorldSpec.infrastructureNames.contains(target):
            crashInfrastructure(target)
            if let restartAfter {
                sim.executor.schedule(at: (fault.at + restartAfter).nanoseconds,
                                               RestartInfrastructure(scheduler: self, target: target), SimEvent(0))
            }
        case .crash(let target, let restartAfter):
            for instance in instances(target) {
                instance.isolatedOnWorldThread(()) { instance, _ in instance.crash() }
                if let restartAfter {
                    sim.executor.schedule(at: (fault.at + restartAfter).nanoseconds,
                                                   Restart(instance: instance), SimEvent(0))
                }
            }
        case .pause(let target):
            let duration = fault.duration ?? .zero
            for instance in instances(target) {
                instance.isolatedOnWorldThread(duration) { instance, duration in instance.pause(for: duration) }
            }
        }
    }

    /// Crashes a piece of infrastructure.
    private func crashInfrastructure(_ target: String) {
        switch target {
        case "database": infrastructure.database.isolatedOnWorldThread(()) { database, _ in database.crash() }
        case "cache": infrastructure.cache.isolatedOnWorldThread(()) { cache, _ in cache.crash() }
        case "broker": infrastructure.broker.isolatedOnWorldThread(()) { broker, _ in broker.crash() }
        case "locks": infrastructure.locks.servers[0].isolatedOnWorldThread(()) { locks, _ in locks.crash() }
        default: preconditionFailure("not infrastructure: \(target)")
        }
    }

    /// Restarts a piece of infrastructure.
    fileprivate func restartInfrastructure(_ target: String) {
        sim.trace.record(sim.trace.name("restart"), sim.trace.name(target))
        switch target {
        case "database": infrastructure.database.isolatedOnWorldThread(()) { database, _ in database.restart() }
        case "cache": infrastructure.cache.isolatedOnWorldThread(()) { cache, _ in cache.restart() }
        case "broker": infrastructure.broker.isolatedOnWorldThread(()) { broker, _ in broker.restart() }
        case "locks": infrastructure.locks.servers[0].isolatedOnWorldThread(()) { locks, _ in locks.restart() }
        default: preconditionFailure("not infrastructure: \(target)")
        }
    }

    /// Instances named by `target`: "order#1", or every instance of "order".
    private func instances(_ target: String) -> [ServiceInstance] {
        let parts = target.split(separator: "#")
        guard let service = services[String(parts[0])] else { return [] }
        let all = service.isolatedOnWorldThread((), { service, _ in service.instances })
        guard parts.count == 2 else { return all }
        return all.filter { $0.name == target }
    }
}

/// A crashed instance's restart, as a timer event.
private final class Restart: SimEventHandler, @unchecked Sendable {
    let instance: ServiceInstance
    init(instance: ServiceInstance) { self.instance = instance }
    func handle(_ event: SimEvent) {
        instance.isolatedOnWorldThread(()) { instance, _ in instance.restart() }
    }
}

/// A crashed piece of infrastructure's restart, as a timer event.
private final class RestartInfrastructure: SimEventHandler, @unchecked Sendable {
    let scheduler: FaultScheduler
    let target: String
    init(scheduler: FaultScheduler, target: String) {
        self.scheduler = scheduler
        self.target = target
    }
    func handle(_ event: SimEvent) { scheduler.restartInfrastructure(target) }
}

extension FaultSpec {
    /// Pauses end by themselves (the instance schedules its own resume).
    var isInstanceLevel: Bool {
        if case .pause = kind { return true }
        return false
    }
}

extension FaultSpec.Kind {
    /// A short name for traces.
    var label: String {
        switch self {
        case .latency(let target, _): return "latency:\(target)"
        case .errors(let target, _): return "errors:\(target)"
        case .crash(let target, _): return "crash:\(target)"
        case .pause(let target): return "pause:\(target)"
        case .cacheFlush: return "cache_flush"
        case .partition(let a, let b): return "partition:\(a)|\(b)"
        case .databaseSlowdown: return "database_slowdown"
        case .slowdown(let target, _): return "slowdown:\(target)"
        case .surge: return "surge"
        case .poison: return "poison"
        }
    }
}
