import Resilience
import SimKernel
import Synchronization

/// Small helpers for the rate-limiting tests (namespaced to stay clear of other folders').
enum Limiting {
    /// The virtual instant `nanoseconds` after the start of a world.
    static func ns(_ nanoseconds: Int64) -> VirtualClock.Instant {
        VirtualClock.Instant(nanoseconds: nanoseconds)
    }

    /// Whole nanoseconds of a duration (test-side, independent of the library's helper).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// ⌈a / b⌉ for a ≥ 0, b > 0.
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { (a + b - 1) / b }

    /// Returns `value` unchanged. `#expect(x.mutatingCall())` does not compile, because
    /// the macro turns the receiver into an immutable closure parameter; passing the call
    /// as an argument, `#expect(Limiting.evaluated(x.mutatingCall()))`, evaluates it
    /// where `x` is mutable.
    static func evaluated<T>(_ value: T) -> T { value }
}

/// A counter of concurrent holders, for worlds (single-threaded: no lock needed).
final class LimitingProbe: @unchecked Sendable {
    private(set) var current = 0
    private(set) var maximum = 0
    private(set) var entered = 0
    var log: [String] = []

    func enter() {
        current += 1
        entered += 1
        maximum = max(maximum, current)
    }

    func leave() { current -= 1 }
}

/// A thread-safe counter of concurrent holders, for ContinuousClock tests.
final class LockedLimitingProbe: Sendable {
    private let counts = Mutex((current: 0, maximum: 0))

    func enter() { counts.withLock { $0.current += 1; $0.maximum = max($0.maximum, $0.current) } }
    func leave() { counts.withLock { $0.current -= 1 } }
    var maximum: Int { counts.withLock { $0.maximum } }
}
