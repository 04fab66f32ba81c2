import SimKernel

/// What every service's logic uses from its world: the simulation (clock, streams,
/// tasks), the metrics, the keyed random draws, and the names of the services playing
/// each role. What a role uses besides (the broker, the cache, the sessions, the lock
/// servers, the riders...) its logic's initialiser takes explicitly.
struct LogicEnvironment: @unchecked Sendable {
    let sim: Simulation
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    /// Who plays each role in this world.
    let roles: RoleNames
}
