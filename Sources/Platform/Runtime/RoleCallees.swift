import SimKernel
import World

/// Whom each role's logic calls: the services playing other roles and the external
/// dependencies. Callers (and their metrics, `<caller>.calls.<callee>.*`) are made on a
/// service's first call to each callee, during the run; this is what lets them be
/// declared before it (see ``MetricVocabulary``). A generic service calls nobody.
///
/// A logic calling a callee not listed here records metrics no one declared, which the
/// test running every shipped world finds.
enum RoleCallees {
    /// One callee: the service playing a role, or a dependency by name.
    enum Callee: Equatable {
        case role(ServiceRole)
        case dependency(String)
    }

    /// The callees of a service playing `role`.
    static func of(_ role: ServiceRole) -> [Callee] {
        switch role {
        case .gateway: [.role(.auth), .role(.menu), .role(.order)]
        case .auth: [.dependency("wechat")]
        case .order: [.role(.inventory), .role(.payment), .role(.dispatch)]
        case .payment: [.dependency("payment_gateway"), .role(.order)]
        case .menu, .inventory, .dispatch, .notification, .generic: []
        }
    }

    /// Declares the metrics of every caller `spec`'s services may make, each callee named
    /// as `roles` resolves it. Makes no metric.
    static func declare(_ spec: WorldSpec, roles: RoleNames, in metrics: Metrics) {
        let services = Set(spec.services.map(\.name))
        for service in spec.services {
            for callee in of(service.role) {
                let name = switch callee {
                case .role(let role): roles[role]
                case .dependency(let dependency): dependency
                }
                CallerMetrics.declare(caller: service.name, callee: name, policy: service.calls.policy(for: name),
                                      calleeIsService: services.contains(name), in: metrics)
            }
        }
    }
}
