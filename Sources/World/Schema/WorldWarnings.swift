extension WorldSpec {
    /// Things in a valid world that are probably not what its author meant, one sentence
    /// each, printed by `run` and `validate` before they go on: faults after the traffic
    /// has ended, and call policies on a generic service, which calls nothing.
    public var warnings: [String] { lateFaultWarnings + unusedCallWarnings }

    /// A generic service only does its `work` and answers: it never calls another
    /// service, so `calls` on it configure nothing. Someone who writes a chain of generic
    /// services (`api` calling `db`) would otherwise see the second one get no requests
    /// and a fault on it change nothing, and not know why.
    var unusedCallWarnings: [String] {
        services.filter { $0.role == .generic && $0.calls != CallPolicies() }.map { service in
            "services.\(service.name).calls: \(service.name) is a generic service, which only does its work and calls "
                + "no other service, so these policies are never used (services playing a platform role make calls)"
        }
    }
}
