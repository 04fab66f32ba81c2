import SimKernel
import World

/// A service of the platform: its instances behind client-side load balancing.
actor Service {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// The service's name ("backend", "order").
    let name: String
    let spec: ServiceSpec
    let metrics: ServiceMetrics
    /// Instances, in index order.
    private(set) var instances: [ServiceInstance] = []
    /// Requests sent to each instance and not yet finished.
    @exclusivity(unchecked) private var outstanding: [Int]
    @exclusivity(unchecked) private var nextIndex = 0

    init(sim: Simulation, spec: ServiceSpec) {
        self.sim = sim
        name = spec.name
        self.spec = spec
        metrics = ServiceMetrics(service: spec.name, metrics: sim.metrics)
        outstanding = Array(repeating: 0, count: spec.instances)
    }

    /// Creates the instances (after `init`, because they point back at the service).
    func start() {
        instances = (0..<spec.instances).map {
            ServiceInstance(sim: sim, spec: spec, index: $0, metrics: metrics, owner: self)
        }
    }

    /// Picks an instance for one request, as the client-side balancer would.
    func pick() -> Int {
        switch spec.balancer {
        case .roundRobin:
            let index = nextIndex
            nextIndex = (nextIndex + 1) % instances.count
            return index
        case .leastOutstanding:
            var best = 0
            for index in 1..<outstanding.count where outstanding[index] < outstanding[best] { best = index }
            return best
        }
    }

    /// Sends an event-driven request to an instance chosen by the balancer.
    func dispatch(_ request: Request) {
        let index = pick()
        outstanding[index] += 1
        let accepted = instances[index].isolatedOnWorldThread(request) { instance, request in
            instance.accept(request)
        }
        if !accepted { outstanding[index] -= 1 }
    }

    /// An instance finished a request.
    func left(instance index: Int) {
        outstanding[index] -= 1
    }
}
