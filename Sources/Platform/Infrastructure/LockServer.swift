import Resilience
import SimKernel
import World

/// The lock server (Redis for `SET NX PX` locks): the `Resilience` ``LockStore`` state
/// machine, reached over the network.
///
/// It keeps its keys in memory only: a crash (an unreplicated Redis failing over, or
/// restarting) loses every lock, so a second client can take a key whose first holder
/// still works under it — what fencing tokens exist for. Fencing tokens keep increasing
/// across the crash (the store's counter is the one thing it persists, as a fencing
/// service must; a counter that restarted would hand out tokens a resource already saw).
actor LockServer {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    let environment: InfrastructureEnvironment
    private var store = LockStore<VirtualClock.Instant>()
    let spec: LockServerSpec
    /// Up or down.
    private var server = InfrastructureProcess(name: "locks")
    private let traceNames: TraceVocabulary

    /// Lock server number `index` of the world's `infrastructure.locks.instances` (faults
    /// and partitions naming "locks" reach the first; Redlock's other servers stay up).
    init(environment: InfrastructureEnvironment, spec: LockServerSpec, index: Int = 0) {
        sim = environment.sim
        traceNames = environment.sim.traceNames
        self.environment = environment
        self.spec = spec
        if index > 0 { server = InfrastructureProcess(name: "locks#\(index)") }
    }

    /// One leg of a command's trip (slowed by a `slowdown` of "locks", plus latency faults).
    nonisolated func leg() -> Int64 {
        let time = Double(environment.draws.sample(spec.latency, for: .locks)) * environment.faults.slowdown("locks")
        return Int64(saturating: time) &+ environment.faults.extraLatency("locks")
    }

    func set(_ key: String, owner: LockOwner, ttl: Duration) -> LockAcquisition? {
        guard server.isUp else { return nil }
        let acquisition = store.set(key, owner: owner, ttl: ttl, now: sim.clock.now)
        // Keys are few (items, riders): interning one is a table lookup, not a new string.
        switch acquisition {
        case .granted(let token):
            sim.trace.record(traceNames.lockSet, sim.trace.name(key), Int64(bitPattern: owner.client),
                             Int64(bitPattern: token.value), detail: traceNames.granted)
        case .held:
            sim.trace.record(traceNames.lockSet, sim.trace.name(key), Int64(bitPattern: owner.client), detail: traceNames.held)
        }
        return acquisition
    }

    func get(_ key: String) -> LockHolder?? {
        guard server.isUp else { return nil }
        return .some(store.get(key, now: sim.clock.now))
    }

    func compareAndDelete(_ key: String, owner: LockOwner) -> Bool? {
        guard server.isUp else { return nil }
        let released = store.compareAndDelete(key, owner: owner, now: sim.clock.now)
        sim.trace.record(traceNames.lockRelease, sim.trace.name(key), Int64(bitPattern: owner.client),
                         detail: released ? traceNames.ok : traceNames.expiredLease)
        return released
    }

    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) -> Bool? {
        guard server.isUp else { return nil }
        let extended = store.compareAndExtend(key, owner: owner, ttl: ttl, now: sim.clock.now)
        sim.trace.record(traceNames.lockExtend, sim.trace.name(key), Int64(bitPattern: owner.client),
                         detail: extended ? traceNames.ok : traceNames.lost)
        return extended
    }

    /// The server crashes: every lock key is lost.
    func crash() {
        guard server.crash() else { return }
        // Everything in memory is gone; the token counter resumes above its last value.
        let dropped = store.storedCount
        store = LockStore(fencingTokensAfter: store.lastFencingToken)
        environment.metrics.count("locks.crashes")
        environment.metrics.count("locks.keys_lost", Int64(dropped))
    }

    /// The server is back, with no keys.
    func restart() {
        if server.restart() { environment.metrics.count("locks.restarts") }
    }

    /// The store's counters in its current life (a crash starts a new store).
    var statistics: LockStore<VirtualClock.Instant>.Statistics { store.statistics }
}

