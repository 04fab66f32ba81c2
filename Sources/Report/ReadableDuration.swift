/// Durations in the unit that fits them, for text a person reads: `0.412ms`, `12.3ms`,
/// `468ms`, `2.35s`, `7m48s`, `2h05m`, `3d04h` — never `468133 ms`.
public enum ReadableDuration {
    /// `nanoseconds` in the largest unit that keeps it readable. With `wall`, whole
    /// seconds at most (an estimate of time left has no use for milliseconds).
    public static func compact(nanoseconds: Int64, wall: Bool = false) -> String {
        let ns = nanoseconds
        if ns < 0 { return "-" + compact(nanoseconds: ns == .min ? .max : -ns, wall: wall) }
        if wall && ns < 60_000_000_000 { return "\(Swift.max(1, (ns + 500_000_000) / 1_000_000_000))s" }
        switch ns {
        case 0: return "0s"
        case ..<1_000: return "\(ns)ns"
        case ..<1_000_000: return "\(HumanSummary.fixed(Double(ns) / 1e6, 3))ms"
        case ..<100_000_000: return "\(HumanSummary.fixed(Double(ns) / 1e6, 1))ms"
        case ..<1_000_000_000: return "\(HumanSummary.fixed(Double(ns) / 1e6, 0))ms"
        case ..<10_000_000_000: return "\(HumanSummary.fixed(Double(ns) / 1e9, 2))s"
        case ..<59_950_000_000: return "\(HumanSummary.fixed(Double(ns) / 1e9, 1))s"
        default: break
        }
        // From a minute up: two units, the second zero-padded (7m48s, 2h05m, 3d04h).
        let seconds = (ns + 500_000_000) / 1_000_000_000
        if seconds < 3600 { return "\(seconds / 60)m\(padded(seconds % 60))s" }
        let minutes = (seconds + 30) / 60
        if minutes < 24 * 60 { return "\(minutes / 60)h\(padded(minutes % 60))m" }
        let hours = (minutes + 30) / 60
        return "\(hours / 24)d\(padded(hours % 24))h"
    }

    private static func padded(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
