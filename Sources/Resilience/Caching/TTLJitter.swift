/// A random spread applied to a time-to-live, so that entries written together do not
/// expire together (a cache *avalanche*: a batch of keys loaded at start-up or after a
/// flush all expire in the same second and their reloads hit the database at once).
///
/// The jittered TTL is drawn uniformly, in whole nanoseconds, from an interval whose
/// width is `fraction` of the TTL, placed by ``Spread``:
/// - ``Spread/below``: `[ttl·(1 − fraction), ttl]` (the default). The configured TTL stays
///   a hard upper bound on how long an entry lives, so "never older than the TTL" still
///   holds; this is what the caching types here rely on for their freshness guarantees.
/// - ``Spread/around``: `[ttl·(1 − fraction), ttl·(1 + fraction)]`, the form of go-zero's
///   cache (`expiry·(1 ± 0.05)`).
/// - ``Spread/above``: `[ttl, ttl·(1 + fraction)]`: never shorter than the TTL.
///
/// Randomness comes from the generator the caller passes, so a simulation stays
/// reproducible. A TTL of zero or less is returned unchanged.
public struct TTLJitter: Sendable, Equatable {
    /// Where the random interval sits relative to the TTL.
    public enum Spread: Sendable, Equatable {
        /// Shorten only: `[ttl·(1 − fraction), ttl]`.
        case below
        /// Shorten or lengthen: `[ttl·(1 − fraction), ttl·(1 + fraction)]`.
        case around
        /// Lengthen only: `[ttl, ttl·(1 + fraction)]`.
        case above
    }

    /// Width of the spread as a fraction of the TTL, in [0, 1].
    public var fraction: Double
    /// Where the spread sits relative to the TTL.
    public var spread: Spread

    /// A jitter of `fraction` of the TTL (clamped to [0, 1]), placed by `spread`
    /// (default ``Spread/below``, which never lengthens an entry's life).
    public init(fraction: Double, spread: Spread = .below) {
        self.fraction = fraction.isNaN ? 0 : Swift.min(Swift.max(fraction, 0), 1)
        self.spread = spread
    }

    /// No jitter: every entry lives exactly its TTL.
    public static let none = TTLJitter(fraction: 0)

    /// Up to `fraction` of the TTL shorter (the default spread).
    public static func below(_ fraction: Double) -> TTLJitter { TTLJitter(fraction: fraction, spread: .below) }

    /// Up to `fraction` of the TTL shorter or longer.
    public static func around(_ fraction: Double) -> TTLJitter { TTLJitter(fraction: fraction, spread: .around) }

    /// Up to `fraction` of the TTL longer.
    public static func above(_ fraction: Double) -> TTLJitter { TTLJitter(fraction: fraction, spread: .above) }

    /// The shortest and longest TTL ``apply(to:using:)`` can return for `ttl`.
    public func bounds(for ttl: Duration) -> ClosedRange<Duration> {
        let (low, high) = nanosecondBounds(ttl.wholeNanoseconds)
        return .nanoseconds(low) ... .nanoseconds(high)
    }

    /// `ttl` with the jitter applied: uniform in ``bounds(for:)``, drawn from `random`.
    /// Draws nothing when the jitter is ``none`` or `ttl` is not positive.
    public func apply(to ttl: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        let nanos = ttl.wholeNanoseconds
        let (low, high) = nanosecondBounds(nanos)
        guard high > low else { return ttl }
        let offset = UInt64.random(in: 0 ... UInt64(high - low), using: &random)
        return .nanoseconds(low + Int64(offset))
    }

    private func nanosecondBounds(_ ttl: Int64) -> (Int64, Int64) {
        guard ttl > 0, fraction > 0 else { return (ttl, ttl) }
        // Doubles near Int64.max round up past it; clamp before converting.
        let product = (Double(ttl) * fraction).rounded(.down)
        let span = product >= 9.2e18 ? ttl : Swift.min(Int64(product), ttl)
        switch spread {
        case .below: return (ttl - span, ttl)
        case .around: return (ttl - span, ttl.addingReportingOverflow(span).overflow ? .max : ttl + span)
        case .above: return (ttl, ttl.addingReportingOverflow(span).overflow ? .max : ttl + span)
        }
    }
}
