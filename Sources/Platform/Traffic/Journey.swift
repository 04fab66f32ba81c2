import SimKernel
import World

/// What an arriving customer does.
enum Journey: Sendable {
    /// One fire-and-forget request to a service (open loop): the M/M/c customer.
    case request(Service)
    /// A customer's visit through the app and the gateway.
    case visit(JourneySpec.Kind, CustomerEnvironment)
    /// A request for a product that does not exist (bad traffic: cache penetration).
    case missingProduct(CustomerEnvironment)

    /// Starts the journey for arrival `id` (on the world thread, inside the run loop).
    func begin(customer id: Int64, random: inout RandomStream) {
        switch self {
        case .request(let service):
            let request = Request(id: id, arrival: service.sim.executor.now)
            service.isolatedOnWorldThread(request) { service, request in service.dispatch(request) }
        case .visit(let kind, let environment):
            let who = random.nextInt(below: environment.population)
            let customer = Customer(environment: environment, arrival: id, customer: who, random: random.split("customer-\(id)"),
                                    journey: kind)
            environment.sim.spawn(customer.name) { await customer.visit(kind, orderKey: id + 1) }
        case .missingProduct(let environment):
            let item = environment.catalog.missingItem(&random)
            let who = random.nextInt(below: environment.population)
            let token = environment.sessions.existing(customer: who, now: environment.sim.executor.now)
                ?? environment.sessions.issue(customer: who, now: environment.sim.executor.now)
            environment.metrics.count(Journey.badRequestsName)
            environment.sim.spawn("bad-request-\(id)") {
                _ = await environment.sendToGateway(.menu(customer: who, token: token, item: item), timeout: .seconds(5))
            }
        }
    }
}

extension Journey {
    /// The counter of bad-traffic requests (declared when a world with bad traffic is
    /// built).
    static let badRequestsName = "traffic.bad_requests"
}
