/// A rate of permits: `permits` every `interval`, kept as an exact fraction.
///
/// Limiters use it to compute refills and spacings without floating point, so
/// `Rate.perSecond(3)` really is three permits a second (a spacing of 333,333,333⅓ ns)
/// and nothing drifts after millions of calls. The fraction is stored in lowest terms:
/// `Rate(permits: 100, per: .seconds(1))` reads back as 1 permit per 10 ms, and
/// the two compare equal.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// Permits per ``interval`` (lowest terms; 0 for a rate that never refills).
    public let permits: Int64
    /// Whole nanoseconds of the interval (lowest terms, ≥ 1).
    let intervalNanoseconds: Int64

    /// `permits` (≥ 0) every `interval` (≥ 1 ns; sub-nanosecond parts are dropped).
    ///
    /// - Throws: ``ConfigurationError`` for a negative count or an interval under 1 ns.
    public init(permits: Int, per interval: Duration) throws(ConfigurationError) {
        let check = ConfigurationCheck("Rate")
        try check.require(permits >= 0, "permits", ">= 0", permits)
        try check.require(interval.wholeNanoseconds >= 1, "interval", ">= 1 ns", interval)
        self.init(validPermits: permits, nanoseconds: interval.wholeNanoseconds)
    }

    /// A rate from a count ≥ 0 and an interval ≥ 1 ns known to be valid (the library's
    /// constants, and the checked initialiser above).
    init(validPermits permits: Int, nanoseconds: Int64) {
        if permits == 0 {
            self.permits = 0
            intervalNanoseconds = 1_000_000_000
            return
        }
        var a = Int64(permits), b = nanoseconds
        while b != 0 { (a, b) = (b, a % b) }
        self.permits = Int64(permits) / a
        intervalNanoseconds = nanoseconds / a
    }

    /// `permits` per second (the "QPS" of Sentinel's rules and x/time/rate's `Limit`).
    ///
    /// - Throws: ``ConfigurationError`` when `permits` is negative.
    public static func perSecond(_ permits: Int) throws(ConfigurationError) -> Rate { try Rate(permits: permits, per: .seconds(1)) }

    /// `permits` per minute.
    ///
    /// - Throws: ``ConfigurationError`` when `permits` is negative.
    public static func perMinute(_ permits: Int) throws(ConfigurationError) -> Rate { try Rate(permits: permits, per: .seconds(60)) }

    /// One permit every `interval` (x/time/rate's `Every`).
    ///
    /// - Throws: ``ConfigurationError`` when `interval` is under 1 ns.
    public static func every(_ interval: Duration) throws(ConfigurationError) -> Rate { try Rate(permits: 1, per: interval) }

    /// A rate that never refills (x/time/rate's `Limit(0)`): only the burst is ever admitted.
    public static let zero = Rate(validPermits: 0, nanoseconds: 1_000_000_000)

    /// The interval over which ``permits`` accrue.
    public var interval: Duration { .nanoseconds(intervalNanoseconds) }

    /// Permits per second, for display and for the warm-up curve's floating-point parts.
    public var permitsPerSecond: Double { Double(permits) * 1e9 / Double(intervalNanoseconds) }

    /// The spacing between two permits in nanoseconds, as a Double (∞ for ``zero``).
    var nanosecondsPerPermit: Double { Double(intervalNanoseconds) / Double(permits) }

    /// "100/s", "1/10ms"-style text.
    public var description: String {
        if 1_000_000_000 % intervalNanoseconds == 0 {
            let (perSecond, overflow) = permits.multipliedReportingOverflow(by: 1_000_000_000 / intervalNanoseconds)
            if !overflow { return "\(perSecond)/s" }
        }
        if intervalNanoseconds % 1_000_000_000 == 0 {
            let seconds = intervalNanoseconds / 1_000_000_000
            return seconds == 1 ? "\(permits)/s" : "\(permits)/\(seconds)s"
        }
        if intervalNanoseconds % 1_000_000 == 0 { return "\(permits)/\(intervalNanoseconds / 1_000_000)ms" }
        if intervalNanoseconds % 1_000 == 0 { return "\(permits)/\(intervalNanoseconds / 1_000)µs" }
        return "\(permits)/\(intervalNanoseconds)ns"
    }
}
