/// Why a call failed, as the caller sees it. The reasons are the rejection reasons the
/// metrics count.
public enum Failure: Error, Sendable, Equatable, Hashable {
    /// A rate limiter refused the request (HTTP 429).
    case limited
    /// The caller's circuit breaker was open.
    case breakerOpen
    /// No database connection within the pool's acquire timeout.
    case poolTimeout
    /// The callee's worker queue was full.
    case queueFull
    /// The callee's queue discipline (CoDel) dropped the request after it waited past
    /// the discipline's limit: the callee is overloaded.
    case shed
    /// The caller's deadline passed before a reply.
    case deadline
    /// No instance of the callee is registered.
    case unavailable
    /// The callee failed (injected errors, external errors).
    case error
    /// The callee refused for a business reason (out of stock, payment declined...).
    case refused(Refusal)

    /// The metric label of this failure.
    public var label: String {
        switch self {
        case .limited: return "limited"
        case .breakerOpen: return "breaker_open"
        case .poolTimeout: return "pool_timeout"
        case .queueFull: return "queue_full"
        case .shed: return "codel"
        case .deadline: return "deadline"
        case .unavailable: return "unavailable"
        case .error: return "error"
        case .refused(let refusal): return refusal.rawValue
        }
    }

    /// Whether a retry may help (business refusals and limits do not).
    var isTransient: Bool {
        switch self {
        case .deadline, .error, .unavailable, .queueFull, .shed, .poolTimeout: return true
        case .limited, .breakerOpen, .refused: return false
        }
    }

    /// Every failure, in a fixed order: the closed set of metric labels.
    static let all: [Failure] = [.limited, .breakerOpen, .poolTimeout, .queueFull, .deadline, .unavailable, .error, .shed]
        + Refusal.allCases.map(Failure.refused)

    /// The labels of ``all``, the reasons a metric counted by failure may carry
    /// (declared with it, see ``MetricVocabulary``).
    static let labels: [String] = all.map(\.label)

    /// This failure's position in ``all``, for tables of per-reason handles.
    var index: Int {
        switch self {
        case .limited: return 0
        case .breakerOpen: return 1
        case .poolTimeout: return 2
        case .queueFull: return 3
        case .deadline: return 4
        case .unavailable: return 5
        case .error: return 6
        case .shed: return 7
        case .refused(let refusal): return 8 + Refusal.allCases.firstIndex(of: refusal)!
        }
    }
}

/// Business refusals.
public enum Refusal: String, Sendable, Equatable, Hashable, CaseIterable {
    case outOfStock = "out_of_stock"
    case paymentDeclined = "payment_declined"
    case notFound = "not_found"
    case invalidToken = "invalid_token"
    case noRider = "no_rider"
    case invalidState = "invalid_state"
    case lockUnavailable = "lock_unavailable"
}

/// A request travelling through a service on the event-driven path: who asked and when.
struct Request: Sendable {
    /// Customer or request number (for the trace).
    var id: Int64
    /// Virtual time the request reached the instance, nanoseconds.
    var arrival: Int64
}

/// A request between actors of the platform.
enum Call: Sendable, Hashable {
    /// Generic work (validation services): do the work, reply `.ok`.
    case work
    /// From the customer's app, through the gateway.
    case app(AppRequest)
    /// Auth: exchange a WeChat login code for a token.
    case login(customer: Int)
    /// Auth: check a token.
    case verify(customer: Int, token: Int64)
    /// Menu: one product.
    case product(item: Int)
    /// Order: create (idempotent by key).
    case createOrder(OrderRequest)
    /// Order: state of an order by its key.
    case orderStatus(key: Int64)
    /// Order: the customer cancels.
    case cancelOrder(key: Int64)
    /// Order: callbacks from payment, merchants and riders.
    case orderEvent(order: Int64, event: OrderEvent)
    /// Inventory: deduct or give back stock for an order.
    case deduct(order: Int64, item: Int, quantity: Int)
    case restock(order: Int64, item: Int, quantity: Int)
    /// Payment: charge (or refund) an order.
    case charge(order: Int64, amount: Int64)
    case refund(order: Int64)
    /// The external payment gateway: charge an order, with its idempotency key or none.
    case gatewayCharge(order: Int64, idempotencyKey: Int64?)
    /// Dispatch: find a rider for an order.
    case dispatch(order: Int64, merchant: Int)
}

/// A request from the customer's app.
enum AppRequest: Sendable, Hashable {
    case login(customer: Int)
    case menu(customer: Int, token: Int64, item: Int)
    case order(customer: Int, token: Int64, OrderRequest)
    case status(customer: Int, token: Int64, key: Int64)
    case cancel(customer: Int, token: Int64, key: Int64)

    var route: GatewayRouteName {
        switch self {
        case .login: return .login
        case .menu: return .menu
        case .order: return .order
        case .status: return .status
        case .cancel: return .cancel
        }
    }
}

/// What a customer orders.
struct OrderRequest: Sendable, Hashable {
    /// Idempotency key chosen by the app (the same on retries).
    var key: Int64
    var customer: Int
    var item: Int
    var quantity: Int
    var merchant: Int
    var amount: Int64
    /// A payload the order service cannot process (a `poison` fault): every attempt to
    /// create the order fails.
    var malformed = false
}

/// Events reported to the order service.
enum OrderEvent: Sendable, Hashable {
    /// A payment result, with the instant the gateway gave it (virtual nanoseconds).
    case paid(success: Bool, chargedAt: Int64)
    case merchantAccepted
    case merchantRefused
    case ready
    case riderAssigned(rider: Int)
    case pickedUp
    case delivered
}

/// A reply.
enum Reply: Sendable, Equatable {
    case ok
    case token(Int64)
    case product(found: Bool)
    case order(OrderView)
    case accepted
    case rider(Int)
    /// A charge went through, at this instant (virtual nanoseconds).
    case charged(at: Int64)
    /// The answer is not known: a degraded default (an order's status while the order
    /// service cannot be asked).
    case unknown
}

/// What the app learns about an order.
struct OrderView: Sendable, Equatable {
    var id: Int64
    var state: OrderState
}

import World
typealias GatewayRouteName = GatewayRoute

extension ServiceRole {
    /// Whether a service playing this role handles `call`. A call it does not handle is a
    /// programming error (a misrouted call), never a transient failure.
    func serves(_ call: Call) -> Bool {
        switch (self, call) {
        case (.generic, .work), (.notification, .work): return true
        case (.gateway, .app): return true
        case (.auth, .login), (.auth, .verify): return true
        case (.menu, .product): return true
        case (.order, .createOrder), (.order, .orderStatus), (.order, .cancelOrder), (.order, .orderEvent): return true
        case (.inventory, .deduct), (.inventory, .restock): return true
        case (.payment, .charge), (.payment, .refund): return true
        case (.dispatch, .dispatch): return true
        default: return false
        }
    }
}
