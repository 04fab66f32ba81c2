import SimKernel

/// What a service's instances use from their world: the simulation, the metrics, the
/// keyed random draws, the faults that slow or break them, the network their replies
/// travel, the registry they beat to, the database their pools connect to, and what
/// their callers are built from. (Their role's logic is built by the ``RoleLogicFactory``
/// the service is started with.)
struct InstanceEnvironment: @unchecked Sendable {
    let sim: Simulation
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    let faults: FaultState
    let network: Network
    let registry: Registry
    /// Whether instances send heartbeats to the registry (a platform world; the M/M/c
    /// world's instances never leave the list).
    let heartbeats: Bool
    /// The database server an instance's connection pool opens connections on.
    let database: Database
    /// What each of an instance's callers is built from.
    let callers: CallerEnvironment
    /// The world's handler tasks, which run the calls every instance admits.
    let handlers: HandlerPool
}
