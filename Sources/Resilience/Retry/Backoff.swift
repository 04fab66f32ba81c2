/// How long to wait before the next attempt: a pure function of the attempt number,
/// the previous delay and an injected random number generator.
///
/// The un-jittered delay after attempt *n* (1-based: *n* = 1 is the wait after the first
/// failure) is AWS's `expo(n) = min(cap, base · multiplierⁿ⁻¹)`, with `multiplier` 2 in
/// AWS's article and 1 for a constant delay. ``Jitter`` then spreads it:
///
/// | jitter            | delay after attempt n                          | bounds                     |
/// |-------------------|------------------------------------------------|----------------------------|
/// | `.none`           | `expo(n)`                                      | exactly `expo(n)`          |
/// | `.full`           | `U(0, expo(n))`                                | `[0, expo(n)]`             |
/// | `.equal`          | `expo(n)/2 + U(0, expo(n)/2)`                  | `[expo(n)/2, expo(n)]`     |
/// | `.decorrelated`   | `min(cap, U(base, 3 · previous))`              | `[base, cap]`              |
/// | `.randomized(f)`  | `min(cap, U(expo(n)·(1−f), expo(n)·(1+f)))`    | within `cap`               |
///
/// Every delay is drawn in whole nanoseconds with `Int64.random(in:using:)`, so its
/// bounds are exact and no delay ever exceeds `cap`. AWS's "Exponential Backoff and
/// Jitter" found full jitter does the least total work under contention and plain
/// exponential backoff (`.none`) the most; `.randomized` is Resilience4j's
/// `ofExponentialRandomBackoff` (randomization factor, ±f around the exponential value),
/// capped after randomizing like its `maxInterval`.
///
/// ```swift
/// // The producer of the source documents: a fixed 100 ms between attempts.
/// let fixed = try Backoff.constant(.milliseconds(100))
/// // gRPC-style: full jitter over 100 ms · 2ⁿ⁻¹, at most 10 s.
/// let grpc = try Backoff.exponential(base: .milliseconds(100), cap: .seconds(10))
/// var random = SystemRandomNumberGenerator()
/// let wait = grpc.delay(afterAttempt: 3, previous: nil, using: &random) // in [0, 400 ms]
/// ```
public struct Backoff: Sendable, Hashable {
    /// How a delay is randomized around (or below) the exponential value.
    public enum Jitter: Sendable, Hashable {
        /// No randomness: `expo(n)` (synchronized retries; only for a single client or
        /// when the delay is fixed by contract, like the producer's 100 ms).
        case none
        /// AWS "full jitter": uniform in `[0, expo(n)]`.
        case full
        /// AWS "equal jitter": `expo(n)/2` plus uniform in `[0, expo(n)/2]`.
        case equal
        /// AWS "decorrelated jitter": `min(cap, U(base, 3 · previous))`, where `previous`
        /// is the last delay (`base` before the first retry). Ignores `multiplier`.
        case decorrelated
        /// Resilience4j's randomized interval: uniform within `±factor` of `expo(n)`,
        /// then capped. `factor` lies in `[0, 1]` (Resilience4j's default is 0.5).
        case randomized(factor: Double)
    }

    /// The first delay (the `base` of AWS's formulas, Resilience4j's `initialInterval`).
    public private(set) var base: Duration
    /// Growth per attempt (≥ 1): 2 for AWS's doubling, 1 for a constant delay,
    /// Resilience4j's default is 1.5.
    public private(set) var multiplier: Double
    /// No delay ever exceeds this (≥ `base`).
    public private(set) var cap: Duration
    /// How the delay is randomized.
    public private(set) var jitter: Jitter

    /// A backoff starting at `base`, growing by `multiplier` per attempt up to `cap`,
    /// randomized by `jitter`.
    ///
    /// - Parameters:
    ///   - base: the first delay, ≥ 0.
    ///   - multiplier: growth per attempt, ≥ 1 (default 2, AWS).
    ///   - cap: the largest delay, ≥ `base`.
    ///   - jitter: randomization (default `.full`, AWS's and gRPC's choice).
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(base: Duration, multiplier: Double = 2, cap: Duration, jitter: Jitter = .full) throws(ConfigurationError) {
        let check = ConfigurationCheck("Backoff")
        try check.require(base >= .zero, "base", ">= 0", base)
        try check.require(multiplier >= 1 && multiplier.isFinite, "multiplier", "finite and >= 1", multiplier)
        try check.require(cap >= base, "cap", ">= base (\(base))", cap)
        if case .randomized(let factor) = jitter {
            try check.require(factor >= 0 && factor <= 1, "jitter.factor", "in [0, 1]", factor)
        }
        self.init(validBase: base, multiplier: multiplier, cap: cap, jitter: jitter)
    }

    /// gRPC's and AWS's default: full jitter, 100 ms doubling up to 10 s.
    public static let grpc = Backoff(validBase: .milliseconds(100), multiplier: 2, cap: .seconds(10), jitter: .full)

    /// A backoff from values known to be valid (the library's own defaults).
    init(validBase base: Duration, multiplier: Double, cap: Duration, jitter: Jitter) {
        self.base = base
        self.multiplier = multiplier
        self.cap = cap
        self.jitter = jitter
    }

