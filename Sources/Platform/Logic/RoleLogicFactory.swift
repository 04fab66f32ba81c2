import SimKernel
import World

/// Creates the logic for a service's role, handing each exactly what it uses: resolved
/// when the world is wired (another service's settings included), never looked up per
/// call.
struct RoleLogicFactory: @unchecked Sendable {
    let environment: LogicEnvironment
    let broker: Broker
    let cache: CacheServer
    let locks: LockServers
    let faults: FaultState
    let sessions: Sessions
    let orderBook: OrderBook
    let people: People
    let activity: WorldActivity
    /// Items in the catalog (ids 0..<items exist).
    let catalogItems: Int
    /// One network leg, as dispatch's round trip to a rider's app samples it.
    let networkLatency: Distribution
    /// Whether the order service takes orders through the broker (`intake: queued`): the
    /// gateway then publishes them instead of calling it.
    let queuedIntake: Bool

    init(spec: WorldSpec, environment: LogicEnvironment, infrastructure: Infrastructure, faults: FaultState,
         sessions: Sessions, orderBook: OrderBook, people: People, activity: WorldActivity) {
        self.environment = environment
        broker = infrastructure.broker
        cache = infrastructure.cache
        locks = infrastructure.locks
        self.faults = faults
        self.sessions = sessions
        self.orderBook = orderBook
        self.people = people
        self.activity = activity
        catalogItems = spec.catalog.items
        networkLatency = spec.infrastructure.networkLatency
        if case .order(let options) = spec.service(playing: .order)?.options { queuedIntake = options.intake == .queued } else { queuedIntake = false }
        // Logic is made when instances boot, during the run: its figures are declared now.
        for service in spec.services { LogicFigures.of(service.options).declare(for: service.name, in: environment.metrics.metrics) }
    }

    /// The logic for `instance` of a service `spec` describes (nil for generic services).
    func make(for spec: ServiceSpec, instance: ServiceInstance) -> (any RoleLogic)? {
        switch spec.options {
        case .generic:
            return nil
        case .gateway(let options):
            return GatewayLogic(instance: instance, options: options, environment: environment, broker: broker,
                                orderBook: orderBook, sessions: sessions, queuedIntake: queuedIntake)
        case .auth(let options):
            return AuthLogic(instance: instance, options: options, environment: environment, sessions: sessions)
        case .menu(let options):
            return MenuLogic(instance: instance, options: options, environment: environment, cache: cache, catalogItems: catalogItems)
        case .order(let options):
            return OrderLogic(instance: instance, options: options, environment: environment, broker: broker,
                              activity: activity)
        case .inventory(let options):
            return InventoryLogic(instance: instance, options: options, environment: environment, lockServers: locks, catalogItems: catalogItems)
        case .payment(let options):
            return PaymentLogic(instance: instance, options: options, environment: environment, broker: broker)
        case .dispatch(let options):
            return DispatchLogic(instance: instance, options: options, environment: environment, lockServers: locks,
                                 riders: people.riders, roster: people.riderRoster, networkLatency: networkLatency)
        case .notification(let options):
            return NotificationLogic(instance: instance, options: options, environment: environment, broker: broker,
                                     cache: cache, faults: faults, merchants: people.merchants)
        }
    }
}
