import Platform
import SimKernel
import World

extension HumanSummary {
    /// Services in the order a request meets them: the platform's roles along the
    /// request flow (gateway → auth → menu → order → inventory → payment → dispatch →
    /// notification, ``ServiceRole``'s order, which is the platform's call graph: the
    /// gateway calls auth and menu and order, order calls inventory, payment and
    /// dispatch, and notification consumes what they publish), then generic services,
    /// which call nothing, in the world's order.
    static func requestFlowOrder(_ services: [ServiceSpec]) -> [ServiceSpec] {
        let rank = Dictionary(uniqueKeysWithValues: ServiceRole.allCases.enumerated().map { ($0.element, $0.offset) })
        return services.enumerated().sorted { a, b in
            (rank[a.element.role] ?? .max, a.offset) < (rank[b.element.role] ?? .max, b.offset)
        }.map(\.element)
    }

    /// Refusals counted at a service's callers, never among its own requests: the caller
    /// gave up waiting, or its breaker shed the call before sending it.
    static let callerSideReasons: [(reason: String, meaning: String)] = [
        ("deadline", "callers' timeouts ran out waiting for an answer"),
        ("breaker_open", "callers' breakers shed the call before sending it"),
    ]

    /// One service's requests as a sum that adds up — succeeded + failed (by reason) +
    /// refused at the door (queue full, shed) + lost in crashes + unfinished at the end —
    /// then, on a line of their own, the refusals its callers counted, which are not
    /// among its requests.
    static func serviceLines(_ name: String, _ metrics: Metrics, running: Bool) -> [String] {
        let requests = metrics.total("\(name).requests")
        let succeeded = metrics.total("\(name).succeeded")
        let failed = metrics.totals(prefix: "\(name).failed.").filter { $0.total > 0 }
        let rejected = metrics.totals(prefix: "\(name).rejected.").filter { $0.total > 0 }
        let failedReasons = Set(failed.map(\.name))
        let callerSide = Set(callerSideReasons.map(\.reason))
        // Refusals S's logic made are answers (failed) as well as rejections: counted once,
        // among the failures, marked as refusals.
        let door = rejected.filter { !failedReasons.contains($0.name) && !callerSide.contains($0.name) }
        // (A caller-side reason under `failed` is S's own: its call onwards ran out of time.)
        let refusedByLogic = Set(rejected.map(\.name)).intersection(failedReasons).subtracting(callerSide)
        let lost = metrics.total("\(name).lost_on_crash")
        let failedTotal = failed.reduce(0) { $0 + $1.total }
        let doorTotal = door.reduce(0) { $0 + $1.total }
        let rest = requests - succeeded - failedTotal - doorTotal - lost

        var terms = ["\(grouped(succeeded)) succeeded"]
        if failedTotal > 0 {
            terms.append("\(grouped(failedTotal)) failed ("
                + failed.map { "\(grouped($0.total)) \($0.name)\(refusedByLogic.contains($0.name) ? " (refused by \(name))" : "")" }
                    .joined(separator: ", ") + ")")
        }
        if doorTotal > 0 {
            terms.append("\(grouped(doorTotal)) rejected (" + door.map { "\(grouped($0.total)) \($0.name)" }.joined(separator: ", ") + ")")
        }
        if lost > 0 { terms.append("\(grouped(lost)) lost in crashes") }
        if rest > 0 { terms.append("\(grouped(rest)) \(running ? "still in progress at the end" : "unanswered")") }
        var line = "\(name): \(grouped(requests)) requests = " + terms.joined(separator: " + ")
        if rest < 0 { line += " (\(grouped(-rest)) more answers than requests)" }
        var lines = [line]
        let atCallers = callerSideReasons.compactMap { entry -> String? in
            let count = metrics.total("\(name).rejected.\(entry.reason)")
            return count > 0 ? "\(grouped(count)) \(entry.reason) (\(entry.meaning))" : nil
        }
        if !atCallers.isEmpty {
            lines.append("  rejected at callers, not among these requests: " + atCallers.joined(separator: ", "))
        }
        return lines
    }

    /// The bottleneck line: the resource saturated for most of the run, its capacity and
    /// the rule of thumb that sizes it; or the busiest resource when none was saturated.
    static func bottleneckLines(_ outcome: WorldOutcome) -> [String] {
        let resources = Bottleneck.resources(outcome)
        guard let busiest = resources.first else { return [] }
        let threshold = percent(Bottleneck.saturated)
        guard let bottleneck = Bottleneck.of(outcome) else {
            return ["bottleneck: none — no resource was ≥\(threshold) in use for \(percent(Bottleneck.minimumShare)) of the run "
                + "(busiest: \(busiest.resource), mean use \(percent(busiest.meanUse)))"]
        }
        var lines = ["bottleneck: \(bottleneck.resource) (\(bottleneck.capacity)) ≥\(threshold) in use for "
            + "\(percent(bottleneck.saturatedShare)) of the run, mean use \(percent(bottleneck.meanUse))"]
        if let hint = bottleneck.hint { lines.append("  " + hint) }
        return lines
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}
