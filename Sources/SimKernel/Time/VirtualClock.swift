/// A `Clock` whose time moves only when the simulation's run loop says so.
///
/// Instants are integer nanoseconds since the start of the world, so arithmetic is exact
/// and two runs agree to the nanosecond. `sleep(until:)` parks the calling task on the
/// simulation's timer queue; cancelling the task removes the timer and throws
/// `CancellationError`, so `Task.sleep(for:clock:)`-style timeouts and task-group races
/// behave as they do under `ContinuousClock`.
///
/// Code written against `some Clock` (the `Resilience` library) runs unchanged on it.
public struct VirtualClock: Clock, Sendable {
    /// A point in virtual time: nanoseconds since the world started.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
        /// Nanoseconds since the world started.
        public var nanoseconds: Int64

        /// The instant `nanoseconds` after the start of the world.
        public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

        /// The start of the world.
        public static let zero = Instant(nanoseconds: 0)

        public func advanced(by duration: Duration) -> Instant {
            Instant(nanoseconds: nanoseconds.addingClamped(duration.nanoseconds))
        }

        public func duration(to other: Instant) -> Duration {
            .nanoseconds(other.nanoseconds &- nanoseconds)
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

        public var description: String { Duration.nanoseconds(nanoseconds).formattedShort }
    }

    let executor: SimExecutor

    /// A clock reading `executor`'s virtual time.
    public init(executor: SimExecutor) { self.executor = executor }

    public var now: Instant { Instant(nanoseconds: executor.now) }

    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await executor.sleep(until: deadline.nanoseconds, isolation: #isolation)
    }

    /// Sleeps for `duration` from now. Called on the concrete clock this costs one
    /// executor job; the generic `Clock.sleep(for:)` from the standard library is
    /// `@concurrent` and hops off the caller's actor and back.
    public func sleep(for duration: Duration) async throws {
        try await executor.sleep(until: executor.now.addingClamped(duration.nanoseconds), isolation: #isolation)
    }
}

extension Duration {
    /// The duration in whole nanoseconds (rounded to the nearest, so `.seconds(8.2)`,
    /// whose binary value is a hair under 8.2 s, is 8,200,000,000), saturating at the
    /// bounds of `Int64`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let half: Int64 = 500_000_000
        let rounded = attoseconds >= 0 ? (attoseconds + half) / 1_000_000_000 : (attoseconds - half) / 1_000_000_000
        return scaled.addingClamped(rounded)
    }

    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// A compact human form: `250ms`, `8.2s`, `30m`, `1.5h`, `120µs`.
    public var formattedShort: String {
        let ns = nanoseconds
        let magnitude = ns.magnitude
        func trimmed(_ value: Double, _ unit: String) -> String {
            var text = String(format3: value)
            if text.hasSuffix(".000") { text.removeLast(4) }
            else if text.hasSuffix("00") { text.removeLast(2) }
            else if text.hasSuffix("0") { text.removeLast() }
            return text + unit
        }
        switch magnitude {
        case 0: return "0s"
        case ..<1_000: return "\(ns)ns"
        case ..<1_000_000: return trimmed(Double(ns) / 1e3, "µs")
        case ..<1_000_000_000: return trimmed(Double(ns) / 1e6, "ms")
        case ..<120_000_000_000: return trimmed(Double(ns) / 1e9, "s")
        case ..<7_200_000_000_000: return trimmed(Double(ns) / 6e10, "m")
        default: return trimmed(Double(ns) / 3.6e12, "h")
        }
    }
}

extension String {
    /// `value` with exactly three decimals, without Foundation's locale machinery.
    init(format3 value: Double) {
        let negative = value < 0
        let thousandths = Int64((abs(value) * 1000).rounded())
        let whole = thousandths / 1000
        let fraction = thousandths % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        self = (negative ? "-" : "") + "\(whole).\(padded)"
    }
}

extension Int64 {
    /// `value` rounded toward zero, saturating at the bounds of `Int64` (NaN is 0): for
    /// model arithmetic on doubles that may overflow (a heavy tail times a slowdown).
    public init(saturating value: Double) {
        if value.isNaN { self = 0 }
        else if value >= 9.223_372_036_854_775e18 { self = .max }
        else if value <= -9.223_372_036_854_775e18 { self = .min }
        else { self = Int64(value) }
    }

    /// Addition that saturates instead of trapping.
    @inlinable func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
