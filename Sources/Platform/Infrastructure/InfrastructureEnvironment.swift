import SimKernel

/// What an infrastructure server (the database, the cache, the broker, a lock server, an
/// external dependency) uses from its world: the simulation, the metrics, its random
/// streams, the faults that slow or break it, and the network its clients reach it over.
///
/// Everything here exists before any server or service does, so the infrastructure is
/// built first and never reaches back into the world that wires it.
struct InfrastructureEnvironment: @unchecked Sendable {
    let sim: Simulation
    let metrics: PlatformMetrics
    /// Keyed random streams (common random numbers).
    let draws: RandomDraws
    let faults: FaultState
    let network: Network
}
