/// The one line `run` keeps refreshing on a terminal while a long world runs: how far
/// simulated time has got, the share of the world's duration, events per second of wall
/// time, and an estimate of the wall time left.
///
/// ```
/// simulated 31m of 2h (26%) · 1.2 M events/s · about 40s left
/// ```
///
/// Pure: the caller measures the wall time; the same inputs give the same line.
public enum ProgressLine {
    /// The line for a run at `simulated` nanoseconds of a world lasting `duration`
    /// nanoseconds (nil: it runs until its work ends, so there is no share and no
    /// estimate), after `wallSeconds` of wall time, recording `eventsPerSecond` lately.
    public static func text(simulated: Int64, duration: Int64?, wallSeconds: Double, eventsPerSecond: Double) -> String {
        var parts: [String] = []
        var head = "simulated \(ReadableDuration.compact(nanoseconds: simulated))"
        var share: Double?
        if let duration, duration > 0 {
            let fraction = Swift.min(Swift.max(Double(simulated) / Double(duration), 0), 1)
            share = fraction
            head += " of \(ReadableDuration.compact(nanoseconds: duration)) (\(Int((fraction * 100).rounded(.down)))%)"
        }
        parts.append(head)
        parts.append("\(HumanSummary.rate(eventsPerSecond)) events/s")
        if let share, share > 0, wallSeconds > 0 {
            let left = wallSeconds * (1 - share) / share
            parts.append("about \(ReadableDuration.compact(nanoseconds: Int64((left * 1e9).rounded()), wall: true)) left")
        }
        return parts.joined(separator: " · ")
    }
}
