import SimKernel

/// What a service's ``Caller`` uses from its world: the simulation (its clock and
/// streams), the keyed random draws, the router that carries its calls, and the broker
/// (where a `defer` fallback publishes).
struct CallerEnvironment: @unchecked Sendable {
    let sim: Simulation
    let draws: RandomDraws
    /// Held unowned: the world owns the router (see ``CallRouter``).
    unowned(unsafe) let router: CallRouter
    let broker: Broker
}
