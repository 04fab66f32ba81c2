import SimKernel
import World

/// The platform's observer of orders, for metrics and invariant checks: told by the
/// database of every order created or moved (in the statement that does it), it counts
/// orders by state, the open ones, delivery times, waits for a rider and riders per
/// order, and keeps the keys the gateway accepted for queued intake (the gateway's word,
/// which no table holds).
///
/// It keeps no copy of any order or its state: the orders table (``OrdersTable``) is the
/// one source of truth, and the checks read it there (an accepted key is created when the
/// table knows it).
///
/// World-confined: only the world's thread touches it.
final class OrderBook: @unchecked Sendable {
    private let metrics: PlatformMetrics
    private let open: GaugeMetric
    /// Orders accepted by queued intake, by idempotency key.
    private(set) var intakeAccepted: Set<Int64> = []
    /// Riders each order was given to (more than one is a double assignment).
    private var riders = OrderColumn<Int>()
    /// When each order now waiting for a rider was accepted by its merchant.
    private var awaitingRiderSince = OrderColumn<Int64>()
    private var sim: Simulation { metrics.sim }
    private let traceNames: TraceVocabulary
    /// Orders entering each state (`orders.<state>`: `orders.paid`,
    /// `orders.failed.out_of_stock`), each made on first use; looked up by state, never by
    /// a name built per transition.
    private var entered: [OrderState: CounterMetric] = [:]
    /// Orders created; ended delivered, cancelled, failed; time from creation to delivery
    /// (each made on first use).
    private lazy var createdCount = counter("created")
    private lazy var completed = counter("completed")
    private lazy var cancelled = counter("cancelled")
    private lazy var failed = counter("failed")
    /// Time from a merchant's acceptance to a rider's assignment (made on first use).
    private lazy var riderWait = metrics.metrics.histogram(
        "orders.rider_wait", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: "orders", figure: "rider_wait"))
    private lazy var deliveryTime = metrics.metrics.histogram(
        "orders.delivery_time", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: "orders", figure: "delivery_time"))

    init(metrics: PlatformMetrics) {
        self.metrics = metrics
        traceNames = metrics.simulation.traceNames
        open = metrics.gauge("orders.open")
    }

    /// An order was inserted.
    func created(_ record: OrderRecord) {
        createdCount.add()
        sim.trace.record(traceNames.orderCreated, traceNames.state(.created), record.id)
        open.add(1)
    }

    /// An order moved from `previous` to `record.state`.
    func changed(_ record: OrderRecord, from previous: OrderState) {
        enteredCounter(record.state).add()
        sim.trace.record(traceNames.orderState, traceNames.state(previous), record.id, detail: traceNames.state(record.state))
        switch record.state {
        case .accepted:
            awaitingRiderSince[record.id] = sim.executor.now
        case .assigned, .readyAndAssigned:
            // The time the order waited for a rider: from its merchant's acceptance (when
            // the order service starts asking dispatch) to the assignment.
            if let since = awaitingRiderSince.removeValue(forKey: record.id) {
                riderWait.record(sim.executor.now - since)
            }
        default:
            break
        }
        guard record.state.isTerminal else { return }
        awaitingRiderSince[record.id] = nil
        open.add(-1)
        switch record.state {
        case .delivered:
            completed.add()
            deliveryTime.record(sim.executor.now - record.createdAt)
        case .cancelled: cancelled.add()
        case .failed: failed.add()
        default: break
        }
    }

    /// A rider took `order` (dispatch assigned it).
    func assignedRider(to order: Int64) {
        riders[order, default: 0] += 1
        if riders[order] == 2 { metrics.count("invariants.double_assignments") }
    }

    /// The counter of orders entering `state`.
    private func enteredCounter(_ state: OrderState) -> CounterMetric {
        if let counter = entered[state] { return counter }
        let figure: String
        let reason: String?
        switch state {
        case .cancelled(let why): (figure, reason) = ("cancelled", why.rawValue)
        case .failed(let why): (figure, reason) = ("failed", why.rawValue)
        default: (figure, reason) = (state.label, nil)
        }
        let counter = metrics.metrics.counter("orders.\(state.label)",
                                              describedAs: MetricDescriptor(.counter, unit: .count, service: "orders", figure: figure,
                                                                            reason: reason))
        entered[state] = counter
        return counter
    }

    /// The counter `orders.<figure>`, described.
    private func counter(_ figure: String) -> CounterMetric {
        metrics.metrics.counter("orders.\(figure)", describedAs: MetricDescriptor(.counter, unit: .count, service: "orders", figure: figure))
    }

    /// The gateway accepted an order for queued intake.
    func acceptedForIntake(_ key: Int64) { intakeAccepted.insert(key) }
}

extension PlatformMetrics {
    var sim: Simulation { simulation }
}

extension OrderBook {
    /// Declares every metric the book records (`orders.<state>`, the ends, the waits; see
    /// ``MetricVocabulary``): made on first use, during the run. Makes no metric.
    static func declare(in metrics: Metrics) {
        let states: [OrderState] = [.reserved, .paymentPending, .paid, .accepted, .ready, .assigned, .readyAndAssigned, .pickedUp,
                                    .delivered]
        for figure in ["created", "completed", "cancelled", "failed"] + states.map(\.label) {
            metrics.declare(.counter, "orders.\(figure)")
        }
        metrics.declare(.counter, "orders.cancelled", reasons: OrderState.CancelReason.allCases.map(\.rawValue))
        metrics.declare(.counter, "orders.failed", reasons: OrderState.FailReason.allCases.map(\.rawValue))
        for figure in ["rider_wait", "delivery_time"] { metrics.declare(.histogram, "orders.\(figure)") }
        metrics.declare(.counter, "invariants.double_assignments")
    }
}
