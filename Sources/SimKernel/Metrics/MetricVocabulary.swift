/// The names of every metric a world may record, declared by its parts as they are built,
/// before the world runs: what lets an expectation naming a metric the world can never
/// record be refused before a long run instead of failing after it.
///
/// A declaration makes no metric: the metrics a run records (and so every file and
/// digest it writes) are exactly those it used. Metrics counted by reason are declared
/// as a name and the closed set of reasons that may follow it (`order.rejected` with
/// every failure label), so a world of many services declares a few entries per service,
/// not one per possible reason.
///
/// ```swift
/// metrics.declare(.counter, "inventory.restocked")
/// metrics.declare(.counter, "order.rejected", reasons: ["queue_full", "deadline"])
/// metrics.vocabulary.kind(of: "order.rejected.deadline")   // .counter
/// metrics.vocabulary.kind(of: "order.rejected.deadlin")    // nil
/// ```
public struct MetricVocabulary: Sendable {
    /// Names declared one by one, with their kind.
    private var exact: [String: MetricDescriptor.Kind] = [:]
    /// Names declared as `<base>.<reason>`: each base with its kind and reason sets (a base
    /// may be declared by several parts, each with its own reasons).
    private var byReason: [String: [(kind: MetricDescriptor.Kind, reasons: [String])]] = [:]

    /// An empty vocabulary.
    public init() {}

    /// Declares the metric `name` of `kind`.
    public mutating func declare(_ kind: MetricDescriptor.Kind, _ name: String) {
        exact[name] = kind
    }

    /// Declares the metrics `<base>.<reason>` of `kind`, one per reason.
    public mutating func declare(_ kind: MetricDescriptor.Kind, _ base: String, reasons: [String]) {
        byReason[base, default: []].append((kind, reasons))
    }

    /// The kind of the metric `name` if it is declared, else nil.
    public func kind(of name: String) -> MetricDescriptor.Kind? {
        if let kind = exact[name] { return kind }
        guard let dot = name.lastIndex(of: "."), let sets = byReason[String(name[..<dot])] else { return nil }
        let reason = name[name.index(after: dot)...]
        return sets.first { $0.reasons.contains { $0 == reason } }?.kind
    }

    /// Whether some declared counter's name starts with `prefix`.
    public func declaresCounter(withPrefix prefix: String) -> Bool {
        exact.contains { $0.value == .counter && $0.key.hasPrefix(prefix) }
            || byReason.contains { base, sets in
                sets.contains { set in set.kind == .counter && set.reasons.contains { "\(base).\($0)".hasPrefix(prefix) } }
            }
    }

    /// Every declared name with its kind, sorted by name (each reason spelt out).
    public var names: [(name: String, kind: MetricDescriptor.Kind)] { names(withPrefix: "") }

    /// The declared names that start with `prefix` (a family: `"inventory."`), with their
    /// kinds, sorted by name (each reason spelt out).
    public func names(withPrefix prefix: String) -> [(name: String, kind: MetricDescriptor.Kind)] {
        var all = exact.filter { $0.key.hasPrefix(prefix) }.map { (name: $0.key, kind: $0.value) }
        for (base, sets) in byReason where base.hasPrefix(prefix) || prefix.hasPrefix(base) {
            for set in sets {
                all += set.reasons.map { (name: "\(base).\($0)", kind: set.kind) }.filter { $0.name.hasPrefix(prefix) }
            }
        }
        all.sort { $0.name < $1.name }
        // A name declared twice (exactly and by reason, or by two parts) is listed once.
        var unique: [(name: String, kind: MetricDescriptor.Kind)] = []
        for entry in all where unique.last?.name != entry.name { unique.append(entry) }
        return unique
    }

    /// The names of `made` (metrics a run recorded, with their kinds) that this vocabulary
    /// does not declare with that kind, sorted: each one a part that forgot to declare
    /// what it records.
    public func undeclared(_ made: [(name: String, kind: MetricDescriptor.Kind)]) -> [String] {
        made.filter { kind(of: $0.name) != $0.kind }.map(\.name).sorted()
    }
}
