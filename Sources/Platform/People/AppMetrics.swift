import SimKernel
import World

/// The customers' metrics, shared by every customer of a world, as handles made once,
/// each with a ``MetricDescriptor``: an app call adds to a handle and never builds a name.
///
/// - `app.<route>.latency`, `app.<route>.ok`, `app.<route>.failed.<reason>`: each attempt
///   of an app call, by gateway route (the descriptor's callee) and failure reason;
/// - `customers.<figure>`: visits, failed logins, orders attempted, customers who gave up,
///   and `customers.order_failed.<reason>`.
///
/// Each handle is made on its first use, so a report lists what happened, as it did before
/// the handles existed.
///
/// World-confined: only the world's thread touches it.
final class AppMetrics: @unchecked Sendable {
    private let metrics: Metrics
    private var latencies: [HistogramMetric?] = Array(repeating: nil, count: GatewayRoute.allCases.count)
    private var successes: [CounterMetric?] = Array(repeating: nil, count: GatewayRoute.allCases.count)
    /// By route, then by failure (``Failure/index``).
    private var failures: [[CounterMetric?]] = Array(repeating: Array(repeating: nil, count: Failure.all.count),
                                                     count: GatewayRoute.allCases.count)
    private var ordersFailed: [CounterMetric?] = Array(repeating: nil, count: Failure.all.count)

    init(metrics: PlatformMetrics) { self.metrics = metrics.metrics }

    /// Visits begun; logins that failed; orders placed (first attempt); customers who gave
    /// up waiting for a rider.
    private(set) lazy var visits = customers("visits")
    private(set) lazy var loginFailed = customers("login_failed")
    private(set) lazy var ordersAttempted = customers("orders_attempted")
    private(set) lazy var gaveUp = customers("gave_up")

    /// Time of one attempt on `route` (`app.<route>.latency`).
    func latency(_ route: GatewayRoute) -> HistogramMetric {
        let index = Self.index(route)
        if let histogram = latencies[index] { return histogram }
        let histogram = metrics.histogram("app.\(route.rawValue).latency", describedAs: describe(.histogram, "latency", route))
        latencies[index] = histogram
        return histogram
    }

    /// Attempts on `route` answered with success (`app.<route>.ok`).
    func ok(_ route: GatewayRoute) -> CounterMetric {
        let index = Self.index(route)
        if let counter = successes[index] { return counter }
        let counter = metrics.counter("app.\(route.rawValue).ok", describedAs: describe(.counter, "ok", route))
        successes[index] = counter
        return counter
    }

    /// Attempts on `route` that failed with `failure` (`app.<route>.failed.<reason>`).
    func failed(_ route: GatewayRoute, _ failure: Failure) -> CounterMetric {
        let index = Self.index(route)
        if let counter = failures[index][failure.index] { return counter }
        let counter = metrics.counter("app.\(route.rawValue).failed.\(failure.label)",
                                      describedAs: describe(.counter, "failed", route, reason: failure.label))
        failures[index][failure.index] = counter
        return counter
    }

    /// Orders that failed to be placed with `failure` (`customers.order_failed.<reason>`).
    func orderFailed(_ failure: Failure) -> CounterMetric {
        if let counter = ordersFailed[failure.index] { return counter }
        let counter = metrics.counter("customers.order_failed.\(failure.label)",
                                      describedAs: MetricDescriptor(.counter, unit: .count, service: "customers",
                                                                    figure: "order_failed", reason: failure.label))
        ordersFailed[failure.index] = counter
        return counter
    }

    private func customers(_ figure: String) -> CounterMetric {
        metrics.counter("customers.\(figure)", describedAs: MetricDescriptor(.counter, unit: .count, service: "customers", figure: figure))
    }

    private func describe(_ kind: MetricDescriptor.Kind, _ figure: String, _ route: GatewayRoute,
                          reason: String? = nil) -> MetricDescriptor {
        MetricDescriptor(kind, unit: kind == .histogram ? .nanoseconds : .count, service: "app", figure: figure,
                         callee: route.rawValue, reason: reason)
    }

    private static func index(_ route: GatewayRoute) -> Int {
        switch route {
        case .login: 0
        case .menu: 1
        case .order: 2
        case .status: 3
        case .cancel: 4
        }
    }
}

extension AppMetrics {
    /// Declares every handle above, for every route and failure (see
    /// ``MetricVocabulary``): made on first use, during the run. Makes no metric.
    static func declare(in metrics: Metrics) {
        for route in GatewayRoute.allCases {
            metrics.declare(.histogram, "app.\(route.rawValue).latency")
            metrics.declare(.counter, "app.\(route.rawValue).ok")
            metrics.declare(.counter, "app.\(route.rawValue).failed", reasons: Failure.labels)
        }
        for figure in ["visits", "login_failed", "orders_attempted", "gave_up"] { metrics.declare(.counter, "customers.\(figure)") }
        metrics.declare(.counter, "customers.order_failed", reasons: Failure.labels)
    }
}
