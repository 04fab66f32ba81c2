/// What to retry, how often, and how long to wait in between.
///
/// A policy is a value: ``decide(afterAttempt:failure:previousDelay:now:deadline:using:)``
/// is a pure function that a simulation actor can call on its own, and ``Retrier`` runs
/// it in a loop (adding a ``RetryBudget``, the task's deadline and cancellation).
///
/// ```swift
/// // The producer of the source documents: "retry 3 times with 100 ms backoff",
/// // i.e. 4 attempts in all, 100 ms apart.
/// let producer = try RetryPolicy(maxAttempts: 4, backoff: .constant(.milliseconds(100)))
/// ```
///
/// Defaults differ from Resilience4j's (3 attempts, a fixed 500 ms, every exception
/// retried): the default backoff is gRPC's and AWS's full-jitter exponential (100 ms
/// doubling up to 10 s), because fixed delays synchronize the retries of many clients;
/// and a `CancellationError` is never retried.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first one included (≥ 1; Resilience4j's `maxAttempts`,
    /// gRPC's `maxAttempts`). 1 means "never retry".
    public private(set) var maxAttempts: Int
    /// The delay between attempts.
    public var backoff: Backoff
    /// Whether a failure may be retried. Called once per failed attempt; it should be
    /// cheap and must not block.
    public var isRetryable: @Sendable (any Error) -> Bool

    /// A policy of `maxAttempts` attempts (default 3) separated by `backoff` (default
    /// full-jitter exponential from 100 ms, capped at 10 s), retrying the failures
    /// `isRetryable` accepts (default: all but `CancellationError`).
    public init(
        maxAttempts: Int = 3,
        backoff: Backoff = .grpc,
        isRetryable: @escaping @Sendable (any Error) -> Bool = RetryPolicy.retriesAllButCancellation
    ) throws(ConfigurationError) {
        try ConfigurationCheck("RetryPolicy").require(maxAttempts >= 1, "maxAttempts", ">= 1", maxAttempts)
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.isRetryable = isRetryable
    }

    /// The default predicate: every error is retryable except `CancellationError` (a
    /// cancelled caller no longer wants the result). A ``DeadlineExceeded`` stays
    /// retryable, because a per-attempt timeout may have passed while the caller's own
    /// deadline has not: the retry loop checks the caller's deadline itself.
    @Sendable public static func retriesAllButCancellation(_ error: any Error) -> Bool {
        !(error is CancellationError)
    }

    /// Decides what follows the failure of attempt `attempt`: wait and retry, or stop.
    ///
    /// Checks, in order: the error is retryable, attempts remain, and (after drawing the
    /// delay) the next attempt would start before `deadline`. It does not consult a
    /// ``RetryBudget``: ask the budget only when this returns `.retry`, so that a retry
    /// that would not happen anyway does not spend it.
    ///
    /// - Parameters:
    ///   - attempt: the 1-based number of the attempt that failed.
    ///   - failure: its error.
    ///   - previousDelay: the delay chosen after the previous attempt (`nil` after the
    ///     first), for decorrelated jitter.
    ///   - now: the current instant.
    ///   - deadline: the caller's deadline, if any: the retry is abandoned when the
    ///     delay would end at or after it (no time would be left for the attempt).
    ///   - generator: randomness for the jitter.
    public func decide<Instant: InstantProtocol>(
        afterAttempt attempt: Int,
        failure: any Error,
        previousDelay: Duration?,
        now: Instant,
        deadline: Instant?,
        using generator: inout some RandomNumberGenerator
    ) -> RetryDecision where Instant.Duration == Duration {
        guard isRetryable(failure) else { return .stop(.notRetryable) }
        guard attempt < maxAttempts else { return .stop(.attemptsExhausted) }
        let delay = backoff.delay(afterAttempt: attempt, previous: previousDelay, using: &generator)
        if let deadline, now.duration(to: deadline) <= delay { return .stop(.deadlineWouldPass) }
        return .retry(after: delay)
    }
}

/// What a retry loop does after a failed attempt.
public enum RetryDecision: Sendable, Hashable {
    /// Wait this long, then try again.
    case retry(after: Duration)
    /// Give up and report the last failure.
    case stop(RetryStopReason)
}

/// Why a retry loop gave up.
public enum RetryStopReason: Sendable, Hashable {
    /// The policy's predicate rejected the error.
    case notRetryable
    /// `maxAttempts` attempts were made.
    case attemptsExhausted
    /// The next attempt would start at or after the caller's deadline.
    case deadlineWouldPass
    /// The ``RetryBudget`` had no retry left (a retry storm is being throttled).
    case budgetExhausted
    /// The calling task was cancelled.
    case cancelled
}
