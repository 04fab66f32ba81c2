import Resilience
import SimKernel
import World

/// What a caller answers instead of a failure, in one of the seeds' three degrade modes
/// (``FallbackMode``): the last good reply to the same call, a default value, or the
/// work deferred to a queue. Which calls each mode can serve:
///
/// | call | `cached` | `default` | `defer` |
/// |---|---|---|---|
/// | `product` | last reply for the item | found | — |
/// | `order_status` | last reply for the order | `unknown` | — |
/// | `verify` | last reply for the token | — | — |
/// | `work` | last reply | `ok` | — |
/// | `order_event` (paid) | — | — | published to `payment.results` (the order service's consumers apply it), `accepted` |
///
/// Only reads are cached (serving a remembered "deducted" for a new deduction would be
/// a lie); no default is safe for a login, a deduction, a charge or a dispatch; and a
/// call is deferred only to a queue somebody consumes. A call the mode cannot serve
/// keeps its failure (counted as `fallback.missed`).
///
/// World-confined: only the world's thread touches it.
final class CallFallback: @unchecked Sendable {
    /// Mode, and whether failures (not only rejections) are degraded.
    let spec: FallbackSpec
    /// Where a deferred call is published.
    private let broker: Broker
    /// Last good replies to reads, bounded per caller instance.
    private var replies: LRUCache<Call, Reply>

    /// Replies remembered per caller instance and callee in `cached` mode.
    static let cachedReplies = 10_000

    init(spec: FallbackSpec, broker: Broker) {
        self.spec = spec
        self.broker = broker
        // `try!`: a constant capacity (10,000 or 1), which is valid.
        replies = try! LRUCache(capacity: spec.mode == .cached ? Self.cachedReplies : 1)
    }

    /// Notes a good reply (kept in `cached` mode, for reads).
    func remember(_ call: Call, _ reply: Reply) {
        guard spec.mode == .cached, call.isRead else { return }
        _ = replies.set(call, reply)
    }

    /// The degraded answer to `call`, or nil when this mode has none for it.
    func answer(_ call: Call) async -> Reply? {
        switch spec.mode {
        case .cached:
            return call.isRead ? replies.get(call) : nil
        case .defaultValue:
            switch call {
            case .product: return .product(found: true)
            case .orderStatus: return .unknown
            case .work: return .ok
            default: return nil
            }
        case .deferred:
            guard case .orderEvent(let order, .paid(let success, let chargedAt)) = call else { return nil }
            let published = await broker.publish("payment.results", .paymentResult(order: order, success: success, chargedAt: chargedAt))
            return published ? .accepted : nil
        }
    }
}

extension Call {
    /// Whether the call only reads (its reply may be served again from a cache).
    var isRead: Bool {
        switch self {
        case .product, .orderStatus, .verify, .work: return true
        default: return false
        }
    }
}
