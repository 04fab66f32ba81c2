import Resilience
import SimKernel

/// How a merchant's or rider's app reports an order event (accepted, ready, picked up,
/// delivered) to the order service: each attempt waits at most `report_timeout` for the
/// reply, and the app retries — with exponential backoff and full jitter, the library's ``Backoff`` —
/// until the order service acknowledges the report or the order has ended.
///
/// ```swift
/// let reports = AppReports(app: "merchant", environment: environment, timeout: .seconds(5), backoff: .seconds(1), cap: .seconds(30))
/// // Pure schedule (the library's Backoff): the longest wait after the n-th failed attempt.
/// let cap = reports.backoff.range(afterAttempt: 3, previous: nil)
/// // The loop: returns once the order service acknowledged, or the order ended.
/// _ = await reports.report(order: 42, .merchantAccepted)
/// ```
///
/// Why it does not give up after a few attempts: a failed attempt does not mean the order
/// service did not apply it — a reply lost on the way back looks the same as a request
/// lost on the way in. A merchant that stopped cooking after its "accepted" went
/// unanswered left a rider, sent on the strength of that report, waiting forever for food.
/// The person's decision stands (the merchant cooks, the rider delivers) and the report is
/// repeated until it lands; the order service applies reports idempotently (a second
/// "accepted" finds the order past `paid` and changes nothing), so repeating is safe.
///
/// It stops early only when the order has ended (the app's order screen closes: the model
/// reads the orders table at no cost, standing in for the push a real app would get), or
/// when the order service refuses the report outright (a business refusal, an answer).
///
/// Not a ``Retrier``: a retrier gives up (attempts, a budget, a deadline), and a report
/// that gave up leaves the order where nobody moves it.
///
/// Metrics: `<app>.reports_failed.<reason>` for each failed attempt.
///
/// World-confined: only the world's thread touches it.
final class AppReports: @unchecked Sendable {
    /// The wait after a failed attempt: from `report_backoff` (1 s), doubling, capped at
    /// `report_backoff_cap` (30 s), full jitter.
    let backoff: Backoff
    /// How long one attempt waits for the order service's reply (`report_timeout`, 5 s).
    let timeout: Duration
    private let app: String
    /// The app's name hashed once, half of each report's jitter key.
    private let appKey: UInt64
    private let environment: AppEnvironment
    /// Failed attempts by reason (``Failure/index``), each made on first use so a run
    /// without failures lists none.
    private var failed: [CounterMetric?] = Array(repeating: nil, count: Failure.all.count)

    init(app: String, environment: AppEnvironment, timeout: Duration, backoff: Duration, cap: Duration) {
        self.timeout = timeout
        // The reader keeps both ≥ 1 ms, and a cap below the base reads as the base.
        self.backoff = environment.sim.configured("the \(app) app's report backoff", { () throws(ConfigurationError) in
            try Backoff.exponential(base: backoff, cap: max(backoff, cap), jitter: .full)
        }, fallback: { .grpc })
        self.app = app
        self.environment = environment
        appKey = StableHash.of(app)
    }

    /// Reports `event` of `order` until the order service acknowledges it; the last
    /// attempt's result (a failure only when the order ended first, or on a refusal).
    func report(order: Int64, _ event: OrderEvent) async -> Result<Reply, Failure> {
        guard let service = environment.orderService else { return .failure(.unavailable) }
        // The jitter's randomness, keyed by the report (common random numbers).
        var random = environment.draws.stream(.reports, key: StableHash.combine(StableHash.combine(appKey, UInt64(bitPattern: order)), Self.key(event)))
        var attempts = 0
        var previous: Duration?
        while true {
            let result = await environment.router.send(from: app, to: service, .orderEvent(order: order, event: event), timeout: timeout)
            guard case .failure(let failure) = result else { return result }
            count(failure)
            if case .refused = failure { return result }
            if Task.isCancelled { return result }
            if await hasEnded(order) { return result }
            attempts += 1
            let delay = backoff.delay(afterAttempt: attempts, previous: previous, using: &random)
            previous = delay
            do { try await environment.sim.clock.sleep(for: delay) } catch { return result }
        }
    }

    /// A number per event kind, for the jitter key.
    private static func key(_ event: OrderEvent) -> UInt64 {
        switch event {
        case .paid(let success, _): return success ? 1 : 2
        case .merchantAccepted: return 3
        case .merchantRefused: return 4
        case .ready: return 5
        case .riderAssigned(let rider): return 8 &+ UInt64(rider)
        case .pickedUp: return 6
        case .delivered: return 7
        }
    }

    private func count(_ failure: Failure) {
        let counter = failed[failure.index] ?? environment.metrics.counter("\(app).reports_failed.\(failure.label)")
        failed[failure.index] = counter
        counter.add(1)
    }

    /// Whether the order has ended (or is unknown), read outside the model.
    private func hasEnded(_ order: Int64) async -> Bool {
        await environment.database.audit { $0.orders.hasEnded(order) }
    }
}
