import SimKernel

/// What a merchant's or a rider's app uses from its world: the simulation, the metrics,
/// the keyed random draws, the router its reports travel through, the name of the order
/// service it reports to, and the database — read outside the model, to tell whether an
/// order has ended (a real app would be told so by the order service's last answer).
struct AppEnvironment: @unchecked Sendable {
    let sim: Simulation
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    /// Held unowned: the world owns the router (see ``CallRouter``).
    unowned(unsafe) let router: CallRouter
    /// The service playing the order role (nil: the world has none).
    let orderService: String?
    let database: Database
}
