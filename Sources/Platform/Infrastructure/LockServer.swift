import Resilience
import SimKernel
import World

/// The lock server (Redis for `SET NX PX` locks): the `Resilience` ``LockStore`` state
/// machine, reached over the network.
actor LockServer {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    private var store = LockStore<VirtualClock.Instant>()
    let spec: LockServerSpec
    private var random: RandomStream

    /// Lock server number `index` of the world's (the first keeps the stream it always had).
    init(sim: Simulation, spec: LockServerSpec, index: Int = 0) {
        self.sim = sim
        self.spec = spec
        random = sim.random(index == 0 ? "locks" : "locks#\(index)")
    }

    func delay() -> Int64 { spec.latency.sampleNanoseconds(&random) }

    func set(_ key: String, owner: LockOwner, ttl: Duration) -> LockAcquisition {
        store.set(key, owner: owner, ttl: ttl, now: sim.clock.now)
    }

    func get(_ key: String) -> LockHolder? { store.get(key, now: sim.clock.now) }

    func compareAndDelete(_ key: String, owner: LockOwner) -> Bool {
        store.compareAndDelete(key, owner: owner, now: sim.clock.now)
    }

    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) -> Bool {
        store.compareAndExtend(key, owner: owner, ttl: ttl, now: sim.clock.now)
    }

    var statistics: LockStore<VirtualClock.Instant>.Statistics { store.statistics }
}

extension PlatformContext {
    /// A lock client for an instance, talking to the world's lock server over the network,
    /// with its own random stream for retry jitter.
    func lockClient(for instance: String, ttl: Duration, maxWait: Duration, maxDelay: Duration)
        -> LockClient<VirtualClock, SimulatedLockConnection, RandomStream> {
        LockClient(
            connection: SimulatedLockConnection(server: locks, clock: sim.clock),
            clock: sim.clock,
            configuration: .init(ttl: ttl, maxWait: maxWait, initialDelay: .milliseconds(5), maxDelay: maxDelay),
            random: sim.random("\(instance).locks"))
    }
}

/// A client's connection to the lock server: each command crosses the network both ways.
/// A cancelled caller still delivers its command (the contract of
/// ``LockStoreConnection``: the release is the cleanup).
struct SimulatedLockConnection: LockStoreConnection {
    let server: LockServer
    let clock: VirtualClock

    private func travel() async {
        let delay = await server.delay()
        if !Task.isCancelled { try? await clock.sleep(for: .nanoseconds(delay)) }
    }

    func set(_ key: String, owner: LockOwner, ttl: Duration) async throws -> LockAcquisition {
        await travel()
        let result = await server.set(key, owner: owner, ttl: ttl)
        await travel()
        return result
    }

    func get(_ key: String) async throws -> LockHolder? {
        await travel()
        let result = await server.get(key)
        await travel()
        return result
    }

    func compareAndDelete(_ key: String, owner: LockOwner) async throws -> Bool {
        await travel()
        let result = await server.compareAndDelete(key, owner: owner)
        await travel()
        return result
    }

    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async throws -> Bool {
        await travel()
        let result = await server.compareAndExtend(key, owner: owner, ttl: ttl)
        await travel()
        return result
    }
}
