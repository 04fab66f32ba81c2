public import SimKernel

/// A call policy: how one service calls another (client side).
public struct CallPolicy: Sendable, Equatable {
    /// How long the caller waits for a reply; nil waits forever (a stall risk).
    public var timeout: Duration?
    /// Retries after a failed attempt.
    public var retry: RetrySpec?
    /// Circuit breaker guarding the calls, one per (caller instance, callee service).
    public var breaker: BreakerSpec?
    /// How a call degrades when the breaker rejects it (and, optionally, when it fails);
    /// nil: the failure stands.
    public var fallback: FallbackSpec?

    /// A policy with the given parts (default: 1 s timeout, no retry, no breaker, no fallback).
    public init(timeout: Duration? = .seconds(1), retry: RetrySpec? = nil, breaker: BreakerSpec? = nil,
                fallback: FallbackSpec? = nil) {
        self.timeout = timeout
        self.retry = retry
        self.breaker = breaker
        self.fallback = fallback
    }
}

/// What a service does with the deadline a call carries (the instant its caller gives up).
public enum DeadlineHandling: String, Sendable, Equatable, CaseIterable {
    /// Work on regardless: a call runs to its end even after its caller gave up.
    case ignore
    /// Shed a queued call whose deadline passed, and handle the others under their
    /// deadline, so nested calls, retries and pool waits end when the caller gives up.
    case honour
}

/// The three degrade modes of the seeds: what a caller answers instead of failing.
public enum FallbackMode: String, Sendable, Equatable, CaseIterable {
    /// The last good reply to the same (read) call: cached data.
    case cached
    /// A default value chosen per kind of call (a product found, an order status unknown).
    case defaultValue = "default"
    /// The work published to the broker for later processing, answered `accepted`.
    case deferred = "defer"
}

/// A call policy's fallback: its mode, and whether it also serves calls that failed
/// (after their retries) rather than only calls the breaker rejected.
public struct FallbackSpec: Sendable, Equatable {
    /// The degrade mode.
    public var mode: FallbackMode
    /// Whether a call that failed in a way that counts against a breaker is degraded too.
    public var onFailure: Bool

    /// A fallback in `mode`, for rejected calls and, with `onFailure`, failed ones.
    public init(mode: FallbackMode, onFailure: Bool = false) {
        self.mode = mode
        self.onFailure = onFailure
    }
}

/// Retries with exponential backoff (AWS's formulas) and an optional retry budget.
public struct RetrySpec: Sendable, Equatable {
    /// Jitter applied to the exponential delay.
    public enum Jitter: String, Sendable, Equatable, CaseIterable {
        case none, full, equal, decorrelated
    }
    /// Attempts in all, the first included.
    public var attempts: Int
    /// First backoff delay.
    public var base: Duration
    /// Largest backoff delay.
    public var cap: Duration
    /// Jitter kind.
    public var jitter: Jitter
    /// Retries allowed as a fraction of requests (Finagle-style budget); nil = unlimited.
    public var budget: Double?

    /// A retry policy.
    public init(attempts: Int, base: Duration = .milliseconds(100), cap: Duration = .seconds(2),
                jitter: Jitter = .full, budget: Double? = nil) {
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.budget = budget
    }
}

/// A circuit breaker: Resilience4j-style windows, or a Sentinel degrade rule.
public enum BreakerSpec: Sendable, Equatable {
    /// Resilience4j semantics.
    case resilience4j(Resilience4jBreakerSpec)
    /// Sentinel degrade rule.
    case sentinel(SentinelRuleSpec)
}

/// Resilience4j circuit-breaker parameters (defaults are Resilience4j's, except the
/// half-open maximum wait, which fixes its stuck half-open state).
public struct Resilience4jBreakerSpec: Sendable, Equatable {
    /// Count-based (last N calls) or time-based (last N seconds) window.
    public enum Window: String, Sendable, Equatable, CaseIterable { case count, time }
    /// Which window the rates are computed over.
    public var window: Window
    /// Window size: calls (count) or seconds (time).
    public var size: Int
    /// Failure rate that opens the breaker (≥).
    public var failureRate: Double
    /// Slow-call rate that opens the breaker (≥).
    public var slowRate: Double
    /// A call slower than this is slow.
    public var slowCall: Duration
    /// Calls needed before rates are evaluated.
    public var minimumCalls: Int
    /// Time spent open before half-open.
    public var waitOpen: Duration
    /// Trial calls admitted in half-open.
    public var halfOpenCalls: Int
    /// Longest time in half-open before reopening (0 = forever, Resilience4j's flaw).
    public var maxWaitHalfOpen: Duration

