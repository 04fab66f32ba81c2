/// Integer time and fraction helpers shared by the limiters of this folder.
///
/// Limiters keep time as `Int64` nanoseconds since their first use and tokens as exact
/// fractions (`Int128` numerators), so that no error accumulates over millions of calls
/// and two runs of a simulation agree to the nanosecond.
enum LimiterMath {
    /// Nanoseconds of a caller's `maxWait`: negative waits count as zero.
    static func waitBudget(_ maxWait: Duration) -> Int64 {
        Swift.max(0, maxWait.wholeNanoseconds)
    }

    /// ⌈a / b⌉ for b > 0.
    static func ceilDiv(_ a: Int128, _ b: Int128) -> Int128 {
        let q = a / b
        return (a % b != 0 && a > 0) ? q + 1 : q
    }

    /// ⌊a / b⌋ for b > 0 (rounds toward −∞, unlike `/`).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }

    /// Clamps an `Int128` into `Int64`.
    static func clamp(_ value: Int128) -> Int64 {
        if value > Int128(Int64.max) { return .max }
        if value < Int128(Int64.min) { return .min }
        return Int64(value)
    }
}

/// Maps a limiter's instants to `Int64` nanoseconds since the first instant it saw.
///
/// `InstantProtocol` offers no absolute number, so the first call fixes an origin and
/// every later instant is measured from it. The limiters are therefore "full at first
/// use" rather than "full at creation", which is the same thing for a bucket that starts
/// full (x/time/rate's starts full at its zero time as well).
struct LimiterTimeline<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private(set) var origin: Instant?

    /// A timeline whose origin is `origin`, or the first instant seen when nil.
    init(origin: Instant? = nil) { self.origin = origin }

    /// The offset of `instant`, fixing the origin on first use.
    mutating func offset(of instant: Instant) -> Int64 {
        guard let origin else {
            origin = instant
            return 0
        }
        return origin.duration(to: instant).wholeNanoseconds
    }

    /// The offset of `instant` without fixing an origin (0 before first use).
    func peekOffset(of instant: Instant) -> Int64 {
        guard let origin else { return 0 }
        return origin.duration(to: instant).wholeNanoseconds
    }

    /// The instant at `offset` (requires an origin).
    func instant(at offset: Int64) -> Instant {
        origin!.advanced(by: .nanoseconds(offset))
    }
}
