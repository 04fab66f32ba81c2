import Resilience
import SimKernel
import World

/// The inventory service: stock per item, deducted under a distributed lock (with or
/// without fencing), Redlock over several lock servers, a database row lock, or nothing —
/// and idempotently per order, or not (the incident's missing check).
///
/// With fencing, the stock row is a ``FencedResource`` at the database: the read and the
/// write of a deduction both present the lock's token, so a holder whose lock ran out
/// while it was paused can neither write nor base a write on a stale read.
///
/// The deduction is check-then-act (read the stock, check it, write `units - q`), which is
/// exactly what a lock must protect: without one, or with a lock that expired while its
/// holder was paused and no fencing token to stop the late write, two deductions of the
/// last unit both pass the check and the stock goes below zero (oversell). With
/// `guarded_deduction` the write repeats the check in the database (`... AND units >= q`),
/// which refuses such a late write whatever the lock did.
final class InventoryLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: InventoryOptions
    private let locks: ServiceLock

    /// Items in the catalog (ids 0..<catalogItems exist).
    private let catalogItems: Int
    /// Every figure below, declared when the world is built (``LogicFigures``).
    static let figures = LogicFigures(
        counters: ["restocked", "deducted", "lock_lost_while_held", "duplicate_deductions_absorbed", "out_of_stock",
                   "double_deductions", "guard_refused"],
        waitsForLocks: true)
    /// Units restocked and deducted; locks lost while held; repeated deductions absorbed;
    /// deductions refused for want of stock; waits for the item's lock (each made on
    /// first use).
    private lazy var restocked = logicMetrics.counter("restocked")
    private lazy var deducted = logicMetrics.counter("deducted")
    private lazy var lockLostWhileHeld = logicMetrics.counter("lock_lost_while_held")
    private lazy var duplicateDeductionsAbsorbed = logicMetrics.counter("duplicate_deductions_absorbed")
    private lazy var outOfStock = logicMetrics.counter("out_of_stock")
    private lazy var lockWait = logicMetrics.lockWait()
    /// Repeated deductions of one order that took stock again (made at init: "none" is 0).
    private lazy var doubleDeductions = logicMetrics.counter("double_deductions")
    /// Deductions the database's own stock check refused (made on first use).
    private lazy var guardRefused = logicMetrics.counter("guard_refused")

    init(instance: ServiceInstance, options: InventoryOptions, environment: LogicEnvironment, lockServers: LockServers,
         catalogItems: Int) {
        self.options = options
        self.catalogItems = catalogItems
        // A paused process neither sends lock commands nor acts on their replies: a GC
        // stop freezes its lock waiters too (only the holders it stopped keep a lock).
        locks = ServiceLock(locks: lockServers, instance: instance.name, redlock: options.locking == .redlock,
                            ttl: options.lockTTL, maxWait: options.lockWait,
                            initialDelay: options.lockBackoff, maxDelay: options.lockBackoffCap,
                            pauseGate: { [unowned(unsafe) instance] in if instance.isPausedNow { await instance.checkpoint() } })
        super.init(instance: instance, environment: environment)
        // Registered so that "none" reads as 0 (a world without the idempotency check can
        // assert on it either way).
        _ = doubleDeductions
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        switch call {
        case .deduct(let order, let item, let quantity):
            return await deduct(order: order, item: item, quantity: quantity)
        case .restock(let order, let item, _):
            let done = await withDatabase { database in
                await database.execute(.write)
                return await database.restock(item, order: order)
            }
            if case .success(let quantity) = done, quantity > 0 { restocked.add(Int64(quantity)) }
            return done.map { _ in .ok }
        default:
            await misrouted(call, from: caller)
        }
    }

    private func deduct(order: Int64, item: Int, quantity: Int) async -> Result<Reply, Failure> {
        guard item >= 0, item < catalogItems else { return .failure(.refused(.notFound)) }
        switch options.locking {
        case .distributed, .redlock:
            let started = now
            let lease: ServiceLock.Held
            do {
                lease = try await locks.acquire("stock:\(item)")
            } catch {
                lockWait.record(now - started)
                return reject(.refused(.lockUnavailable))
            }
            lockWait.record(now - started)
            let token = options.fencing ? lease.fencingToken?.value : nil
            let result = await checkAndDeduct(order: order, item: item, quantity: quantity, token: token)
            if !lease.isHeld { lockLostWhileHeld.add() }
            await locks.release(lease)
            return result
        case .row:
            let result = await withDatabase { [self] database -> Result<Reply, Failure> in
                await database.lockRow(item)
                let result = await deductHoldingConnection(database, order: order, item: item, quantity: quantity, token: nil)
                await database.unlockRow(item)
                return result
            }
            return result.flatMap { $0 }
        case .none:
            return await checkAndDeduct(order: order, item: item, quantity: quantity, token: nil)
        }
    }

    private func checkAndDeduct(order: Int64, item: Int, quantity: Int, token: UInt64?) async -> Result<Reply, Failure> {
        let result = await withDatabase { [self] database in
            await deductHoldingConnection(database, order: order, item: item, quantity: quantity, token: token)
        }
        return result.flatMap { $0 }
    }

    /// Read, check, write — on one connection.
    private func deductHoldingConnection(_ database: Database, order: Int64, item: Int, quantity: Int, token: UInt64?) async -> Result<Reply, Failure> {
        if options.idempotency, await database.deducted(for: order) != nil {
            duplicateDeductionsAbsorbed.add()
            return .success(.ok)
        }
        // SELECT sees the row as of the statement's start; the answer arrives when the
        // statement ends.
        let read: Int?
        if let token { read = await database.stockLevel(item, token: token) } else { read = await database.stockLevel(item) }
        await database.execute(.read)
        guard let units = read else { return .failure(.refused(.lockUnavailable)) }
        // A GC pause here is where a lock holder loses its lock without knowing it.
        await instance.checkpoint()
        guard units >= quantity else {
            outOfStock.add()
            return .failure(.refused(.outOfStock))
        }
        await database.execute(.write)
        let write = await database.decrement(item, by: quantity, order: order, token: token, guarded: options.guardedDeduction)
        switch write.outcome {
        case .applied:
            deducted.add(Int64(quantity))
            // Without the idempotency check, a retry of a deduction whose first attempt the
            // caller gave up on (and this service finished anyway) takes the stock again.
            if write.repeated { doubleDeductions.add() }
            return .success(.ok)
        case .staleToken:
            return .failure(.refused(.lockUnavailable))
        case .insufficient:
            // The check above passed on a read the stock has moved past (a lock lost
            // while paused): the database's own check is the last line.
            guardRefused.add()
            outOfStock.add()
            return .failure(.refused(.outOfStock))
        }
    }
}