    /// Parameters with Resilience4j's defaults.
    public init(window: Window = .count, size: Int = 100, failureRate: Double = 0.5, slowRate: Double = 1,
                slowCall: Duration = .seconds(60), minimumCalls: Int = 100, waitOpen: Duration = .seconds(60),
                halfOpenCalls: Int = 10, maxWaitHalfOpen: Duration = .seconds(30)) {
        self.window = window
        self.size = size
        self.failureRate = failureRate
        self.slowRate = slowRate
        self.slowCall = slowCall
        self.minimumCalls = minimumCalls
        self.waitOpen = waitOpen
        self.halfOpenCalls = halfOpenCalls
        self.maxWaitHalfOpen = maxWaitHalfOpen
    }
}

/// A Sentinel degrade rule (strict `>` comparisons; one probe after the window).
public struct SentinelRuleSpec: Sendable, Equatable {
    /// What the rule measures.
    public enum Strategy: Sendable, Equatable {
        /// Fraction of calls that failed.
        case errorRatio(Double)
        /// Failed calls per stat interval.
        case errorCount(Int)
        /// Fraction of calls slower than `maxResponse`.
        case slowRatio(Double, maxResponse: Duration)
    }
    /// What the rule measures and when it trips.
    public var strategy: Strategy
    /// How long the breaker stays open.
    public var window: Duration
    /// Statistics interval.
    public var statInterval: Duration
    /// Calls needed in an interval before the rule can trip.
    public var minimumRequests: Int

    /// A rule.
    public init(strategy: Strategy, window: Duration, statInterval: Duration = .seconds(1), minimumRequests: Int = 5) {
        self.strategy = strategy
        self.window = window
        self.statInterval = statInterval
        self.minimumRequests = minimumRequests
    }
}

/// A limiter on a gateway route: one of the `Resilience` library's rate or concurrency
/// limiters.
public enum LimiterSpec: Sendable, Equatable {
    /// Token bucket (rate per second, burst); requests over it are refused (HTTP 429).
    case tokenBucket(rate: Double, burst: Int)
    /// Sliding-window log: at most `limit` per `window` (exact, one timestamp per request).
    case slidingWindow(limit: Int, window: Duration)
    /// Sliding-window counter: at most about `limit` per `window`, estimated from the
    /// current and previous fixed windows (two counters).
    case slidingWindowCounter(limit: Int, window: Duration)
    /// Fixed window: at most `limit` per aligned `window` (bursts of 2·limit at a boundary).
    case fixedWindow(limit: Int, window: Duration)
    /// Sentinel's queueing limiter: requests spaced 1/rate apart, waiting at most `maxQueueing`.
    case queueing(rate: Double, maxQueueing: Duration)
    /// Warm-up (Guava's SmoothWarmingUp): from rate/coldFactor when cold up to `rate` over
    /// `warmUp` of saturated traffic; requests wait at most `maxQueueing`.
    case warmUp(rate: Double, warmUp: Duration, coldFactor: Double, maxQueueing: Duration)
    /// At most `limit` requests in flight; more are refused at once.
    case concurrency(limit: Int)
    /// A semaphore bulkhead: at most `limit` in flight, more wait in FIFO order up to
    /// `maxWait` and are then refused.
    case bulkhead(limit: Int, maxWait: Duration)
    /// An adaptive concurrency limit (Netflix concurrency-limits), fed each request's
    /// round-trip time and whether it was dropped.
    case adaptive(AdaptiveLimitSpec)
}

/// An adaptive concurrency limit: its algorithm and bounds.
public struct AdaptiveLimitSpec: Sendable, Equatable {
    /// The limit algorithm.
    public enum Algorithm: String, Sendable, Equatable, CaseIterable {
        /// Additive increase, multiplicative decrease on drops or slow calls.
        case aimd
        /// TCP Vegas: queueing estimated from RTT against the no-load RTT.
        case vegas
        /// Gradient2: the ratio of long-term to short-term RTT.
        case gradient2
    }
    /// How the limit adapts.
    public var algorithm: Algorithm
    /// The limit at start.
    public var initialLimit: Int
    /// The lowest limit (AIMD, Gradient2).
    public var minLimit: Int
    /// The highest limit.
    public var maxLimit: Int
    /// AIMD: an RTT above this counts as a drop.
    public var timeout: Duration

