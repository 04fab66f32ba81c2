import SimKernel
import World

/// What an arriving customer does.
enum Journey: Sendable {
    /// One fire-and-forget request to a service (open loop): the M/M/c customer.
    case request(Service)
    /// A customer's visit through the app and the gateway.
    case visit(JourneySpec.Kind, PlatformContext)
    /// A request for a product that does not exist (bad traffic: cache penetration).
    case missingProduct(PlatformContext)

    /// Starts the journey for arrival `id` (on the world thread, inside the run loop).
    func begin(customer id: Int64, random: inout RandomStream) {
        switch self {
        case .request(let service):
            let request = Request(id: id, arrival: service.sim.executor.now)
            service.isolatedOnWorldThread(request) { service, request in service.dispatch(request) }
        case .visit(let kind, let platform):
            let who = random.nextInt(below: platform.spec.traffic.population)
            let customer = Customer(platform: platform, arrival: id, customer: who, random: random.split("customer-\(id)"),
                                    journey: kind)
            platform.sim.spawn(customer.name) { await customer.visit(kind, orderKey: id + 1) }
        case .missingProduct(let platform):
            let item = platform.catalog.missingItem(&random)
            let who = random.nextInt(below: platform.spec.traffic.population)
            let token = platform.sessions.existing(customer: who, now: platform.sim.executor.now)
                ?? platform.sessions.issue(customer: who, now: platform.sim.executor.now)
            platform.metrics.count("traffic.bad_requests")
            platform.sim.spawn("bad-request-\(id)") {
                _ = await platform.sendToGateway(.menu(customer: who, token: token, item: item), timeout: .seconds(5))
            }
        }
    }
}
