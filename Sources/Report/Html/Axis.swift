/// Tick positions for chart axes: "nice" values (1, 2, 5 × 10ⁿ) for values, whole
/// minutes or hours for simulated time.
public enum Axis {
    /// Up to about `count` ticks from 0 to at least `maximum`, evenly spaced on a nice
    /// step; the last tick is the axis' top.
    public static func ticks(upTo maximum: Double, count: Int = 4) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        let raw = maximum / Double(max(count, 1))
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var value = 0.0
        while value < maximum - step * 1e-9 {
            ticks.append(value)
            value = Double(ticks.count) * step
        }
        ticks.append(value)
        return ticks
    }

    /// Ticks for simulated time from 0 to `seconds`: a step from 10 s to 6 h giving at
    /// most about `count` ticks.
    public static func timeTicks(upTo seconds: Double, count: Int = 8) -> [Double] {
        let steps: [Double] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600]
        let step = steps.first { seconds / $0 <= Double(count) } ?? (seconds / Double(count)).rounded(.up)
        var ticks: [Double] = []
        var value = 0.0
        while value <= seconds + 1e-9 {
            ticks.append(value)
            value += step
        }
        return ticks
    }
}