    /// Netflix's defaults: initial 20, min 20, max 200, AIMD timeout 5 s.
    public init(algorithm: Algorithm = .aimd, initialLimit: Int = 20, minLimit: Int = 20, maxLimit: Int = 200,
                timeout: Duration = .seconds(5)) {
        self.algorithm = algorithm
        self.initialLimit = initialLimit
        self.minLimit = minLimit
        self.maxLimit = maxLimit
        self.timeout = timeout
    }
}

/// A connection pool to the database, per service instance (Go database/sql, HikariCP).
public struct ConnectionPoolSpec: Sendable, Equatable {
    /// Most connections open (0 = unlimited).
    public var maxOpen: Int
    /// Idle connections kept.
    public var maxIdle: Int
    /// Longest a caller waits for a connection.
    public var acquireTimeout: Duration
    /// Connections are closed after this age.
    public var maxLifetime: Duration?
    /// Idle connections are closed after this time.
    public var idleTimeout: Duration?
    /// Connections held longer than this are reported as leaks.
    public var leakThreshold: Duration?
    /// The order in which waiting callers get a connection (FIFO by default).
    public var queueDiscipline: QueueDisciplineSpec

    /// A pool (defaults: HikariCP's example from the documents: 20 open, 5 idle, 30 s timeout).
    public init(maxOpen: Int = 20, maxIdle: Int = 5, acquireTimeout: Duration = .seconds(30),
                maxLifetime: Duration? = .seconds(1800), idleTimeout: Duration? = .seconds(600),
                leakThreshold: Duration? = nil, queueDiscipline: QueueDisciplineSpec = .fifo) {
        self.maxOpen = maxOpen
        self.maxIdle = maxIdle
        self.acquireTimeout = acquireTimeout
        self.maxLifetime = maxLifetime
        self.idleTimeout = idleTimeout
        self.leakThreshold = leakThreshold
        self.queueDiscipline = queueDiscipline
    }
}

/// How a pool serves the work waiting for it (`queue_discipline`): the Resilience
/// library's `QueueDiscipline`.
public enum QueueDisciplineSpec: Sendable, Equatable {
    /// First come, first served (the default).
    case fifo
    /// Newest first.
    case lifo
    /// Adaptive LIFO with CoDel shedding: FIFO while calm; when the queue's minimum delay
    /// over `interval` exceeds `target`, newest first and drop work that waited longer
    /// than `target` (while calm, longer than `interval`).
    case codel(target: Duration, interval: Duration)

    /// CoDel's and Facebook's figures: 5 ms target, 100 ms interval.
    public static let codelDefaults = QueueDisciplineSpec.codel(target: .milliseconds(5), interval: .milliseconds(100))
}

/// The seeds' autoscaling rule for a service's workers (`autoscale`): every `every`, each
/// instance looks at its queue and its utilisation over the last period, and when more
/// than `queueAbove` requests wait and utilisation was below `utilisationBelow`, asks for
/// `add` more workers (up to `max`), which start after `startup`. Workers added and then
/// idle for the service's `idle_timeout` retire.
public struct AutoscaleSpec: Sendable, Equatable {
    /// Queue length per instance above which the rule may fire.
    public var queueAbove: Int
    /// Utilisation (busy time over the time of the workers present) below which it may fire.
    public var utilisationBelow: Double
    /// Workers added per decision.
    public var add: Int
    /// Time between decisions.
    public var every: Duration
    /// Most workers per instance.
    public var max: Int
    /// Time a new worker takes to start.
    public var startup: Duration

    /// A rule (defaults: the seeds', queue > 1000 and utilisation < 70% → 2 more workers
    /// every 30 s, up to 64, each starting in 20 s).
    public init(queueAbove: Int = 1000, utilisationBelow: Double = 0.7, add: Int = 2, every: Duration = .seconds(30),
                max: Int = 64, startup: Duration = .seconds(20)) {
        self.queueAbove = queueAbove
        self.utilisationBelow = utilisationBelow
        self.add = add
        self.every = every
        self.max = max
        self.startup = startup
    }
}

/// An external dependency (WeChat's code exchange, the payment gateway): latency and
/// error model, outside the platform's control.
public struct DependencySpec: Sendable, Equatable {
    /// Time to answer.
    public var latency: Distribution
    /// Fraction of calls that fail with an error.
    public var errors: Double
    /// Fraction of calls that never answer (the caller's timeout decides).
    public var hangs: Double
    /// Calls handled at once; more wait (nil = unlimited).
    public var concurrency: Int?

    /// A dependency.
    public init(latency: Distribution, errors: Double = 0, hangs: Double = 0, concurrency: Int? = nil) {
        self.latency = latency
        self.errors = errors
        self.hangs = hangs
        self.concurrency = concurrency
    }
}
