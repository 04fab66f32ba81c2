public import SimKernel

/// One metric of a run's time series as a bundle keeps it: its name and, when the code
/// that made it described it, its ``MetricDescriptor`` (kind, unit, service, figure,
/// callee, reason), so a report groups metrics without parsing names.
public struct SeriesMetric: Sendable, Equatable {
    /// The metric's name (`order.calls.inventory.failed.deadline`).
    public var name: String
    /// Counter, histogram or gauge.
    public var kind: MetricDescriptor.Kind
    /// What it measures, when its maker said so.
    public var descriptor: MetricDescriptor?

    /// A metric of `kind` named `name`.
    public init(name: String, kind: MetricDescriptor.Kind, descriptor: MetricDescriptor?) {
        self.name = name
        self.kind = kind
        self.descriptor = descriptor
    }

    /// The unit of its values: the descriptor's, or the convention for an undescribed
    /// metric (histograms record nanoseconds, counters and gauges counts).
    public var unit: MetricDescriptor.Unit { descriptor?.unit ?? (kind == .histogram ? .nanoseconds : .count) }
}