/// The world's lock servers as its services reach them: over the network, each command a
/// round trip that partitions, crashes and latency faults reach.
struct LockServers: @unchecked Sendable {
    /// Every lock server: the first is the one a single-server lock uses; a Redlock uses all.
    let servers: [LockServer]
    let network: Network
    let sim: Simulation
    let metrics: PlatformMetrics
    /// How long a client waits for a lock server's reply.
    let timeout: Duration

    /// A lock client for an instance, talking to the world's lock server over the network,
    /// with its own random stream for retry jitter.
    func lockClient(for instance: String, ttl: Duration, maxWait: Duration, initialDelay: Duration, maxDelay: Duration,
                    pauseGate: SimulatedLockConnection.PauseGate? = nil)
        -> LockClient<VirtualClock, SimulatedLockConnection, RandomStream> {
        LockClient(
            connection: lockConnection(to: servers[0], for: instance, pauseGate: pauseGate),
            clock: sim.clock,
            configuration: sim.configured("\(instance)'s lock client", { () throws(ConfigurationError) in
                try .init(ttl: ttl, maxWait: maxWait, initialDelay: initialDelay, maxDelay: maxDelay)
            }, fallback: { .standard }),
            random: sim.random("\(instance).locks"))
    }

    /// An instance's connection to lock server `server`, over the network (held while the
    /// instance is paused when it passes its `pauseGate`).
    func lockConnection(to server: LockServer, for instance: String,
                        pauseGate: SimulatedLockConnection.PauseGate? = nil) -> SimulatedLockConnection {
        SimulatedLockConnection(server: server, network: network, service: String(instance.split(separator: "#").first ?? ""),
                                timeout: timeout, pauseGate: pauseGate)
    }
}

/// A client's connection to the lock server: each command crosses the simulated
/// ``Network`` both ways, so partitions between the service and "locks", a crashed
/// server and latency faults reach it; a command without a reply within `timeout` throws
/// (the contract of ``LockStoreConnection``: it may or may not have taken effect). A
/// cancelled caller still delivers its release (the cleanup), without waiting for a reply.
struct SimulatedLockConnection: LockStoreConnection {
    let server: LockServer
    let network: Network
    /// The calling service, for partitions.
    let service: String
    let timeout: Duration
    /// Waits while the calling process is paused: a stopped process sends no command (a
    /// lock client retrying a taken lock stops retrying), and sees a reply that arrived
    /// meanwhile only once it runs again (a lock granted just before a pause is held
    /// through it). Nil: commands ignore pauses.
    var pauseGate: PauseGate?

    /// Returns once the calling process runs (at once when it is not paused).
    typealias PauseGate = @Sendable () async -> Void

    /// No reply within the client's timeout.
    struct NoReply: Error {}

    private func command<T: Sendable>(cleanup: Bool = false, _ serve: () async -> T?) async throws -> T {
        if let pauseGate { await pauseGate() }
        let reply = await network.exchange(from: service, to: "locks", timeout: timeout, there: server.leg(), back: server.leg(),
                                           deliverWhenCancelled: cleanup, serve)
        if let pauseGate { await pauseGate() }
        guard let reply else { throw NoReply() }
        return reply
    }

    func set(_ key: String, owner: LockOwner, ttl: Duration) async throws -> LockAcquisition {
        try await command { await server.set(key, owner: owner, ttl: ttl) }
    }

    func get(_ key: String) async throws -> LockHolder? {
        try await command { await server.get(key) }
    }

    func compareAndDelete(_ key: String, owner: LockOwner) async throws -> Bool {
        try await command(cleanup: true) { await server.compareAndDelete(key, owner: owner) }
    }

    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async throws -> Bool {
        try await command { await server.compareAndExtend(key, owner: owner, ttl: ttl) }
    }
}

extension LockServer {
    /// Declares every metric the lock servers and their Redlock clients count
    /// (`locks.<figure>`, see ``MetricVocabulary``): made on first use, during the run.
    /// Makes no metric. (`locks.wait` is declared by the logic that waits.)
    static func declare(in metrics: Metrics) {
        for figure in ["crashes", "keys_lost", "restarts", "redlock.acquired"] { metrics.declare(.counter, "locks.\(figure)") }
    }
}
