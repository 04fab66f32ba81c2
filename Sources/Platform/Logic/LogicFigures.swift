import SimKernel
import World

/// The figures a service's logic may record (`<service>.<figure>`), declared for each
/// service when the world is built, before its instances boot and make their logic: so
/// an expectation naming one (`inventory.restocked`) is judged before the run, and a
/// misspelt one (`inventory.restockd`) refused.
///
/// ``LogicMetrics`` makes a handle only for a declared figure (checked in debug builds),
/// so a figure added to a logic without being added here fails the first test that
/// records it.
struct LogicFigures: Sendable, Equatable {
    /// Counters (`inventory.restocked`).
    var counters: [String] = []
    /// Histograms, in nanoseconds (`order.payment_visible`).
    var histograms: [String] = []
    /// Whether the logic waits for distributed locks (`locks.wait`, shared by every
    /// service that does).
    var waitsForLocks = false

    /// The figures of the logic a service with `options` runs (none for a generic
    /// service, which runs no logic).
    static func of(_ options: RoleOptions) -> LogicFigures {
        switch options {
        case .generic: LogicFigures()
        case .gateway(let options): GatewayLogic.figures(options)
        case .auth: AuthLogic.figures
        case .menu: MenuLogic.figures
        case .order: OrderLogic.figures
        case .inventory: InventoryLogic.figures
        case .payment: PaymentLogic.figures
        case .dispatch: DispatchLogic.figures
        case .notification(let options): NotificationLogic.figures(options)
        }
    }

    /// Declares every figure as `<service>.<figure>` (and `locks.wait` for a logic that
    /// waits for locks) in `metrics`' vocabulary; makes no metric.
    func declare(for service: String, in metrics: Metrics) {
        for figure in counters { metrics.declare(.counter, "\(service).\(figure)") }
        for figure in histograms { metrics.declare(.histogram, "\(service).\(figure)") }
        if waitsForLocks { metrics.declare(.histogram, LogicMetrics.lockWaitName) }
    }
}
