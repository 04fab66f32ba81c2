/// Simulated time as people read it in a report: `0s`, `45s`, `5m`, `5m10s`, `1h`, `1h02m`.
public enum TimeText {
    /// `nanoseconds` rounded to whole seconds (to tenths below ten seconds).
    public static func short(_ nanoseconds: Int64) -> String { seconds(Double(nanoseconds) / 1e9) }

    /// `seconds` as text.
    public static func seconds(_ seconds: Double) -> String {
        if seconds < 10, seconds != seconds.rounded() { return ValueUnit.trimmed(seconds, 1) + "s" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60
        if hours > 0 { return "\(hours)h" + (minutes > 0 || secs > 0 ? two(minutes) + "m" : "") + (secs > 0 ? two(secs) + "s" : "") }
        if minutes > 0 { return "\(minutes)m" + (secs > 0 ? two(secs) + "s" : "") }
        return "\(secs)s"
    }

    /// A duration between two instants, for "recovered 12s after": seconds to one
    /// decimal below a minute.
    public static func span(_ nanoseconds: Int64) -> String {
        let seconds = Double(nanoseconds) / 1e9
        return seconds < 60 ? ValueUnit.trimmed(seconds, 1) + " s" : Self.seconds(seconds)
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
