/// When and by how much an autoscaler grows a worker pool: "every 30 s, if more than 1000
/// jobs wait and the pool was less than 70% busy over the last period, add 2 workers".
public struct AutoscaleRule: Sendable, Hashable {
    /// Grow only when more jobs than this wait.
    public let queueAbove: Int
    /// Grow only when the pool's utilisation (busy time over the time of the workers
    /// present) over the last period was below this fraction.
    public let utilisationBelow: Double
    /// Workers added per decision (up to the pool's `maxWorkers`).
    public let add: Int
    /// Time between decisions (the period utilisation is measured over).
    public let every: Duration

    /// A rule; throws ``ConfigurationError`` for a negative threshold, a utilisation
    /// outside 0...1, `add` below 1 or a period that is not positive.
    public init(queueAbove: Int, utilisationBelow: Double, add: Int, every: Duration) throws(ConfigurationError) {
        let check = ConfigurationCheck("AutoscaleRule")
        try check.require(queueAbove >= 0, "queueAbove", ">= 0", queueAbove)
        try check.require((0...1).contains(utilisationBelow), "utilisationBelow", "in [0, 1]", utilisationBelow)
        try check.require(add >= 1, "add", ">= 1", add)
        try check.require(every > .zero, "every", "> 0", every)
        self.queueAbove = queueAbove
        self.utilisationBelow = utilisationBelow
        self.add = add
        self.every = every
    }
}

/// The decision half of an autoscaler, as in the source documents' rule "queue > 1000 and
/// CPU < 70% → add 2 workers": look at a pool's load every `rule.every`, and say how many
/// workers to add. Pure: the caller takes the snapshots and starts the workers (they take
/// the pool's `startupDelay` to start).
///
/// ```swift
/// let rule = try AutoscaleRule(queueAbove: 1000, utilisationBelow: 0.7, add: 2, every: .seconds(30))
/// var autoscaler = WorkerPoolAutoscaler<ContinuousClock.Instant>(rule)
/// // Pure, every 30 s:
/// let asked = core.addWorkers(autoscaler.workersToAdd(core.load(at: now)), at: now)
/// // Async wrapper, every 30 s:
/// _ = pool.addWorkers(autoscaler.workersToAdd(pool.load()))
/// ```
///
/// Utilisation is measured over the period since the previous look (since the pool was
/// created, at the first look), dividing busy time by the workers present over it, so
/// workers added mid-period count only from when they started. The rule is the seeds':
/// it does not fire when the pool is fully busy — more workers help only when the
/// bottleneck is the pool, and the rule's authors read high CPU as "elsewhere".
public struct WorkerPoolAutoscaler<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The rule.
    public let rule: AutoscaleRule
    /// The snapshot of the previous look.
    public private(set) var previous: WorkerPoolLoad<Instant>?
    /// Utilisation over the period ending at the last look.
    public private(set) var lastUtilisation: Double?

    /// An autoscaler applying `rule`.
    public init(_ rule: AutoscaleRule) {
        self.rule = rule
    }

    /// Looks at `load` (taken now) and returns how many workers to add: `rule.add` when
    /// more than `rule.queueAbove` jobs wait and utilisation since the previous look is
    /// below `rule.utilisationBelow`, else 0. (The pool caps the number at its
    /// `maxWorkers`.)
    public mutating func workersToAdd(_ load: WorkerPoolLoad<Instant>) -> Int {
        let utilisation = load.utilisation(since: previous)
        previous = load
        lastUtilisation = utilisation
        return load.queued > rule.queueAbove && utilisation < rule.utilisationBelow ? rule.add : 0
    }
}
