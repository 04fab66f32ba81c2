import Resilience
import SimKernel
import World

/// The platform's trace vocabulary: every event kind and outcome it records, interned
/// once per world (``Trace/vocabulary(_:)``), so recording an event is integer work — no
/// string is built or looked up per event. docs/trace.md lists each kind and its fields.
///
/// World-confined: only the world's thread touches it.
final class TraceVocabulary: @unchecked Sendable {
    // Requests and calls.
    /// A call sent over the network: source the callee, a its id, b the call being served
    /// by the sender (0 when none: a customer's app, a chore), detail the call's label
    /// ("create_order", "app.order").
    let call: TraceName
    /// A call or request started on a worker: source the instance, a its id.
    let start: TraceName
    /// A call or request answered: source the instance, a its id, b its latency (ns),
    /// detail the outcome ("ok" or the failure's label).
    let done: TraceName
    /// Refused at the door: source the instance, a the id, detail the reason.
    let rejected: TraceName
    /// Shed when a worker came free after its caller's deadline: source, a the id.
    let expired: TraceName

    // Orders.
    /// An order row inserted: a the order id.
    let orderCreated: TraceName
    /// An order changed state: source the state left, detail the state entered, a the order.
    let orderState: TraceName

    // The database.
    /// A statement finished: source "database", a its duration (ns), b statements active
    /// while it ran, detail "read" or "write".
    let dbStatement: TraceName
    /// A statement lost to the database's crash (it is run again).
    let dbLost: TraceName
    /// A row lock granted: a the row (item), b the wait (ns).
    let rowLock: TraceName
    /// A write or read with a stale fencing token refused: a the row, detail "write" or "read".
    let fenced: TraceName
    /// A connection granted from an instance's pool: source the instance, a the wait (ns),
    /// b the connection.
    let poolGrant: TraceName
    /// No connection in time: source the instance, a the wait, detail "pool_timeout" or "codel".
    let poolRefused: TraceName

    // Locks.
    /// A lock server answered SET NX: source the key, a the owner's client, b the fencing
    /// token (0 when held), detail "granted" or "held".
    let lockSet: TraceName
    /// A lease extended or found lost (expired, taken): source the key, detail "ok"/"lost".
    let lockExtend: TraceName
    /// A release: source the key, detail "ok", or "expired" when the lease was gone.
    let lockRelease: TraceName

    // The broker.
    /// A publish: source the queue, a the message's sequence (0 unless confirmed), detail
    /// "confirmed", "refused" or "unconfirmed".
    let publish: TraceName
    /// A delivery handed to a consumer: source the queue, a the tag, b the message's
    /// sequence, detail "redelivered" for a redelivery.
    let deliver: TraceName
    /// An ack or nack: source the queue, a the tag, b messages settled; a nack's detail
    /// "requeue" or "drop".
    let ack: TraceName
    let nack: TraceName
    /// A message dead-lettered: source the queue, detail the reason.
    let deadLetter: TraceName

    // Payments, retries, limits, dispatch.
    /// A charge answered by the payment gateway: a the order, detail the outcome.
    let charge: TraceName
    /// A refund answered by the payment gateway: a the order, detail the outcome.
    let refund: TraceName
    /// A call that never gets an answer from an external dependency: a the call id.
    let hang: TraceName
    /// A retry scheduled: source the link "instance->callee" (or "app", the customers'
    /// app), a the attempt that failed, b the delay (ns), detail the failure.
    let retry: TraceName
    /// Retries given up: source the link, a the attempts made, detail why.
    let retryGaveUp: TraceName
    /// A breaker refused an attempt: source the link.
    let breakerRejected: TraceName
    /// A gateway route's limiter refused a request: source the gateway instance, detail the route.
    let limited: TraceName
    /// A rider assigned to an order: source the dispatch instance, a the order, b the rider.
    let assigned: TraceName
    /// A dispatch search found no rider: source the dispatch instance, a the order.
    let noRider: TraceName

    /// The customers' app, as the source of its retries.
    let app: TraceName

    // Outcomes.
    let ok: TraceName
    let failures: [TraceName]
    let read, write: TraceName
    let granted, held, lost, expiredLease: TraceName
    let confirmed, refused, unconfirmed: TraceName
    let nackRequeue, nackDrop, redelivered: TraceName
    let budgetExhausted, deadlineWouldPass, notRetryable, attemptsExhausted: TraceName
    private let deadLetterReasons: [TraceName]
    private let callLabels: [TraceName]
    private let appRoutes: [TraceName]
    private let states: [TraceName]
    private let cancelled: [TraceName]
    private let failed: [TraceName]

