extension Call {
    /// A short name for task names and traces.
    var label: String {
        switch self {
        case .work: return "work"
        case .app(let request): return "app.\(request.route.rawValue)"
        case .login: return "login"
        case .verify: return "verify"
        case .product: return "product"
        case .createOrder: return "create_order"
        case .orderStatus: return "order_status"
        case .cancelOrder: return "cancel_order"
        case .orderEvent: return "order_event"
        case .deduct: return "deduct"
        case .restock: return "restock"
        case .charge: return "charge"
        case .refund: return "refund"
        case .gatewayCharge: return "gateway_charge"
        case .dispatch: return "dispatch"
        }
    }
}
