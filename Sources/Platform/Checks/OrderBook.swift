import SimKernel
import World

/// The platform's record of orders for metrics and invariant checks: counts by state as
/// orders move, and which orders reached an end.
///
/// World-confined: only the world's thread touches it.
final class OrderBook: @unchecked Sendable {
    private let metrics: PlatformMetrics
    /// Current state of every order created.
    private(set) var states: [Int64: OrderState] = [:]
    /// Orders accepted by queued intake, by idempotency key, until they are created.
    private(set) var intakeAccepted: Set<Int64> = []
    private(set) var intakeCreated: Set<Int64> = []
    /// Riders each order was given to (more than one is a double assignment).
    private var riders: [Int64: Int] = [:]
    /// When each order was created (virtual ns), for end-to-end latency.
    private var createdAt: [Int64: Int64] = [:]
    private var sim: Simulation { metrics.sim }

    init(metrics: PlatformMetrics) { self.metrics = metrics }

    func created(_ record: OrderRecord) {
        states[record.id] = record.state
        createdAt[record.id] = record.createdAt
        intakeCreated.insert(record.request.key)
        metrics.count("orders.created")
        metrics.gauge("orders.open").add(1)
    }

    func changed(_ record: OrderRecord, from previous: OrderState) {
        states[record.id] = record.state
        metrics.count("orders.\(record.state.label)")
        if record.state.isTerminal {
            metrics.gauge("orders.open").add(-1)
            switch record.state {
            case .delivered:
                metrics.count("orders.completed")
                if let start = createdAt[record.id] { metrics.record("orders.delivery_time", sim.executor.now - start) }
            case .cancelled: metrics.count("orders.cancelled")
            case .failed: metrics.count("orders.failed")
            default: break
            }
        }
    }

    /// A rider took `order` (dispatch assigned it).
    func assignedRider(to order: Int64) {
        riders[order, default: 0] += 1
        if riders[order] == 2 { metrics.count("invariants.double_assignments") }
    }

    /// The gateway accepted an order for queued intake.
    func acceptedForIntake(_ key: Int64) { intakeAccepted.insert(key) }

    /// Orders not in a terminal state.
    var open: [Int64] { states.keys.sorted().filter { !states[$0]!.isTerminal } }
}

extension PlatformMetrics {
    var sim: Simulation { simulation }
}
