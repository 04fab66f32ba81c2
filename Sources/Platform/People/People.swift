import SimKernel
import World

/// The merchants and riders of a world, and the riders' free places (dispatch's
/// least-loaded pick). Built after the services (their apps call them through the
/// router) and before the services' instances boot, whose logic is handed the ones it
/// talks to.
struct People: @unchecked Sendable {
    let merchants: [Merchant]
    let riders: [Rider]
    let riderRoster: RiderRoster

    /// The people of `spec` (none unless it runs the platform); riders report each order
    /// they take to `orderBook`.
    init(spec: WorldSpec, environment: AppEnvironment, orderBook: OrderBook) {
        guard spec.hasPlatform else {
            merchants = []
            riders = []
            riderRoster = RiderRoster(riders: 0, capacity: 0)
            return
        }
        Self.declare(in: environment.metrics.metrics)
        // One app's reports for each kind of person: they keep no state per person, and a
        // big world has a hundred thousand riders.
        let merchantReports = AppReports(app: "merchant", environment: environment, timeout: spec.merchants.reportTimeout,
                                         backoff: spec.merchants.reportBackoff, cap: spec.merchants.reportBackoffCap)
        let riderReports = AppReports(app: "rider", environment: environment, timeout: spec.riders.reportTimeout,
                                      backoff: spec.riders.reportBackoff, cap: spec.riders.reportBackoffCap)
        let merchants = (0..<spec.merchants.count).map {
            Merchant(index: $0, spec: spec.merchants, reports: merchantReports, environment: environment)
        }
        let roster = RiderRoster(riders: spec.riders.count, capacity: spec.riders.capacity)
        self.merchants = merchants
        riderRoster = roster
        riders = (0..<spec.riders.count).map {
            Rider(index: $0, spec: spec.riders, roster: roster, merchants: merchants, orderBook: orderBook,
                  reports: riderReports, environment: environment)
        }
    }

    /// Declares every metric the merchants, the riders and their apps record (see
    /// ``MetricVocabulary``): made on first use, during the run. Makes no metric.
    private static func declare(in metrics: Metrics) {
        metrics.declare(.gauge, "merchants.cooking")
        metrics.declare(.counter, "merchants.refused")
        metrics.declare(.gauge, "riders.carrying")
        metrics.declare(.gauge, "riders.on_duty")
        metrics.declare(.counter, "invariants.rider_over_capacity")
        for app in ["merchant", "rider"] { metrics.declare(.counter, "\(app).reports_failed", reasons: Failure.labels) }
    }
}
