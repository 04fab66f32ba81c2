import SimKernel
import World

/// A service of the platform: its instances behind client-side load balancing over the
/// registry's list.
actor Service {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }

    /// The service's name ("backend", "order").
    let name: String
    /// What its callers wait on, for stall reports (``CallRouter/replyLabel(callee:)``).
    let replyLabel: String
    let spec: ServiceSpec
    let metrics: ServiceMetrics
    /// What its instances are built from.
    private let environment: InstanceEnvironment
    /// Instances, in index order.
    private(set) var instances: [ServiceInstance] = []
    /// Where each instance lives, to prefetch the next pick's without retaining it (a
    /// retain writes to the object's header: it would wait for the memory it prefetches).
    private var instanceAddresses: [UnsafeRawPointer] = []
    /// Requests sent to each instance and not yet finished.
    @exclusivity(unchecked) private var outstanding: [Int]
    @exclusivity(unchecked) private var nextIndex = 0
    /// The instances' indices in the registry, and the balancer's copy of which are
    /// listed (positions in ``instances``): kept until the registry's listings change or
    /// one of them expires (`listedUntil`), so a pick does not look at every instance.
    private var registryIndices: [Int] = []
    private var listed: [Int] = []
    private var listedVersion: UInt64?
    private var listedUntil = Int64.min

    init(spec: ServiceSpec, environment: InstanceEnvironment) {
        sim = environment.sim
        self.environment = environment
        name = spec.name
        replyLabel = CallRouter.replyLabel(callee: spec.name)
        self.spec = spec
        metrics = ServiceMetrics(service: spec.name, metrics: environment.sim.metrics,
                                 sheds: spec.queueDiscipline.sheds, elastic: spec.maxWorkers > spec.workers,
                                 autoscaled: spec.autoscale != nil)
        outstanding = Array(repeating: 0, count: spec.instances)
    }

    /// Creates and boots the instances, whose role's logic `logic` builds (in every life).
    func start(logic: RoleLogicFactory) {
        instances = (0..<spec.instances).map {
            ServiceInstance(spec: spec, index: $0, metrics: metrics, owner: self, environment: environment, logic: logic)
        }
        instanceAddresses = instances.map { Prefetch.address(of: $0) }
        registryIndices = instances.map { environment.registry.registryIndex(of: $0.name) }
        for instance in instances { instance.isolatedOnWorldThread(()) { instance, _ in instance.boot() } }
    }

    /// Picks an instance for one event-driven request (no registry: the validation path).
    func pick() -> Int {
        switch spec.balancer {
        case .roundRobin:
            // The registry path (pickListed) advances the same counter without wrapping.
            let index = nextIndex % instances.count
            nextIndex = (index + 1) % instances.count
            return index
        case .leastOutstanding:
            var best = 0
            for index in 1..<outstanding.count where outstanding[index] < outstanding[best] { best = index }
            return best
        }
    }

    /// Picks an instance the registry still lists (a crashed one stays listed until its
    /// registration expires), or nil when none is.
    func pickListed() -> ServiceInstance? {
        let registry = environment.registry
        if listedVersion != registry.listingsVersion || sim.executor.now > listedUntil {
            (listed, listedUntil) = registry.listing(registryIndices)
            listedVersion = registry.listingsVersion
        }
        guard !listed.isEmpty else { return nil }
        let index: Int
        switch spec.balancer {
        case .roundRobin:
            index = listed[nextIndex % listed.count]
            nextIndex = (nextIndex % listed.count) + 1
            // The next pick's instance starts loading now: a big world's instance is cold
            // when round robin comes back to it, and by the next call to this service its
            // state has arrived (see ``Prefetch``).
            Prefetch.lines(at: instanceAddresses[listed[nextIndex % listed.count]], count: ServiceInstance.hotLines)
        case .leastOutstanding:
            index = listed.min { (outstanding[$0], $0) < (outstanding[$1], $1) }!
        }
        outstanding[index] += 1
        return instances[index]
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

    /// A request to instance `index` ended: an event-driven one finished there, or a
    /// call's caller got its answer or gave up.
    func left(instance index: Int) {
        outstanding[index] -= 1
        assert(outstanding[index] >= 0, "a request left \(instances[index].name) twice")
    }

    /// Requests in flight to each instance, as the balancer sees them.
    var outstandingByInstance: [Int] { outstanding }

    /// The instance named `name` ("order#1").
    func instance(named name: String) -> ServiceInstance? { instances.first { $0.name == name } }
}
