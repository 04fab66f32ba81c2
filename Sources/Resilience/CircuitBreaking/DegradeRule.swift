/// A Sentinel degrade rule (`DegradeRule`, Sentinel ≥ 1.8): when to break a resource,
/// for how long, and over which statistic interval. ``DegradeBreaker`` applies it.
///
/// The graded rules of the source documents:
/// ```swift
/// // Core path: exception ratio > 20% → break for 30 s.
/// let core = try DegradeRule(strategy: .errorRatio(0.2), timeWindow: .seconds(30))
/// // Secondary path: more than 50 exceptions a minute → degrade.
/// let secondary = try DegradeRule(strategy: .errorCount(50), timeWindow: .seconds(60),
///                             statInterval: .seconds(60))
/// ```
public struct DegradeRule: Sendable, Hashable {
    /// What trips the rule. Every comparison is strict (`>`), as in Sentinel.
    public enum Strategy: Sendable, Hashable {
        /// Sentinel's slow-request ratio (grade 0): a call is slow when its response time
        /// is strictly longer than `maxResponseTime`; the rule trips when slow calls /
        /// calls > `threshold` (0…1), or when every call was slow and `threshold` is 1.
        /// Errors do not matter to this strategy.
        case slowCallRatio(maxResponseTime: Duration, threshold: Double = 1.0)
        /// Sentinel's exception ratio (grade 1): trips when errors / calls > the ratio
        /// (0…1). 0.2 means "more than 20%".
        case errorRatio(Double)
        /// Sentinel's exception count (grade 2): trips when the errors in the statistic
        /// interval exceed the count.
        case errorCount(Int)
    }

    /// The strategy and its threshold.
    public private(set) var strategy: Strategy
    /// How long the breaker stays open before one probe may pass (Sentinel's
    /// `timeWindow`, there in whole seconds). Must be longer than zero.
    public private(set) var timeWindow: Duration
    /// Calls the statistic interval must hold before the rule may trip. Default 5.
    public private(set) var minRequestAmount: Int
    /// The statistic interval over which calls and errors are counted. Default 1 s.
    public private(set) var statInterval: Duration
    /// Buckets the statistic interval is split into (Sentinel's `LeapArray` sample
    /// count). 1 (default, as Sentinel 1.8's degrade rules) makes the interval a
    /// tumbling window that restarts every `statInterval`; more buckets make it slide in
    /// steps of `statInterval / sampleCount`, which must divide evenly.
    public private(set) var sampleCount: Int
    /// How long the half-open probe may stay out before the breaker gives up on it and
    /// opens again for another `timeWindow` (not in Sentinel: the fix for a probe that
    /// never reports back, issue #1638). `nil` (default) means the same as
    /// `timeWindow`; `.zero` waits forever, as Sentinel does.
    public private(set) var probeTimeout: Duration?

    /// A rule tripping on `strategy`, breaking for `timeWindow`, with Sentinel's defaults
    /// for the rest (at least 5 calls in a 1 s statistic interval of one bucket) and a
    /// probe timeout equal to `timeWindow`.
    public init(
        strategy: Strategy,
        timeWindow: Duration,
        minRequestAmount: Int = 5,
        statInterval: Duration = .seconds(1),
        sampleCount: Int = 1,
        probeTimeout: Duration? = nil
    ) throws(ConfigurationError) {
        // Sentinel's `isValidRule`.
        let check = ConfigurationCheck("DegradeRule")
        switch strategy {
        case .slowCallRatio(let maxResponseTime, let threshold):
            try check.require(maxResponseTime >= .zero, "strategy.maxResponseTime", ">= 0", maxResponseTime)
            try check.require(threshold >= 0 && threshold <= 1, "strategy.threshold", "in [0, 1]", threshold)
        case .errorRatio(let ratio):
            try check.require(ratio >= 0 && ratio <= 1, "strategy.errorRatio", "in [0, 1]", ratio)
        case .errorCount(let count):
            try check.require(count >= 0, "strategy.errorCount", ">= 0", count)
        }
        try check.require(timeWindow > .zero, "timeWindow", "> 0", timeWindow)
        try check.require(minRequestAmount >= 1, "minRequestAmount", ">= 1", minRequestAmount)
        try check.require(statInterval > .zero, "statInterval", "> 0", statInterval)
        try check.require(sampleCount >= 1, "sampleCount", ">= 1", sampleCount)
        try check.require(statInterval.wholeNanoseconds % Int64(sampleCount) == 0,
                          "statInterval", "a whole number of nanoseconds per sample (sampleCount \(sampleCount))", statInterval)
        try check.require((probeTimeout ?? .zero) >= .zero, "probeTimeout", ">= 0", probeTimeout.map { "\($0)" } ?? "nil")
        self.strategy = strategy
        self.timeWindow = timeWindow
        self.minRequestAmount = minRequestAmount
        self.statInterval = statInterval
        self.sampleCount = sampleCount
        self.probeTimeout = probeTimeout
    }

    /// The probe timeout in effect, `nil` when the probe may stay out forever.
    public var effectiveProbeTimeout: Duration? {
        let timeout = probeTimeout ?? timeWindow
        return timeout > .zero ? timeout : nil
    }

    /// The response time above which a call counts as slow (only for
    /// ``Strategy/slowCallRatio(maxResponseTime:threshold:)``).
    var maxResponseTime: Duration? {
        if case .slowCallRatio(let maxResponseTime, _) = strategy { return maxResponseTime }
        return nil
    }
}

