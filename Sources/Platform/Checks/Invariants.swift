import Resilience
import SimKernel
import World

/// The platform's invariants, checked when a run ends. Each is a count of violations
/// (written to the metrics as `invariants.<name>`, so expectations can assert on them):
///
/// - `oversold`: units sold beyond an item's stock (stock below zero);
/// - `double_charges`: orders the payment gateway charged more than once;
/// - `unrefunded_charges`: orders that ended without a delivery (cancelled, failed — a
///   payment timeout included) while the gateway still holds a charge for them;
/// - `orders_lost`: orders the gateway accepted for queued intake that were never created
///   and are not still in the broker;
/// - `messages_lost`: broker queues whose messages do not add up (published ≠ acked +
///   dead-lettered + ready + unacked);
/// - `rider_over_capacity`: assignments that put a rider above its capacity;
/// - `double_assignments`: orders given to more than one rider;
/// - `orders_in_flight`: orders not in a terminal state at the end (not a violation when
///   the run was cut by its duration, but reported).
public struct InvariantReport: Sendable, Equatable {
    /// Units sold beyond an item's stock (`oversold`).
    public var oversold = 0
    /// Orders charged more than once (`double_charges`).
    public var doubleCharges = 0
    /// Orders ended without a delivery that are still charged (`unrefunded_charges`).
    public var unrefundedCharges = 0
    /// Orders accepted for queued intake, never created, not in the broker (`orders_lost`).
    public var ordersLost = 0
    /// Broker queues whose messages do not add up (`messages_lost`).
    public var messagesLost = 0
    /// Assignments above a rider's capacity (`rider_over_capacity`).
    public var riderOverCapacity = 0
    /// Orders given to more than one rider (`double_assignments`).
    public var doubleAssignments = 0
    /// Orders not in a terminal state at the end (`orders_in_flight`): reported, not a violation.
    public var ordersInFlight = 0

    /// Violations by name (in-flight orders are not a violation).
    public var violations: [(name: String, count: Int)] {
        [("oversold", oversold), ("double_charges", doubleCharges), ("unrefunded_charges", unrefundedCharges),
         ("orders_lost", ordersLost),
         ("messages_lost", messagesLost), ("rider_over_capacity", riderOverCapacity),
         ("double_assignments", doubleAssignments)]
    }
}

/// The audit behind ``InvariantReport``: it runs as a task inside the finished world,
/// because the tables, the broker and the gateway's charges are actors of that world.
enum InvariantCheck {
    /// Checks the platform's state at the end of a run (from inside the world).
    static func run(_ platform: PlatformContext) async -> InvariantReport {
        var report = InvariantReport()
        guard platform.spec.hasPlatform else { return report }
        let database = platform.infrastructure.database
        // The tables as the run left them (read outside the model, at no cost).
        let accepted = platform.orders.intakeAccepted
        let (stock, states, inFlight, neverCreated) = await database.audit { tables in
            (tables.stock.units, tables.orders.all.map(\.state), tables.orders.all.count { !$0.state.isTerminal },
             // Accepted for queued intake and not in the orders table (a count: the set's order does not matter).
             accepted.count { tables.orders.order(forKey: $0) == nil })
        }
        report.oversold = stock.reduce(0) { $0 + max(0, -$1) }
        if let gateway = platform.infrastructure.dependencies["payment_gateway"] {
            let charges = await gateway.charges
            report.doubleCharges = charges.entries.reduce(0) { $0 + max(0, $1.value - 1) }
            let refunds = await gateway.refunds
            report.unrefundedCharges = charges.entries.reduce(0) { count, charge in
                // `states` holds order id i at index i − 1 (a charge for an order the table
                // never had counts as no order's).
                guard charge.order >= 1, charge.order <= states.count else { return count }
                let state = states[Int(charge.order - 1)]
                guard state.isTerminal, state != .delivered else { return count }
                return count + (charge.value > (refunds[charge.order] ?? 0) ? 1 : 0)
            }
        }
        let stats = await platform.infrastructure.broker.statistics()
        report.messagesLost = stats.filter { !$0.statistics.isConserved }.count
        let intake = stats.first { $0.name == "orders.intake" }?.statistics
        let stillQueued = (intake?.ready ?? 0) + (intake?.unacked ?? 0)
        // Intake dead-lettered at the delivery limit (poison messages no consumer could
        // process) is not lost: it waits in the dead-letter queue for an operator. Orders
        // dropped by a length limit or a TTL are lost: nobody ever tried them.
        let deadLettered = intake?.deadLettered.deliveryLimit ?? 0
        report.ordersLost = max(0, neverCreated - stillQueued - deadLettered)
        report.riderOverCapacity = Int(platform.metrics.counter("invariants.rider_over_capacity").total)
        // Counted as they happen (OrderBook.assignedRider).
        report.doubleAssignments = Int(platform.metrics.counter("invariants.double_assignments").total)
        report.ordersInFlight = inFlight
        let metrics = platform.metrics
        metrics.counter("invariants.oversold").add(Int64(report.oversold))
        // double_charges, rider_over_capacity and double_assignments are counted as they
        // happen; registered here so that "none" is reported as 0.
        _ = metrics.counter("invariants.rider_over_capacity")
        _ = metrics.counter("invariants.double_assignments")
        metrics.counter("invariants.double_charges").add(0)
        metrics.counter("invariants.unrefunded_charges").add(Int64(report.unrefundedCharges))
        metrics.counter("invariants.orders_lost").add(Int64(report.ordersLost))
        metrics.counter("invariants.messages_lost").add(Int64(report.messagesLost))
        metrics.counter("orders.in_flight_at_end").add(Int64(report.ordersInFlight))
        // Orders by end, registered so that "none" is reported as 0 too.
        for name in ["orders.created", "orders.completed", "orders.cancelled", "orders.failed"] { _ = metrics.counter(name) }
        return report
    }
}

extension InvariantCheck {
    /// Declares the metrics the check writes when a platform run completes (see
    /// ``MetricVocabulary``). Makes no metric.
    static func declare(in metrics: Metrics) {
        for name in ["oversold", "rider_over_capacity", "double_assignments", "double_charges", "unrefunded_charges",
                     "orders_lost", "messages_lost"] {
            metrics.declare(.counter, "invariants.\(name)")
        }
        for name in ["in_flight_at_end", "created", "completed", "cancelled", "failed"] { metrics.declare(.counter, "orders.\(name)") }
    }
}
