import Resilience
import SimKernel
import World

/// The dispatch service: finds a rider for an order within its timeout
/// (context.WithTimeout(30 s) in the documents), taking a lock per rider so that two
/// dispatchers never give one rider more orders than it carries.
final class DispatchLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: DispatchOptions
    private let locks: ServiceLock

    /// The riders, and their free places (dispatch's least-loaded pick, ties round robin).
    private let riders: [Rider]
    private let roster: RiderRoster
    /// One network leg to a rider's app.
    private let networkLatency: Distribution
    /// Every figure below, declared when the world is built (``LogicFigures``).
    static let figures = LogicFigures(counters: ["duplicates_absorbed", "search_in_progress", "assigned", "no_rider"],
                                      waitsForLocks: true)
    /// Repeated asks answered with the rider already assigned; asks while a search ran;
    /// riders assigned; searches that found none; waits for a rider's lock (each made on
    /// first use).
    private lazy var duplicatesAbsorbed = logicMetrics.counter("duplicates_absorbed")
    private lazy var searchInProgress = logicMetrics.counter("search_in_progress")
    private lazy var assigned = logicMetrics.counter("assigned")
    private lazy var noRider = logicMetrics.counter("no_rider")
    private lazy var lockWait = logicMetrics.lockWait()

    init(instance: ServiceInstance, options: DispatchOptions, environment: LogicEnvironment, lockServers: LockServers,
         riders: [Rider], roster: RiderRoster, networkLatency: Distribution) {
        self.options = options
        self.riders = riders
        self.roster = roster
        self.networkLatency = networkLatency
        locks = ServiceLock(locks: lockServers, instance: instance.name, redlock: options.locking == .redlock,
                            ttl: options.lockTTL, maxWait: options.lockWait,
                            initialDelay: options.lockBackoff, maxDelay: options.lockBackoffCap)
        super.init(instance: instance, environment: environment)
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .dispatch(let order, let merchant) = call else { return .failure(.error) }
        // Every read and write of dispatch's table is a statement on a pooled connection,
        // taken for that statement only (a search sleeps between tries: it holds none).
        // Idempotent per order: a caller that retried after its timeout (while an earlier
        // search went on) gets the rider already assigned, and two searches for one order
        // never run at once — otherwise both could give it a rider.
        switch await withConnection({ await $0.assignedRider(order) }) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let rider?):
            duplicatesAbsorbed.add()
            return .success(.rider(rider))
        case .success(nil):
            break
        }
        let deadline = now &+ options.timeout.nanoseconds
        let lease = deadline &+ options.lockTTL.nanoseconds
        let claim = await withConnection { await $0.claimSearch(order, until: lease) }
        guard case .success(let claimed) = claim else { return .failure(claim.failure!) }
        guard let token = claimed else {
            searchInProgress.add()
            return .failure(.refused(.noRider))
        }
        // Without a connection the search goes on: the claim checks the order's end.
        while now < deadline, !Task.isCancelled, await withConnection({ await $0.hasEnded(order) }) != .success(true) {
            if let rider = await assign(order: order, merchant: merchant, token: token) {
                await endSearch(order, token: token)
                assigned.add()
                sim.trace.record(instance.traceNames.assigned, instance.traceSource, order, Int64(rider))
                return .success(.rider(rider))
            }
            // Another search (after this one's lease ran out) may have found one.
            if case .success(let rider?) = await withConnection({ await $0.assignedRider(order) }) {
                await endSearch(order, token: token)
                return .success(.rider(rider))
            }
            await instance.sleep(nanoseconds: min(options.retryInterval.nanoseconds, max(1, deadline - now)))
        }
        await endSearch(order, token: token)
        noRider.add()
        sim.trace.record(instance.traceNames.noRider, instance.traceSource, order)
        return .failure(.refused(.noRider))
    }

    /// Ends the search's claim (without a connection, its lease runs out instead).
    private func endSearch(_ order: Int64, token: Int64) async {
        _ = await withConnection { await $0.endSearch(order, token: token) }
    }

    /// Picks a least-loaded available rider (ties round robin) and assigns the order under
    /// its lock.
    private func assign(order: Int64, merchant: Int, token: Int64) async -> Int? {
        // The roster holds each rider's free places as the rider last changed them: the
        // same pick as asking every rider (most places free, ties round robin), in O(log n).
        guard let best = roster.pick() else { return nil }
        let rider = riders[best]
        var lease: ServiceLock.Held?
        if options.riderLock {
            let started = now
            lease = try? await locks.acquire("rider:\(best)")
            lockWait.record(now - started)
            guard lease != nil else { return nil }
        }
        // Read the rider's load again under the lock, then assign (a round trip to its app).
        let capacity = rider.isolatedOnWorldThread((), { rider, _ in rider.availableCapacity })
        var assigned = false
        if capacity > 0 {
            // The rider's app answers: a round trip on the network.
            let roundTrip = await instance.sample(networkLatency)
                .addingReportingOverflow(await instance.sample(networkLatency))
            await instance.sleep(nanoseconds: roundTrip.overflow ? .max : roundTrip.partialValue)
            // Record the assignment (and move the order) only if this search still owns it.
            // (one write statement on a pooled connection; none free: not assigned this time).
            if case .success(true) = await withConnection({ await $0.claimAssignment(order, token: token, rider: best) }) {
                assigned = await rider.assign(order: order, merchant: merchant)
            }
        }
        if let lease { await locks.release(lease) }
        return assigned ? best : nil
    }
}
