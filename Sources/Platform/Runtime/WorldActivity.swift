/// Whether the world still has work coming: arrivals still running, or customers in the
/// middle of a journey. Periodic work (heartbeats, relays, dispatch retries) keeps going
/// while it does; afterwards the world winds down and completes instead of ticking
/// forever.
///
/// World-confined: only the world's thread touches it.
final class WorldActivity: @unchecked Sendable {
    /// Whether arrivals are still coming.
    var arrivalsActive = true
    /// Customers in the middle of a journey.
    private(set) var liveCustomers = 0

    /// Whether periodic work should keep going.
    var keepsRunning: Bool { arrivalsActive || liveCustomers > 0 }

    func customerStarted() { liveCustomers += 1 }
    func customerFinished() { liveCustomers -= 1 }
}
