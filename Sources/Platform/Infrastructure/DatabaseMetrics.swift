import SimKernel

/// The database server's metrics (`database.<figure>`), as handles made once, each with
/// a ``MetricDescriptor``: a statement adds to a handle and never looks a name up.
///
/// ```swift
/// let metrics = DatabaseMetrics(metrics: platform.metrics.metrics)
/// metrics.query.record(duration)            // every statement's time
/// metrics.active.set(Double(active))         // statements running now
/// ```
///
/// Each handle is made on its first use, so a report lists what happened, as it did
/// before the handles existed (a world without a crash has no `database.crashes`).
///
/// World-confined: only the world's thread touches it.
final class DatabaseMetrics: @unchecked Sendable {
    private let metrics: Metrics

    init(metrics: Metrics) { self.metrics = metrics }

    /// Time of every statement (histogram).
    private(set) lazy var query = histogram("query")
    /// Wait for a stock row's lock (histogram).
    private(set) lazy var rowLockWait = histogram("row_lock_wait")
    /// Open connections; statements running (gauges).
    private(set) lazy var connections = gauge("connections")
    private(set) lazy var active = gauge("active")
    /// Connections refused (full, down or cut off); statements lost in a crash and sent
    /// again; crashes; restarts; fenced reads and writes rejected as stale.
    private(set) lazy var refusedConnections = counter("refused_connections")
    private(set) lazy var statementsLost = counter("statements_lost")
    private(set) lazy var crashes = counter("crashes")
    private(set) lazy var restarts = counter("restarts")
    private(set) lazy var staleReadsRejected = counter("stale_reads_rejected")
    private(set) lazy var staleWritesRejected = counter("stale_writes_rejected")

    private func counter(_ figure: String) -> CounterMetric {
        metrics.counter("database.\(figure)", describedAs: MetricDescriptor(.counter, unit: .count, service: "database", figure: figure))
    }

    private func histogram(_ figure: String) -> HistogramMetric {
        metrics.histogram("database.\(figure)", describedAs: MetricDescriptor(.histogram, unit: .nanoseconds, service: "database", figure: figure))
    }

    private func gauge(_ figure: String) -> GaugeMetric {
        metrics.gauge("database.\(figure)", describedAs: MetricDescriptor(.gauge, unit: .count, service: "database", figure: figure))
    }
}

extension DatabaseMetrics {
    /// Declares every handle above (see ``MetricVocabulary``): made on first use, during
    /// the run. Makes no metric.
    static func declare(in metrics: Metrics) {
        for figure in ["query", "row_lock_wait"] { metrics.declare(.histogram, "database.\(figure)") }
        for figure in ["connections", "active"] { metrics.declare(.gauge, "database.\(figure)") }
        for figure in ["refused_connections", "statements_lost", "crashes", "restarts", "stale_reads_rejected", "stale_writes_rejected"] {
            metrics.declare(.counter, "database.\(figure)")
        }
    }
}
