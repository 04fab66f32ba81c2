import SimKernel
import World

/// The platform's observer of orders, for metrics and invariant checks: told by the
/// database of every order created or moved (in the statement that does it), it counts
/// orders by state, the open ones, delivery times, intake keys and riders per order.
///
/// It keeps no copy of any order's state: the orders table (``OrdersTable``) is the one
/// source of truth, and the checks read it there.
///
/// World-confined: only the world's thread touches it.
final class OrderBook: @unchecked Sendable {
    private let metrics: PlatformMetrics
    private let open: GaugeMetric
    /// Orders accepted by queued intake, by idempotency key, until they are created.
    private(set) var intakeAccepted: Set<Int64> = []
    private(set) var intakeCreated: Set<Int64> = []
    /// Riders each order was given to (more than one is a double assignment).
    private var riders: [Int64: Int] = [:]
    private var sim: Simulation { metrics.sim }

    init(metrics: PlatformMetrics) {
        self.metrics = metrics
        open = metrics.gauge("orders.open")
    }

    /// An order was inserted.
    func created(_ record: OrderRecord) {
        intakeCreated.insert(record.request.key)
        metrics.count("orders.created")
        open.add(1)
    }

    /// An order moved from `previous` to `record.state`.
    func changed(_ record: OrderRecord, from previous: OrderState) {
        metrics.count("orders.\(record.state.label)")
        guard record.state.isTerminal else { return }
        open.add(-1)
        switch record.state {
        case .delivered:
            metrics.count("orders.completed")
            metrics.record("orders.delivery_time", sim.executor.now - record.createdAt)
        case .cancelled: metrics.count("orders.cancelled")
        case .failed: metrics.count("orders.failed")
        default: break
        }
    }

    /// A rider took `order` (dispatch assigned it).
    func assignedRider(to order: Int64) {
        riders[order, default: 0] += 1
        if riders[order] == 2 { metrics.count("invariants.double_assignments") }
    }

    /// The gateway accepted an order for queued intake.
    func acceptedForIntake(_ key: Int64) { intakeAccepted.insert(key) }
}

extension PlatformMetrics {
    var sim: Simulation { simulation }
}
