import Resilience
import SimKernel
import World

/// The wiring of one world's platform, and the owner of everything it builds — in the
/// order each part needs the others: the shared runtime (metrics, random draws, faults,
/// network, registry), the infrastructure (which needs no service), the router, the
/// services, the people (who call them through the router), and what the services'
/// logic is built from when their instances boot — each handed exactly what it uses.
///
/// Nothing the platform builds points back here: a service, a logic, a person or a
/// server holds its own collaborators (see ``InfrastructureEnvironment``,
/// ``InstanceEnvironment``, ``LogicEnvironment``, ``CallerEnvironment``,
/// ``AppEnvironment``, ``CustomerEnvironment``). Only the world that runs it (and the
/// end-of-run checks) reads it.
///
/// World-confined: only the world's thread touches it.
final class PlatformContext: @unchecked Sendable {
    let sim: Simulation
    let spec: WorldSpec
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    let faults: FaultState
    let network: Network
    let registry: Registry
    let orders: OrderBook
    let sessions: Sessions
    let catalog: Catalog
    /// Arrivals still coming, customers still in a journey.
    let activity = WorldActivity()
    /// The servers, built before any service.
    let infrastructure: Infrastructure
    /// Where every call goes, by name.
    let router: CallRouter
    /// The merchants and riders.
    let people: People
    /// The services by name.
    let services: [String: Service]
    /// The handler tasks that run every instance's calls.
    let handlers: HandlerPool
    /// What the services' logic is built from (when their instances boot).
    let logic: RoleLogicFactory
    /// What customers (and bad-traffic requests) are built with.
    let customers: CustomerEnvironment

    init(sim: Simulation, spec: WorldSpec) {
        self.sim = sim
        self.spec = spec
        metrics = PlatformMetrics(sim)
        draws = RandomDraws(sim: sim)
        faults = FaultState(draws: draws)
        network = Network(sim: sim, latency: spec.infrastructure.networkLatency, draws: draws, faults: faults,
                          dns: spec.infrastructure.dns)
        registry = Registry(sim: sim, spec: spec.infrastructure.registry, draws: draws,
                            networkLatency: spec.infrastructure.networkLatency)
        orders = OrderBook(metrics: metrics)
        sessions = Sessions(sim: sim, ttl: {
            if case .auth(let auth)? = spec.service(playing: .auth)?.options { return auth.tokenTTL }
            return AuthOptions().tokenTTL
        }())
        catalog = Catalog(spec: spec.catalog)
        let infrastructure = Infrastructure(
            spec: spec,
            environment: InfrastructureEnvironment(sim: sim, metrics: metrics, draws: draws, faults: faults, network: network),
            orderBook: orders)
        self.infrastructure = infrastructure
        let router = CallRouter(sim: sim, network: network, dependencies: infrastructure.dependencies)
        self.router = router
        let handlers = HandlerPool(sim: sim)
        self.handlers = handlers
        let instances = InstanceEnvironment(
            sim: sim, metrics: metrics, draws: draws, faults: faults, network: network, registry: registry,
            heartbeats: spec.hasPlatform, database: infrastructure.database,
            callers: CallerEnvironment(sim: sim, draws: draws, router: router, broker: infrastructure.broker),
            handlers: handlers)
        var services: [String: Service] = [:]
        for serviceSpec in spec.services {
            services[serviceSpec.name] = Service(spec: serviceSpec, environment: instances)
        }
        self.services = services
        router.register(services)
        let roles = RoleNames(spec)
        // What the run will make later, on first use, declared now (see MetricVocabulary):
        // the callers' metrics, the database pools' and, in a platform world, the orders',
        // the invariants' and the customers' apps'.
        RoleCallees.declare(spec, roles: roles, in: sim.metrics)
        for service in spec.services where service.role != .generic { DatabasePool.declare(service: service.name, in: sim.metrics) }
        if spec.hasPlatform {
            OrderBook.declare(in: sim.metrics)
            InvariantCheck.declare(in: sim.metrics)
            AppMetrics.declare(in: sim.metrics)
        }
        people = People(
            spec: spec,
            environment: AppEnvironment(sim: sim, metrics: metrics, draws: draws, router: router,
                                        orderService: roles.service(playing: .order), database: infrastructure.database),
            orderBook: orders)
        logic = RoleLogicFactory(
            spec: spec, environment: LogicEnvironment(sim: sim, metrics: metrics, draws: draws, roles: roles),
            infrastructure: infrastructure, faults: faults, sessions: sessions, orderBook: orders, people: people,
            activity: activity)
        customers = CustomerEnvironment(
            sim: sim, metrics: metrics, appMetrics: AppMetrics(metrics: metrics), draws: draws, faults: faults, sessions: sessions, catalog: catalog,
            merchantCount: people.merchants.count, app: spec.traffic.app, loggedIn: spec.traffic.loggedIn,
            population: spec.traffic.population, activity: activity, router: router,
            gateway: roles.service(playing: .gateway))
    }
}
