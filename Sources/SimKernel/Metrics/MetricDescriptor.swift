/// What a metric measures, as structured fields: lets a report group metrics (every
/// failure reason of one caller, every callee of one service) without parsing names.
///
/// ```swift
/// let failed = metrics.counter("gateway.calls.menu.failed.deadline", describedAs:
///     MetricDescriptor(.counter, unit: .count, service: "gateway", figure: "calls.failed",
///                      callee: "menu", reason: "deadline"))
/// failed.descriptor?.callee // "menu"
/// ```
public struct MetricDescriptor: Sendable, Hashable {
    /// The kind of handle.
    public enum Kind: String, Sendable, Hashable { case counter, histogram, gauge }
    /// What one unit of the value is.
    public enum Unit: String, Sendable, Hashable { case count, nanoseconds }

    /// Counter, histogram or gauge.
    public var kind: Kind
    /// Unit of the recorded values.
    public var unit: Unit
    /// The service (or person, or infrastructure part) the metric belongs to.
    public var service: String
    /// What is measured, without the service, callee and reason ("calls.attempts").
    public var figure: String
    /// The other side, for client-side metrics of calls.
    public var callee: String?
    /// The reason, for metrics counted by reason (a failure label, a fallback mode).
    public var reason: String?

    /// A descriptor with the given fields.
    public init(_ kind: Kind, unit: Unit, service: String, figure: String, callee: String? = nil, reason: String? = nil) {
        self.kind = kind
        self.unit = unit
        self.service = service
        self.figure = figure
        self.callee = callee
        self.reason = reason
    }
}
