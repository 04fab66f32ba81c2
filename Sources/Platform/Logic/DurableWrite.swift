import Resilience
import SimKernel

/// How the order service writes what it must not lose — an order's state, a refund's
/// request or confirmation, and the read deciding an event's write — when its database
/// pool has no connection for it (pool timeout): it retries the statement, with exponential backoff and full jitter (the
/// library's ``Backoff``), until it lands. The step that needs the write waits for it,
/// because what follows (compensation, a refund, a notification) depends on what the
/// write found — the state the order left.
///
/// ```swift
/// let writes = DurableWrite(service: "order", metrics: metrics, clock: clock, draws: platform.draws)
/// // Pure schedule (the library's Backoff): the wait after the n-th failed attempt.
/// let cap = writes.backoff.range(afterAttempt: 3, previous: nil)
/// // The loop: returns when the write landed, nil only when the instance crashed.
/// let previous = await writes.write { await withConnection { await $0.transition(id, .paid) } }
/// ```
///
/// Only the instance's crash ends the loop (the task is cancelled: the process and its
/// in-memory step die together); what a crash loses, the reconciler finishes (payment
/// waits, dispatch loops, refunds) and callers retry (merchant and rider reports, queued
/// intake and payment results, which are redelivered). A failed attempt is never partial
/// — the pool timed out before any statement ran — so retrying is always safe.
///
/// Not a ``Retrier``: a retrier gives up (attempts, a budget, the caller's deadline), and
/// a state write that gave up would leave an order where the platform no longer moves
/// it, or money owed back that nobody refunds. For the same reason the attempts run
/// outside the caller's ``TaskDeadline`` (a service honouring deadlines).
///
/// Metrics: `<service>.state_write_retries` (each retry of such a write) and
/// `<service>.state_write` (histogram: the time from the first attempt to the write
/// landing, pool waits and statements included).
///
/// World-confined: only the world's thread touches it.
final class DurableWrite: @unchecked Sendable {
    /// The wait between attempts: from `state_write_backoff` (50 ms), doubling, capped at
    /// `state_write_backoff_cap` (5 s), full jitter.
    let backoff: Backoff
    private let clock: VirtualClock
    /// The jitter's randomness, keyed by the work retrying (common random numbers).
    private let draws: RandomDraws
    private let retries: CounterMetric
    private let duration: HistogramMetric
    /// The figures it records (`<service>.state_write_retries`, `<service>.state_write`),
    /// declared with its service's (``OrderLogic/figures``).
    static let counters = ["state_write_retries"]
    static let histograms = ["state_write"]

    init(service: String, metrics: PlatformMetrics, clock: VirtualClock, draws: RandomDraws,
         base: Duration = .milliseconds(50), cap: Duration = .seconds(5)) {
        // `try!`: the reader admits only positive durations, and a cap below the base is
        // read as the base, so the arguments are always valid.
        backoff = try! Backoff.exponential(base: base, cap: max(cap, base), jitter: .full)
        self.clock = clock
        self.draws = draws
        let handles = LogicMetrics(service: service, metrics: metrics)
        retries = handles.counter(Self.counters[0])
        duration = handles.histogram(Self.histograms[0])
    }

    /// Runs `attempt` until it succeeds; its value, or nil when the task was cancelled
    /// (the instance crashed) before the write landed.
    func write<T: Sendable>(_ attempt: () async -> Result<T, Failure>) async -> T? {
        // Outside the caller's deadline: past it, every acquire would fail at once, and
        // the write must land whether or not the caller still waits for the answer.
        await TaskDeadline.withoutDeadline { await writeUntilLanded(attempt) }
    }

    private func writeUntilLanded<T: Sendable>(_ attempt: () async -> Result<T, Failure>) async -> T? {
        let started = clock.now
        var failed = 0
        var previous: Duration?
        while true {
            if case .success(let value) = await attempt() {
                duration.record(clock.now.nanoseconds &- started.nanoseconds)
                return value
            }
            if Task.isCancelled { return nil }
            failed += 1
            retries.add(1)
            var random = draws.current(.database)
            let delay = backoff.delay(afterAttempt: failed, previous: previous, using: &random)
            previous = delay
            do { try await clock.sleep(for: delay) } catch { return nil }
        }
    }
}
