import World

/// The name of the service playing each role in a world, resolved once when the world is
/// wired: a service calls "the order service" by the name this world gave it, without
/// reading the world's spec per call.
struct RoleNames: Sendable {
    private let names: [ServiceRole: String]

    init(_ spec: WorldSpec) {
        var names: [ServiceRole: String] = [:]
        for service in spec.services where names[service.role] == nil { names[service.role] = service.name }
        self.names = names
    }

    /// The service playing `role`, or nil when the world has none.
    func service(playing role: ServiceRole) -> String? { names[role] }

    /// The service playing `role`, or the role's own name when none does (a call to it is
    /// then misrouted, which stops the run).
    subscript(role: ServiceRole) -> String { names[role] ?? role.rawValue }
}
