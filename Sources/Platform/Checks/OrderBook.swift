import SimKernel
import World

/// The platform's observer of orders, for metrics and invariant checks: told by the
/// database of every order created or moved (in the statement that does it), it counts
/// orders by state, the open ones, delivery times, waits for a rider, intake keys and
/// riders per order.
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
    /// When each order now waiting for a rider was accepted by its merchant.
    private var awaitingRiderSince: [Int64: Int64] = [:]
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
        switch record.state {
        case .accepted:
            awaitingRiderSince[record.id] = sim.executor.now
        case .assigned, .readyAndAssigned:
            // The time the order waited for a rider: from its merchant's acceptance (when
            // the order service starts asking dispatch) to the assignment.
            if let since = awaitingRiderSince.removeValue(forKey: record.id) {
                metrics.record("orders.rider_wait", sim.executor.now - since)
            }
        default:
            break
        }
        guard record.state.isTerminal else { return }
        awaitingRiderSince[record.id] = nil
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
