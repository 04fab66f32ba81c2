/// The life of an order, as a pure state machine: every transition the platform may make,
/// and nothing else.
///
/// ```
/// created → reserved → paid → accepted → (ready) → assigned → picked_up → delivered
///        ↘ payment_pending ↗
/// any non-final state → cancelled(reason) | failed(reason)
/// ```
/// `ready` and `assigned` may come in either order (the kitchen and dispatch work in
/// parallel), and a rider's reports may overtake the merchant's; terminal states never
/// change.
public enum OrderState: Sendable, Equatable, Hashable {
    case created
    case reserved
    case paymentPending
    case paid
    case accepted
    case ready
    case assigned
    case readyAndAssigned
    case pickedUp
    case delivered
    case cancelled(CancelReason)
    case failed(FailReason)

    /// Why an order was cancelled.
    public enum CancelReason: String, Sendable, Equatable, Hashable, CaseIterable {
        case customer
        case merchantRefused = "merchant_refused"
    }

    /// Why an order failed.
    public enum FailReason: String, Sendable, Equatable, Hashable, CaseIterable {
        case outOfStock = "out_of_stock"
        case inventory
        case payment
        case paymentTimeout = "payment_timeout"
        case internalError = "internal"
    }

    /// Whether the order has reached an end.
    public var isTerminal: Bool {
        switch self {
        case .delivered, .cancelled, .failed: return true
        default: return false
        }
    }

    /// The name used in metrics (`orders.state.<name>`).
    public var label: String {
        switch self {
        case .created: return "created"
        case .reserved: return "reserved"
        case .paymentPending: return "payment_pending"
        case .paid: return "paid"
        case .accepted: return "accepted"
        case .ready: return "ready"
        case .assigned: return "assigned"
        case .readyAndAssigned: return "ready_assigned"
        case .pickedUp: return "picked_up"
        case .delivered: return "delivered"
        case .cancelled(let reason): return "cancelled.\(reason.rawValue)"
        case .failed(let reason): return "failed.\(reason.rawValue)"
        }
    }

    /// Whether stock was taken and must be given back if the order ends early.
    public var holdsStock: Bool {
        switch self {
        case .reserved, .paymentPending, .paid, .accepted, .ready, .assigned, .readyAndAssigned: return true
        default: return false
        }
    }

    /// Whether the customer was charged (and must be refunded if the order ends early).
    public var isCharged: Bool {
        switch self {
        case .paid, .accepted, .ready, .assigned, .readyAndAssigned, .pickedUp, .delivered: return true
        default: return false
        }
    }

    /// Whether a rider has the order (assigned, or on the way with it).
    public var hasRider: Bool {
        self == .assigned || self == .readyAndAssigned || self == .pickedUp
    }

    /// Whether the customer may still cancel (not once a rider picked it up).
    public var isCancellable: Bool {
        !isTerminal && self != .pickedUp
    }

    /// The state after `event`, or nil when the transition is illegal.
    public func next(_ event: Transition) -> OrderState? {
        if isTerminal { return nil }
        switch (self, event) {
        case (.created, .reserved): return .reserved
        case (.reserved, .paymentStarted): return .paymentPending
        case (.reserved, .paid), (.paymentPending, .paid): return .paid
        case (.paid, .accepted): return .accepted
        case (.accepted, .ready): return .ready
        case (.accepted, .assigned): return .assigned
        case (.ready, .assigned), (.assigned, .ready): return .readyAndAssigned
        // Reports race each other over the network: a rider's "picked up" can overtake the
        // merchant's "ready" (the food was handed over, so it was ready), and "delivered"
        // can arrive when "picked up" was lost. Both are accepted from any state in which
        // a rider holds the order; the late report is then ignored.
        case (.assigned, .pickedUp), (.readyAndAssigned, .pickedUp): return .pickedUp
        case (.assigned, .delivered), (.readyAndAssigned, .delivered), (.pickedUp, .delivered): return .delivered
        case (_, .cancel(let reason)) where isCancellable: return .cancelled(reason)
        case (_, .fail(let reason)) where self != .pickedUp: return .failed(reason)
        default: return nil
        }
    }

    /// What can happen to an order.
    public enum Transition: Sendable, Equatable {
        case reserved, paymentStarted, paid, accepted, ready, assigned, pickedUp, delivered
        case cancel(CancelReason)
        case fail(FailReason)
    }
}
