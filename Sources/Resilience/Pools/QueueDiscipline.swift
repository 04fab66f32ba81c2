/// The order in which a pool serves work that waits for it (a worker pool's jobs, a
/// connection pool's waiting callers), and what it sheds under overload.
///
/// ```swift
/// // Facebook's request-queue defaults: 5 ms target, 100 ms interval.
/// let codel = try QueueDiscipline.codel(CoDelParameters(target: .milliseconds(5), interval: .milliseconds(100)))
/// var pool = WorkerPoolCore<Request, ContinuousClock.Instant>(
///     try WorkerPoolConfiguration(workers: 8, queueCapacity: nil, discipline: codel))
/// ```
public enum QueueDiscipline: Sendable, Hashable {
    /// First come, first served (the default): fair, but under overload every request
    /// waits behind the whole backlog, so most are served after their caller gave up.
    case fifo
    /// Newest first: under overload the fresh requests (whose callers still wait) are
    /// served quickly while old ones starve; nothing is shed.
    case lifo
    /// Adaptive LIFO with CoDel-style shedding (Nichols and Jacobson's CoDel as adapted
    /// for request queues in Facebook's "Fail at Scale"): FIFO while the queue is calm;
    /// once the queue's minimum delay over an `interval` exceeds the `target`, it is
    /// overloaded: newest first, and work that waited longer than the target is dropped.
    /// In a calm period work is dropped only after waiting a whole `interval`. See
    /// ``DisciplinedQueue`` for the exact rules.
    case codel(CoDelParameters)
}

/// The two settings of CoDel (and of Facebook's request-queue variant).
public struct CoDelParameters: Sendable, Hashable {
    /// The queueing delay the queue should stay under (5 ms in CoDel and at Facebook):
    /// under overload, work that waited longer is dropped.
    public let target: Duration
    /// The window over which the minimum delay is judged (100 ms), and the longest any
    /// work waits while the queue is calm.
    public let interval: Duration

    /// CoDel parameters; throws ``ConfigurationError`` unless `0 < target <= interval`
    /// (the interval is the calm-period timeout, so it cannot be shorter than the target).
    public init(target: Duration, interval: Duration) throws(ConfigurationError) {
        let check = ConfigurationCheck("CoDelParameters")
        try check.require(target > .zero, "target", "> 0", target)
        try check.require(interval >= target, "interval", ">= target (\(target))", interval)
        self.target = target
        self.interval = interval
    }

    /// 5 ms target, 100 ms interval (CoDel's and Facebook's figures).
    // `try!`: constant, valid arguments; the initialiser cannot throw for them.
    public static let standard = try! CoDelParameters(target: .milliseconds(5), interval: .milliseconds(100))
}