    init(_ trace: Trace) {
        func n(_ text: String) -> TraceName { trace.name(text) }
        call = n("call"); start = n("start"); done = n("done"); rejected = n("rejected"); expired = n("expired")
        orderCreated = n("order.created"); orderState = n("order.state")
        dbStatement = n("db.statement"); dbLost = n("db.lost"); rowLock = n("db.row_lock"); fenced = n("db.fenced")
        poolGrant = n("pool.grant"); poolRefused = n("pool.refused")
        lockSet = n("lock.set"); lockExtend = n("lock.extend"); lockRelease = n("lock.release")
        publish = n("broker.publish"); deliver = n("broker.deliver"); ack = n("broker.ack"); nack = n("broker.nack")
        deadLetter = n("broker.dead_letter")
        charge = n("payment.charge"); refund = n("payment.refund"); hang = n("dependency.hang")
        retry = n("retry"); retryGaveUp = n("retry.gave_up"); breakerRejected = n("breaker.rejected")
        limited = n("limiter.rejected"); assigned = n("dispatch.assigned"); noRider = n("dispatch.no_rider")
        app = n("app")
        ok = n("ok")
        failures = Failure.all.map { n($0.label) }
        read = n("read"); write = n("write")
        granted = n("granted"); held = n("held"); lost = n("lost"); expiredLease = n("expired")
        confirmed = n("confirmed"); refused = n("refused"); unconfirmed = n("unconfirmed")
        nackRequeue = n("requeue"); nackDrop = n("drop"); redelivered = n("redelivered")
        budgetExhausted = n("budget_exhausted"); deadlineWouldPass = n("deadline_would_pass")
        notRetryable = n("not_retryable"); attemptsExhausted = n("attempts_exhausted")
        deadLetterReasons = DeadLetterReason.allCases.map { n($0.rawValue) }
        callLabels = ["work", "login", "verify", "product", "create_order", "order_status", "cancel_order", "order_event",
                      "deduct", "restock", "charge", "refund", "gateway_charge", "dispatch"].map(n)
        appRoutes = GatewayRoute.allCases.map { n("app.\($0.rawValue)") }
        states = [OrderState.created, .reserved, .paymentPending, .paid, .accepted, .ready, .assigned,
                  .readyAndAssigned, .pickedUp, .delivered].map { n($0.label) }
        cancelled = OrderState.CancelReason.allCases.map { n(OrderState.cancelled($0).label) }
        failed = OrderState.FailReason.allCases.map { n(OrderState.failed($0).label) }
    }

    /// The outcome name of a failure.
    func outcome(_ failure: Failure) -> TraceName { failures[failure.index] }

    /// The outcome name of a result: "ok" or the failure's label.
    func outcome<T>(_ result: Result<T, Failure>) -> TraceName {
        switch result {
        case .success: return ok
        case .failure(let failure): return failures[failure.index]
        }
    }

    /// The name of a call's label (``Call/label``), without building the label.
    func label(_ call: Call) -> TraceName {
        switch call {
        case .work: return callLabels[0]
        case .app(let request): return appRoutes[GatewayRoute.allCases.firstIndex(of: request.route)!]
        case .login: return callLabels[1]
        case .verify: return callLabels[2]
        case .product: return callLabels[3]
        case .createOrder: return callLabels[4]
        case .orderStatus: return callLabels[5]
        case .cancelOrder: return callLabels[6]
        case .orderEvent: return callLabels[7]
        case .deduct: return callLabels[8]
        case .restock: return callLabels[9]
        case .charge: return callLabels[10]
        case .refund: return callLabels[11]
        case .gatewayCharge: return callLabels[12]
        case .dispatch: return callLabels[13]
        }
    }

    /// The name of a dead-lettering reason.
    func reason(_ reason: DeadLetterReason) -> TraceName {
        deadLetterReasons[DeadLetterReason.allCases.firstIndex(of: reason)!]
    }

    /// The name of an order state (its metric label: "paid", "cancelled.customer").
    func state(_ state: OrderState) -> TraceName {
        switch state {
        case .created: return states[0]
        case .reserved: return states[1]
        case .paymentPending: return states[2]
        case .paid: return states[3]
        case .accepted: return states[4]
        case .ready: return states[5]
        case .assigned: return states[6]
        case .readyAndAssigned: return states[7]
        case .pickedUp: return states[8]
        case .delivered: return states[9]
        case .cancelled(let reason): return cancelled[OrderState.CancelReason.allCases.firstIndex(of: reason)!]
        case .failed(let reason): return failed[OrderState.FailReason.allCases.firstIndex(of: reason)!]
        }
    }
}

extension Simulation {
    /// The platform's trace vocabulary (interned on first use; hold it, do not look it up
    /// per event).
    var traceNames: TraceVocabulary { trace.vocabulary(TraceVocabulary.init) }
}
