import Resilience
import SimKernel
import World

/// The lock a service takes around a critical section, as its world chose: a lock on one
/// lock server (``LockClient``, `SET NX PX` with a fencing token), or ``Redlock`` over every
/// lock server (a majority must grant it; it has no fencing token, by design).
///
/// Both reach the lock servers the same way: each command crosses the network to a
/// ``LockServer`` actor (``SimulatedLockConnection``).
enum ServiceLock {
    case single(LockClient<VirtualClock, SimulatedLockConnection, RandomStream>)
    /// Redlock, and its count of locks granted by a majority (`locks.redlock.acquired`).
    case redlock(Redlock<VirtualClock, SimulatedLockConnection, RandomStream>, acquired: CounterMetric)

    /// A lock held by this service.
    enum Held {
        case single(LockLease<VirtualClock>)
        case redlock(RedlockLease<VirtualClock>)

        /// The fencing token to present to the guarded resource (none for Redlock).
        var fencingToken: FencingToken? {
            if case .single(let lease) = self { return lease.fencingToken }
            return nil
        }

        /// Whether the lock is still ours as far as the holder can tell (a lease that ran
        /// out while its holder was paused is not).
        var isHeld: Bool {
            switch self {
            case .single(let lease): return lease.isHeld
            case .redlock(let lease): return lease.isValid
            }
        }
    }

    /// A service instance's lock of kind `redlock` (or on one server), with `ttl`, waiting
    /// at most `maxWait`, retrying with a jittered backoff from `initialDelay` capped at
    /// `maxDelay` (a cap below the first delay is read as the first delay).
    /// `pauseGate`, when given, holds every lock command while the instance is paused.
    init(locks: LockServers, instance: String, redlock: Bool, ttl: Duration, maxWait: Duration,
         initialDelay: Duration, maxDelay: Duration, pauseGate: SimulatedLockConnection.PauseGate? = nil) {
        let maxDelay = max(maxDelay, initialDelay)
        guard redlock else {
            self = .single(locks.lockClient(for: instance, ttl: ttl, maxWait: maxWait, initialDelay: initialDelay, maxDelay: maxDelay,
                                            pauseGate: pauseGate))
            return
        }
        let connections = locks.servers.map { locks.lockConnection(to: $0, for: instance, pauseGate: pauseGate) }
        let sim = locks.sim
        // The world has at least one lock server, and its fields were validated by the
        // reader: a refusal here is a reader bug, which stops the run.
        let redlock = sim.configured("\(instance)'s Redlock", { () throws(ConfigurationError) in
            try Redlock(
                connections: connections, clock: sim.clock,
                configuration: try .init(ttl: ttl, maxWait: maxWait, initialDelay: initialDelay, maxDelay: maxDelay),
                random: sim.random("\(instance).redlock"))
        }, fallback: {
            // `try!`: one server and the library's defaults are valid; a placeholder the
            // run never uses (it stops after the current job).
            try! Redlock(connections: [locks.lockConnection(to: locks.servers[0], for: instance)],
                         clock: sim.clock, random: sim.random("\(instance).redlock"))
        })
        self = .redlock(redlock, acquired: locks.metrics.counter("locks.redlock.acquired"))
    }

    /// Acquires `key`, or throws once the wait runs out.
    func acquire(_ key: String) async throws(LockError) -> Held {
        switch self {
        case .single(let client): return .single(try await client.acquire(key))
        case .redlock(let redlock, let acquired):
            let lease = try await redlock.acquire(key)
            acquired.add()
            return .redlock(lease)
        }
    }

    /// Releases `held` (a lease that already ran out releases nothing).
    func release(_ held: Held) async {
        switch (self, held) {
        case (.single(let client), .single(let lease)): try? await client.release(lease)
        case (.redlock(let redlock, _), .redlock(let lease)): await redlock.release(lease)
        default: preconditionFailure("a lock released through the other kind of client")
        }
    }
}
