import Resilience
import SimKernel
import World

/// Everything the platform's actors share in one world: the simulation, the network and
/// registry, the services, the infrastructure and the fault state.
///
/// World-confined: only the world's thread touches it (actors reach it synchronously
/// because they all run on the world's executor).
final class PlatformContext: @unchecked Sendable {
    let sim: Simulation
    let spec: WorldSpec
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    let faults: FaultState
    let network: Network
    let registry: Registry
    private(set) var services: [String: Service] = [:]
    /// The servers, built before any service.
    let infrastructure: Infrastructure
    var database: Database { infrastructure.database }
    var cache: CacheServer { infrastructure.cache }
    var broker: Broker { infrastructure.broker }
    /// The lock server a single-server lock uses.
    var locks: LockServer { infrastructure.locks.servers[0] }
    var dependencies: [String: ExternalDependency] { infrastructure.dependencies }
    private(set) var merchants: [Merchant] = []
    private(set) var riders: [Rider] = []
    /// The riders' free places, for dispatch's least-loaded pick.
    private(set) var riderRoster = RiderRoster(riders: 0, capacity: 0)
    let orders: OrderBook
    let sessions: Sessions
    let catalog: Catalog
    /// Customers in the middle of a journey.
    private(set) var liveCustomers = 0
    /// Whether arrivals are still coming.
    var arrivalsActive = true

    init(sim: Simulation, spec: WorldSpec) {
        self.sim = sim
        self.spec = spec
        metrics = PlatformMetrics(sim)
        draws = RandomDraws(sim: sim)
        faults = FaultState(draws: draws)
        network = Network(sim: sim, latency: spec.infrastructure.networkLatency, draws: draws, faults: faults,
                          dns: spec.infrastructure.dns)
        registry = Registry(sim: sim, spec: spec.infrastructure.registry)
        orders = OrderBook(metrics: metrics)
        sessions = Sessions(sim: sim, ttl: {
            if case .auth(let auth)? = spec.service(playing: .auth)?.options { return auth.tokenTTL }
            return AuthOptions().tokenTTL
        }())
        catalog = Catalog(spec: spec.catalog)
        infrastructure = Infrastructure(
            spec: spec,
            environment: InfrastructureEnvironment(sim: sim, metrics: metrics, draws: draws, faults: faults, network: network),
            orderBook: orders)
    }

    /// Builds the services (their instances boot when the world starts).
    func build() {
        for serviceSpec in spec.services {
            services[serviceSpec.name] = Service(platform: self, spec: serviceSpec)
        }
        if spec.hasPlatform {
            merchants = (0..<spec.merchants.count).map { Merchant(platform: self, index: $0, spec: spec.merchants) }
            let roster = RiderRoster(riders: spec.riders.count, capacity: spec.riders.capacity)
            riderRoster = roster
            riders = (0..<spec.riders.count).map { Rider(platform: self, roster: roster, index: $0, spec: spec.riders) }
        }
    }

    /// Whether periodic work (heartbeats, relays, dispatch retries) should keep going:
    /// while customers arrive or are still in a journey. Afterwards the world winds down
    /// and completes instead of ticking forever.
    var keepsRunning: Bool { arrivalsActive || liveCustomers > 0 }

    func customerStarted() { liveCustomers += 1 }
    func customerFinished() { liveCustomers -= 1 }

    /// The service playing `role`.
    func service(_ role: ServiceRole) -> Service? {
        spec.service(playing: role).flatMap { services[$0.name] }
    }

    /// Sends one call from service `caller` to a service or dependency named `callee`,
    /// picking an instance through the registry. It waits at most `timeout`, and never
    /// past the deadline of the call the sender is handling (``TaskDeadline``); the
    /// request carries the instant it gives up, so the callee can shed it.
    ///
    /// A call to a callee that does not exist, or to a service whose role does not handle
    /// it, is a programming error: it stops the run (``StopReason/failed(_:)``) instead
    /// of passing for a transient failure that retries and breakers would absorb.
    func send(from caller: String, to callee: String, _ call: Call, timeout: Duration?) async -> Result<Reply, Failure> {
        let timeout = TaskDeadline.limit(timeout, on: sim.clock)
        if let dependency = dependencies[callee] {
            return await sim.waiting(on: "a reply from \(callee)") {
                await network.call(from: caller, to: dependency, call, timeout: timeout)
            }
        }
        guard let service = services[callee] else {
            await misrouted("\(caller) sent \(call.label) to \"\(callee)\", which is neither a service nor a dependency of this world")
        }
        guard service.spec.role.serves(call) else {
            await misrouted("\(caller) sent \(call.label) to \(callee), whose role (\(service.spec.role.rawValue)) does not handle it")
        }
        guard let instance = service.isolatedOnWorldThread((), { service, _ in service.pickListed() }) else {
            return .failure(.unavailable)
        }
        // Named, so that a stall report says who waits on whom.
        let result = await sim.waiting(on: "a reply from \(callee)") {
            await network.call(from: caller, to: instance, call, timeout: timeout)
        }
        // Least-outstanding counts calls from the client's side (as Envoy's least_request
        // does): a call ends for the balancer when its caller has an answer or gave up —
        // refused, timed out, lost in a crash or a partition alike.
        let index = instance.index
        service.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
        return result

    }

    /// Stops the run on a misrouted call (see ``send(from:to:_:timeout:)``). The task that
    /// made the error goes no further: it parks for good, so nothing it would do next (a
    /// retry, a failure counted against the callee) happens; the run ends after this step.
    func misrouted(_ message: String) async -> Never {
        sim.fail("misrouted call: " + message)
        await sim.waiting(on: "the end of a run stopped by a misrouted call") {
            await withUnsafeContinuation { (_: UnsafeContinuation<Never, Never>) in }
        }
    }
}