    /// The same `delay` before every retry, without randomness (the producer's "retry 3
    /// times with 100 ms backoff").
    public static func constant(_ delay: Duration) throws(ConfigurationError) -> Backoff {
        try Backoff(base: delay, multiplier: 1, cap: delay, jitter: .none)
    }

    /// Resilience4j's `IntervalFunction.ofRandomized`: `delay ± factor · delay`, uniformly.
    public static func randomized(_ delay: Duration, factor: Double = 0.5) throws(ConfigurationError) -> Backoff {
        let upper = Duration.nanoseconds(Int64((Double(delay.wholeNanoseconds) * (1 + factor)).rounded(.down)))
        return try Backoff(base: delay, multiplier: 1, cap: Swift.max(upper, delay), jitter: .randomized(factor: factor))
    }

    /// Exponential backoff `min(cap, base · multiplierⁿ⁻¹)` with `jitter` (default full
    /// jitter).
    public static func exponential(base: Duration, multiplier: Double = 2, cap: Duration, jitter: Jitter = .full) throws(ConfigurationError) -> Backoff {
        try Backoff(base: base, multiplier: multiplier, cap: cap, jitter: jitter)
    }

    /// The un-jittered delay after attempt `attempt` (1-based): `min(cap, base ·
    /// multiplierⁿ⁻¹)`, truncated to whole nanoseconds.
    public func exponentialDelay(afterAttempt attempt: Int) -> Duration {
        .nanoseconds(expoNanoseconds(attempt))
    }

    /// The smallest and largest delay ``delay(afterAttempt:previous:using:)`` can return
    /// for these arguments (both inclusive, both ≤ `cap`).
    public func range(afterAttempt attempt: Int, previous: Duration?) -> ClosedRange<Duration> {
        let (low, high) = bounds(attempt, previous)
        return .nanoseconds(low) ... .nanoseconds(high)
    }

    /// The delay to wait after attempt `attempt` failed, before attempt `attempt + 1`.
    ///
    /// - Parameters:
    ///   - attempt: the 1-based number of the attempt that just failed (values below 1
    ///     count as 1).
    ///   - previous: the delay returned for the previous attempt, or `nil` before the
    ///     first retry; only `.decorrelated` uses it.
    ///   - generator: the source of randomness (a seeded stream in the simulation).
    /// - Returns: a delay within ``range(afterAttempt:previous:)``, never above `cap`.
    public func delay(afterAttempt attempt: Int, previous: Duration?, using generator: inout some RandomNumberGenerator) -> Duration {
        let (low, high) = bounds(attempt, previous)
        if low == high { return .nanoseconds(low) }
        return .nanoseconds(Int64.random(in: low ... high, using: &generator))
    }

    // MARK: Arithmetic (integer nanoseconds)

    private var capNanoseconds: Int64 { cap.wholeNanoseconds }
    private var baseNanoseconds: Int64 { base.wholeNanoseconds }

    private func bounds(_ attempt: Int, _ previous: Duration?) -> (Int64, Int64) {
        let cap = capNanoseconds
        switch jitter {
        case .none:
            let expo = expoNanoseconds(attempt)
            return (expo, expo)
        case .full:
            return (0, expoNanoseconds(attempt))
        case .equal:
            let expo = expoNanoseconds(attempt)
            return (expo / 2, expo)
        case .decorrelated:
            let base = baseNanoseconds
            let last = previous.map { $0.wholeNanoseconds } ?? base
            let upper = Swift.min(cap, Swift.max(base, NanosecondArithmetic.multiply(last, 3)))
            return (base, upper)
        case .randomized(let factor):
            let expo = Double(expoNanoseconds(attempt))
            let low = Int64((expo * (1 - factor)).rounded(.up))
            // `expo · (1 + f)` may exceed Int64 only if cap does: clamp in Double first.
            let high = Swift.min(expo * (1 + factor), Double(cap)).rounded(.down)
            let highNanoseconds = high >= Double(Int64.max) ? cap : Swift.min(cap, Int64(high))
            return (Swift.min(low, highNanoseconds), highNanoseconds)
        }
    }

    /// `min(cap, base · multiplier^(attempt − 1))` in nanoseconds, by exponentiation by
    /// squaring in `Double` (exact for powers of two below 2⁵³ ns ≈ 104 days) with an
    /// early exit once the cap is reached.
    private func expoNanoseconds(_ attempt: Int) -> Int64 {
        let cap = capNanoseconds
        let base = baseNanoseconds
        var exponent = Swift.max(attempt, 1) - 1
        if exponent == 0 || multiplier == 1 || base == 0 { return Swift.min(base, cap) }
        let limit = Double(cap)
        var value = Double(base)
        var factor = multiplier
        while exponent > 0 {
            if exponent & 1 == 1 {
                value *= factor
                if value >= limit { return cap }
            }
            exponent >>= 1
            if exponent > 0 {
                factor *= factor
                // A factor this large already pushes any positive base past the cap.
                if factor >= limit { return cap }
            }
        }
        return Swift.min(cap, Int64(value))
    }
}
