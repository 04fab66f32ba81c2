import Resilience
import SimKernel
import World

/// The dispatch service: finds a rider for an order within its timeout
/// (context.WithTimeout(30 s) in the documents), taking a lock per rider so that two
/// dispatchers never give one rider more orders than it carries.
final class DispatchLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: DispatchOptions
    private let locks: LockClient<VirtualClock, SimulatedLockConnection, RandomStream>

    init(instance: ServiceInstance, options: DispatchOptions) {
        self.options = options
        locks = instance.platform.lockClient(for: instance.name, ttl: options.lockTTL, maxWait: options.lockWait,
                                             maxDelay: .milliseconds(50))
        super.init(instance: instance)
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .dispatch(let order, let merchant) = call else { return .failure(.error) }
        // Idempotent per order: a caller that retried after its timeout (while an earlier
        // search went on) gets the rider already assigned, and two searches for one order
        // never run at once — otherwise both could give it a rider.
        let database = platform.database!
        if let rider = await database.assignedRider(order) {
            platform.metrics.count("\(service).duplicates_absorbed")
            return .success(.rider(rider))
        }
        let deadline = now &+ options.timeout.nanoseconds
        guard let token = await database.claimSearch(order, until: deadline &+ options.lockTTL.nanoseconds) else {
            platform.metrics.count("\(service).search_in_progress")
            return .failure(.refused(.noRider))
        }
        while now < deadline, !Task.isCancelled, !(await database.hasEnded(order)) {
            if let rider = await assign(order: order, merchant: merchant, token: token) {
                await database.endSearch(order, token: token)
                platform.metrics.count("\(service).assigned")
                return .success(.rider(rider))
            }
            // Another search (after this one's lease ran out) may have found one.
            if let rider = await database.assignedRider(order) {
                await database.endSearch(order, token: token)
                return .success(.rider(rider))
            }
            await instance.sleep(nanoseconds: min(options.retryInterval.nanoseconds, max(1, deadline - now)))
        }
        await database.endSearch(order, token: token)
        platform.metrics.count("\(service).no_rider")
        return .failure(.refused(.noRider))
    }

    /// Picks the least-loaded available rider and assigns the order under its lock.
    private func assign(order: Int64, merchant: Int, token: Int64) async -> Int? {
        // The roster holds each rider's free places as the rider last changed them: the
        // same pick as asking every rider (most places free, lowest index), in O(log n).
        guard let best = platform.riderRoster.leastLoaded() else { return nil }
        let rider = platform.riders[best]
        var lease: LockLease<VirtualClock>?
        if options.riderLock {
            let started = now
            lease = try? await locks.acquire("rider:\(best)")
            platform.metrics.record("locks.wait", now - started)
            guard lease != nil else { return nil }
        }
        // Read the rider's load again under the lock, then assign (a round trip to its app).
        let capacity = rider.isolatedOnWorldThread((), { rider, _ in rider.availableCapacity })
        var assigned = false
        if capacity > 0 {
            // The rider's app answers: a round trip on the network.
            let roundTrip = await instance.sample(platform.spec.infrastructure.networkLatency)
                .addingReportingOverflow(await instance.sample(platform.spec.infrastructure.networkLatency))
            await instance.sleep(nanoseconds: roundTrip.overflow ? .max : roundTrip.partialValue)
            // Record the assignment (and move the order) only if this search still owns it.
            if await platform.database.claimAssignment(order, token: token, rider: best) {
                assigned = await rider.assign(order: order, merchant: merchant)
            }
        }
        if let lease { try? await locks.release(lease) }
        return assigned ? best : nil
    }
}
