/// The unit of a chart's values, which decides how its axis and tooltips read.
public enum ValueUnit: Sendable, Equatable {
    /// Events per second of simulated time.
    case perSecond
    /// Milliseconds.
    case milliseconds
    /// A share, 0...1, shown as a percentage.
    case ratio
    /// A plain count or level (requests waiting, connections in use).
    case count

    /// The axis caption's unit, e.g. "per second".
    public var caption: String {
        switch self {
        case .perSecond: "per second"
        case .milliseconds: "ms"
        case .ratio: "%"
        case .count: "count"
        }
    }

    /// `value` as an axis label or a table cell: compact, with the unit's suffix where
    /// it reads better (`42%`, `1.2k`).
    public func format(_ value: Double) -> String {
        switch self {
        case .ratio: return ValueUnit.compact(value * 100) + "%"
        case .milliseconds: return abs(value) >= 1000 ? ValueUnit.compact(value / 1000) + " s" : ValueUnit.compact(value) + " ms"
        case .perSecond: return ValueUnit.compact(value) + "/s"
        case .count: return ValueUnit.compact(value)
        }
    }

    /// A number in at most three significant figures, with k/M suffixes.
    public static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trimmed(value / 1e6, magnitude >= 1e7 ? 0 : 1) + "M" }
        if magnitude >= 1e4 { return trimmed(value / 1e3, magnitude >= 1e5 ? 0 : 1) + "k" }
        if magnitude >= 100 || value == value.rounded() { return Html.fixed(value, 0) }
        if magnitude >= 10 { return trimmed(value, 1) }
        if magnitude >= 1 { return trimmed(value, 2) }
        return trimmed(value, 3)
    }

    static func trimmed(_ value: Double, _ digits: Int) -> String {
        var text = Html.fixed(value, digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
