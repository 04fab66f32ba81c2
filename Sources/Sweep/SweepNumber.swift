import Report

/// How a sweep's files print numbers: the shortest text that reads back as the same
/// Double (as summary.json does), whole numbers without a decimal point; deterministic.
enum SweepNumber {
    static func text(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A figure for people: 3 significant digits, thousands unseparated.
    static func short(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 100 || (value == value.rounded() && magnitude < 1e15) { return String(Int64(value.rounded())) }
        var decimals = 1
        var scaled = magnitude
        while scaled < 10, decimals < 9 { scaled *= 10; decimals += 1 }
        return Html.fixed(value, decimals - 1)
    }

    static func csv(_ cell: String) -> String {
        cell.contains(",") || cell.contains("\"") || cell.contains("\n")
            ? "\"" + cell.replacingAll("\"", with: "\"\"") + "\"" : cell
    }
}
