import SimKernel

/// The life of an infrastructure server (the database, the cache, the broker, the lock
/// server): up or crashed, which life it is in, the connections opened in this life, and
/// the clients waiting for it to be reachable again.
///
/// A crash bumps the epoch (work of the earlier life is recognised as lost) and drops the
/// connections; a restart, or a partition from it healing, wakes the waiters.
///
/// World-confined: only the world's thread touches it.
final class InfrastructureProcess: @unchecked Sendable {
    /// "database", "cache", "broker", "locks": its name in faults and partitions.
    let name: String
    private(set) var isUp = true
    /// Incremented by every crash.
    private(set) var epoch = 0
    /// Connections opened in this life.
    private var open: Set<Int> = []
    /// The last connection id handed out.
    private(set) var lastConnection = 0
    /// Clients waiting for the server to be reachable.
    private var waiters: [UnsafeContinuation<Void, Never>] = []

    init(name: String) { self.name = name }

    /// Whether the service doing the current task's work is cut off from this server.
    func isCutOff(_ network: Network) -> Bool {
        // No cuts, no need to learn the caller (a task-local read, on every statement).
        guard network.hasCuts, let caller = WorkOrigin.current?.service else { return false }
        return network.isPartitioned(caller, name)
    }

    /// Waits while the server is down or cut off from the calling service.
    func waitUntilReachable(_ network: Network) async {
        while !isUp || isCutOff(network) {
            await withUnsafeContinuation { waiters.append($0) }
        }
    }

    func openConnection() {
        lastConnection += 1
        open.insert(lastConnection)
    }

    /// Closes `connection`; false when it was not open in this life (a crash dropped it).
    func closeConnection(_ connection: Int) -> Bool { open.remove(connection) != nil }

    /// Goes down; false when it already was.
    func crash() -> Bool {
        guard isUp else { return false }
        isUp = false
        epoch += 1
        open.removeAll()
        return true
    }

    /// Comes back after a crash: wakes every waiter to look again. False when it was up
    /// already.
    @discardableResult
    func restart() -> Bool {
        let wasDown = !isUp
        isUp = true
        wakeWaiters()
        return wasDown
    }

    /// A partition from it healed: waiters look again (and wait on if it is still down).
    /// Up or down is not the network's to change.
    func wakeWaiters() {
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}
