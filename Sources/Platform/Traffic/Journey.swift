import SimKernel

/// What an arriving customer does.
enum Journey: Sendable {
    /// One fire-and-forget request to a service (open loop): the M/M/c customer.
    case request(Service)

    /// Starts the journey for customer `id` (on the world thread, inside the run loop).
    func begin(customer id: Int64) {
        switch self {
        case .request(let service):
            let request = Request(id: id, arrival: service.sim.executor.now)
            service.isolatedOnWorldThread(request) { service, request in service.dispatch(request) }
        }
    }
}
