/// The settings of a ``CircuitBreaker``: Resilience4j's `CircuitBreakerConfig`, with the
/// same names, meanings and defaults.
public struct CircuitBreakerConfiguration: Sendable, Hashable {
    /// How the closed state's sliding window is measured.
    public enum SlidingWindowType: Sendable, Hashable {
        /// The last `slidingWindowSize` calls (a ring of outcomes).
        case countBased
        /// The calls of the last `slidingWindowSize` seconds (one-second buckets).
        case timeBased
    }

    /// Failure rate, in percent (0 < x ≤ 100), at or above which the breaker opens.
    /// Default 50.
    public private(set) var failureRateThreshold: Double
    /// Slow-call rate, in percent (0 < x ≤ 100), at or above which the breaker opens.
    /// Default 100.
    public private(set) var slowCallRateThreshold: Double
    /// A call that takes longer than this (strictly) counts as slow. Default 60 s.
    public private(set) var slowCallDurationThreshold: Duration
    /// Calls the window must hold before any rate is evaluated. For a count-based window
    /// the effective minimum is `min(minimumNumberOfCalls, slidingWindowSize)`, as in
    /// Resilience4j. Default 100.
    public private(set) var minimumNumberOfCalls: Int
    /// Count-based (default) or time-based.
    public private(set) var slidingWindowType: SlidingWindowType
    /// Calls (count-based) or seconds (time-based) in the window. Default 100.
    public private(set) var slidingWindowSize: Int
    /// How long the breaker stays open before letting probes through. Default 60 s.
    public private(set) var waitDurationInOpenState: Duration
    /// Probes admitted in the half-open state; the breaker decides once all of them are
    /// recorded. Default 10.
    public private(set) var permittedNumberOfCallsInHalfOpenState: Int
    /// `false` (default): the first call after the open wait moves the breaker to half-open.
    /// `true`: a timer does it at ``CircuitBreaking/nextTransition`` (call
    /// `advance(to:)` then, or run ``CircuitBreakerExecutor/runTimers()``).
    public private(set) var automaticTransitionFromOpenToHalfOpenEnabled: Bool
    /// How long the half-open state may last without a decision before the breaker moves
    /// to open (probes that hang, or that are never reported). `.zero` (default, as in
    /// Resilience4j) waits forever — the stuck half-open of Resilience4j issues #903,
    /// #935 and #1533; set it to escape that.
    public private(set) var maxWaitDurationInHalfOpenState: Duration

    /// Resilience4j's defaults, overridable one by one.
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter (the fields
    ///   are read-only afterwards, so a configuration is valid once made).
    public init(
        failureRateThreshold: Double = 50,
        slowCallRateThreshold: Double = 100,
        slowCallDurationThreshold: Duration = .seconds(60),
        minimumNumberOfCalls: Int = 100,
        slidingWindowType: SlidingWindowType = .countBased,
        slidingWindowSize: Int = 100,
        waitDurationInOpenState: Duration = .seconds(60),
        permittedNumberOfCallsInHalfOpenState: Int = 10,
        automaticTransitionFromOpenToHalfOpenEnabled: Bool = false,
        maxWaitDurationInHalfOpenState: Duration = .zero
    ) throws(ConfigurationError) {
        // Resilience4j's builder checks.
        let check = ConfigurationCheck("CircuitBreakerConfiguration")
        try check.require(failureRateThreshold > 0 && failureRateThreshold <= 100, "failureRateThreshold", "in (0, 100]", failureRateThreshold)
        try check.require(slowCallRateThreshold > 0 && slowCallRateThreshold <= 100, "slowCallRateThreshold", "in (0, 100]", slowCallRateThreshold)
        try check.require(slowCallDurationThreshold >= .zero, "slowCallDurationThreshold", ">= 0", slowCallDurationThreshold)
        try check.require(minimumNumberOfCalls >= 1, "minimumNumberOfCalls", ">= 1", minimumNumberOfCalls)
        try check.require(slidingWindowSize >= 1, "slidingWindowSize", ">= 1", slidingWindowSize)
        try check.require(waitDurationInOpenState > .zero, "waitDurationInOpenState", "> 0", waitDurationInOpenState)
        try check.require(permittedNumberOfCallsInHalfOpenState >= 1, "permittedNumberOfCallsInHalfOpenState", ">= 1", permittedNumberOfCallsInHalfOpenState)
        try check.require(maxWaitDurationInHalfOpenState >= .zero, "maxWaitDurationInHalfOpenState", ">= 0", maxWaitDurationInHalfOpenState)
        self.failureRateThreshold = failureRateThreshold
        self.slowCallRateThreshold = slowCallRateThreshold
        self.slowCallDurationThreshold = slowCallDurationThreshold
        self.minimumNumberOfCalls = minimumNumberOfCalls
        self.slidingWindowType = slidingWindowType
        self.slidingWindowSize = slidingWindowSize
        self.waitDurationInOpenState = waitDurationInOpenState
        self.permittedNumberOfCallsInHalfOpenState = permittedNumberOfCallsInHalfOpenState
        self.automaticTransitionFromOpenToHalfOpenEnabled = automaticTransitionFromOpenToHalfOpenEnabled
        self.maxWaitDurationInHalfOpenState = maxWaitDurationInHalfOpenState
    }

    /// The minimum number of calls that applies to the closed state's window.
    public var effectiveMinimumNumberOfCalls: Int {
        slidingWindowType == .countBased ? Swift.min(minimumNumberOfCalls, slidingWindowSize) : minimumNumberOfCalls
    }

    /// Resilience4j's defaults.
    // `try!`: the defaults are valid constants; the initialiser cannot throw for them.
    public static let resilience4j = try! CircuitBreakerConfiguration()
}
