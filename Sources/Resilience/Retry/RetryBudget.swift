/// A retry budget: retries are allowed only up to a fraction of recent requests, plus a
/// small reserve, so that a failing dependency sees at most `(1 + retryRatio)` times its
/// normal load instead of `maxAttempts` times (a retry storm cannot multiply load).
///
/// This is the budget of Finagle (`RetryBudget(ttl: 10.seconds, minRetriesPerSec: 10,
/// percentCanRetry: 0.2)`, also tower's `Budget`), in the family of Envoy's retry budgets
/// and gRPC's retry throttling. Call ``recordRequest(at:)`` once per original request
/// (not per retry) and ``tryRetry(at:)`` before each retry; a `false` answer means "do
/// not retry, report the failure".
///
/// **Window.** Counts live in `buckets` slices of `window / buckets` each (constant
/// memory, O(`buckets`) per retry decision, O(1) per request); the window is the current
/// slice and the `buckets − 1` before it. Slices are numbered from the first instant the
/// budget sees.
///
/// **Guarantee.** A retry is allowed only if, counting it, the window holds
/// `retries ≤ retryRatio · requests + minRetriesPerSecond · window` (the reserve, in
/// seconds). Because a retry naturally comes after the request it repeats, it may spend
/// credit from a request made up to one window earlier; spent credit stays spent until
/// the retry itself leaves the window. Hence, for *every* run of `buckets` consecutive
/// slices, retries in it ≤ `retryRatio` · (requests in it and in the `buckets` slices
/// before it) + reserve. Under a steady load that is the ratio per window; a burst of
/// requests funds retries for at most one window after it. Finagle behaves the same way (its
/// deposits and withdrawals expire after `ttl`); counting exact integers per slice here
/// (instead of Finagle's scaled token balance) keeps the bound exact.
public struct RetryBudget<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The budget's parameters.
    public struct Configuration: Sendable, Hashable {
        /// Retries allowed per original request over the window (Finagle's
        /// `percentCanRetry`, default 0.2 = 20 %; Envoy's default `budget_percent` is
        /// also 20 %).
        public private(set) var retryRatio: Double
        /// Retries per second always allowed, whatever the traffic (Finagle's
        /// `minRetriesPerSec`, default 10); over the window they form a reserve of
        /// `minRetriesPerSecond · window` retries.
        public private(set) var minRetriesPerSecond: Double
        /// How long a request counts (Finagle's `ttl`, default 10 s).
        public private(set) var window: Duration
        /// Slices the window is counted in (default 10, i.e. one second each).
        public private(set) var buckets: Int

        /// A budget of `retryRatio` retries per request plus `minRetriesPerSecond`, over
        /// `window` counted in `buckets` slices (Finagle's defaults: 20 %, 10 per second,
        /// 10 s).
        ///
        /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
        public init(retryRatio: Double = 0.2, minRetriesPerSecond: Double = 10, window: Duration = .seconds(10), buckets: Int = 10) throws(ConfigurationError) {
            let check = ConfigurationCheck("RetryBudget.Configuration")
            try check.require(retryRatio >= 0 && retryRatio.isFinite, "retryRatio", "finite and >= 0", retryRatio)
            try check.require(minRetriesPerSecond >= 0 && minRetriesPerSecond.isFinite, "minRetriesPerSecond", "finite and >= 0", minRetriesPerSecond)
            try check.require(buckets >= 1, "buckets", ">= 1", buckets)
            try check.require(window.wholeNanoseconds >= Int64(buckets), "window", "at least 1 ns per bucket (>= \(buckets) ns)", window)
            self.retryRatio = retryRatio
            self.minRetriesPerSecond = minRetriesPerSecond
            self.window = window
            self.buckets = buckets
        }

        /// Finagle's defaults: 20 %, 10 retries per second, a 10 s window in 10 slices.
        // `try!`: constant, valid arguments; the initialiser cannot throw for them.
        public static var finagle: Configuration { try! Configuration() }

        /// Retries allowed over the window with no requests at all:
        /// `minRetriesPerSecond · window` (in seconds).
        @inlinable public var reserve: Double { minRetriesPerSecond * window.secondsValue }
    }

    /// The budget's parameters.
    public let configuration: Configuration
    /// Original requests recorded since the budget was made.
    @inlinable public var totalRequests: Int { _totalRequests }
    @usableFromInline var _totalRequests = 0
    /// Retries allowed since the budget was made.
    @inlinable public var totalRetries: Int { _totalRetries }
    @usableFromInline var _totalRetries = 0
    /// Retries refused since the budget was made.
    @inlinable public var totalDenied: Int { _totalDenied }
    @usableFromInline var _totalDenied = 0

    @usableFromInline var requests: [Int]
    @usableFromInline var retries: [Int]
    @usableFromInline var origin: Instant?
    /// Absolute number of the current slice since `origin`.
    @usableFromInline var current: Int64 = 0
    @usableFromInline let bucketNanoseconds: Int64

    /// An empty budget (its reserve is available at once).
    public init(_ configuration: Configuration = .finagle) {
        self.configuration = configuration
        requests = Array(repeating: 0, count: configuration.buckets)
        retries = Array(repeating: 0, count: configuration.buckets)
        bucketNanoseconds = configuration.window.wholeNanoseconds / Int64(configuration.buckets)
    }

    /// Records one original request at `now` (Finagle's `deposit`).
    @inlinable public mutating func recordRequest(at now: Instant) {
        advance(to: now)
        requests[slot(current)] += 1
        _totalRequests += 1
    }

    /// Spends one retry at `now` if the budget allows it (Finagle's `tryWithdraw`).
    /// Returns `false`, changing nothing but the denial count, when it does not.
    @inlinable public mutating func tryRetry(at now: Instant) -> Bool {
        advance(to: now)
        guard available() >= 1 else {
            _totalDenied += 1
            return false
        }
        retries[slot(current)] += 1
        _totalRetries += 1
        return true
    }

    /// How many retries ``tryRetry(at:)`` would allow at `now`, one after the other,
    /// if no request came in between. Does not change the budget.
    public func retriesAvailable(at now: Instant) -> Int {
        var copy = self
        copy.advance(to: now)
        return copy.available()
    }

    /// Original requests and retries counted in the window as of `now`.
    public func counts(at now: Instant) -> (requests: Int, retries: Int) {
        var copy = self
        copy.advance(to: now)
        return (copy.requests.reduce(0, +), copy.retries.reduce(0, +))
    }

    // MARK: Window

    @inlinable func slot(_ bucket: Int64) -> Int {
        Int(bucket % Int64(configuration.buckets))
    }

    /// Moves the current slice to the one holding `now`, clearing the slices that left
    /// the window. An instant earlier than the current slice counts in the current one.
    @inlinable mutating func advance(to now: Instant) {
        guard let origin else {
            self.origin = now
            return
        }
        let elapsed = origin.duration(to: now).wholeNanoseconds
        let bucket = elapsed / bucketNanoseconds
        guard bucket > current else { return }
        let count = Int64(configuration.buckets)
        if bucket - current >= count {
            for index in requests.indices {
                requests[index] = 0
                retries[index] = 0
            }
        } else {
            var next = current + 1
            while next <= bucket {
                requests[slot(next)] = 0
                retries[slot(next)] = 0
                next += 1
            }
        }
        current = bucket
    }

    /// `ratio · requests + reserve − retries` over the window, rounded down: retries
    /// allowed now.
    @inlinable func available() -> Int {
        var requestSum = 0
        var retrySum = 0
        var bucket = current
        for _ in 0..<configuration.buckets {
            requestSum += requests[slot(bucket)]
            retrySum += retries[slot(bucket)]
            // Slices before the first instant were never used.
            if bucket == 0 { break }
            bucket -= 1
        }
        let slack = configuration.retryRatio * Double(requestSum) + configuration.reserve - Double(retrySum)
        guard slack >= 1 else { return 0 }
        return slack >= Double(Int.max) ? Int.max : Int(slack.rounded(.down))
    }
}
