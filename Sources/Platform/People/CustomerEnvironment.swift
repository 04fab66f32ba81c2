import SimKernel
import World

/// What a customer (and a bad-traffic request) uses from its world: the simulation, the
/// metrics, the keyed random draws, the session table the app's saved logins live in,
/// the catalog and the number of merchants it chooses from, its app's settings, the
/// world's activity it joins, and the gateway it calls through the router.
///
/// One instance is shared by every customer of the world: a class, so each customer
/// holds a reference, not a copy of the whole environment (with the app's settings) that
/// a big world keeps hundreds of thousands of and retains and releases field by field
/// whenever a customer comes and goes.
///
/// World-confined: only the world's thread touches it (hence `@unchecked Sendable`).
final class CustomerEnvironment: @unchecked Sendable {
    let sim: Simulation
    let metrics: PlatformMetrics
    /// The customers' own metrics, as handles.
    let appMetrics: AppMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    /// The faults in force (a `poison` fault marks some of the orders placed as malformed).
    let faults: FaultState
    let sessions: Sessions
    let catalog: Catalog
    /// Merchants to choose from (at least one is assumed when there are none).
    let merchantCount: Int
    /// The customers' app.
    let app: AppSpec
    /// Share of customers whose app still holds a session.
    let loggedIn: Double
    /// Distinct customers arrivals are drawn from.
    let population: Int
    /// Customers in a journey keep the world running.
    let activity: WorldActivity
    /// Held strongly: nothing the router reaches holds a customer, so there is no cycle.
    let router: CallRouter
    /// The service playing the gateway role (nil: the world has none).
    let gateway: String?

    init(sim: Simulation, metrics: PlatformMetrics, appMetrics: AppMetrics, draws: RandomDraws, faults: FaultState,
         sessions: Sessions, catalog: Catalog, merchantCount: Int, app: AppSpec, loggedIn: Double, population: Int,
         activity: WorldActivity, router: CallRouter, gateway: String?) {
        self.sim = sim
        self.metrics = metrics
        self.appMetrics = appMetrics
        self.draws = draws
        self.faults = faults
        self.sessions = sessions
        self.catalog = catalog
        self.merchantCount = merchantCount
        self.app = app
        self.loggedIn = loggedIn
        self.population = population
        self.activity = activity
        self.router = router
        self.gateway = gateway
    }

    /// Sends an app request to the gateway.
    func sendToGateway(_ request: AppRequest, timeout: Duration?) async -> Result<Reply, Failure> {
        guard let gateway else { return .failure(.unavailable) }
        return await router.send(from: "customer", to: gateway, .app(request), timeout: timeout)
    }
}
