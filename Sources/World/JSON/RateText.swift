/// The rate syntax of world files: `"7.2/s"`, `"100/min"`, `"2000/h"`, `"50/10s"`, or a
/// bare JSON number meaning per second; read as events per second (`Double`).
///
/// A rate is a non-negative decimal (`7.2`, `1e6`), `/`, and a period: a unit (`s`, `m`
/// or `min`, `h`, `ms`, `us`/`µs`, `ns`) or a duration (`10s`, `1h30m`, see
/// ``DurationText``). The result is computed with one rounding where possible
/// (`100/min` is `100.0 / 60`).
public enum RateText {
    static let periodUnits: [String: Int64] = [
        "h": 3_600_000_000_000, "m": 60_000_000_000, "min": 60_000_000_000, "s": 1_000_000_000,
        "ms": 1_000_000, "us": 1_000, "µs": 1_000, "μs": 1_000, "ns": 1,
    ]

    static let aliases: [String: String] = [
        "sec": "s", "second": "s", "secs": "s", "minute": "min", "mins": "min", "hour": "h", "hr": "h",
        "qps": "s", "rps": "s", "tps": "s",
    ]

    /// Parses a rate into events per second; see ``RateText`` for the syntax.
    public static func parse(_ text: String) throws(ValueProblem) -> Double {
        let trimmed = text.filter { $0 != " " }
        if trimmed != text, (try? strict(trimmed)) != nil {
            throw ValueProblem("unexpected space in rate", suggestion: trimmed)
        }
        return try strict(text)
    }

    private static func strict(_ text: String) throws(ValueProblem) -> Double {
        if text.isEmpty { throw ValueProblem("empty rate") }
        if text.hasPrefix("-") { throw ValueProblem("rates cannot be negative") }
        guard let slash = text.firstIndex(of: "/") else {
            if let number = Double(text), number.isFinite, !text.hasPrefix("+") {
                throw ValueProblem("no period after the count", suggestion: text + "/s")
            }
            let lower = text.lowercased()
            for (alias, unit) in aliases where lower.hasSuffix(alias) {
                let number = String(text.dropLast(alias.count))
                if let value = Double(number), value.isFinite {
                    throw ValueProblem("expected count/period such as \"7.2/s\"", suggestion: number + "/" + unit)
                }
            }
            throw ValueProblem("expected count/period such as \"7.2/s\"")
        }
        let countText = String(text[..<slash])
        let periodText = String(text[text.index(after: slash)...])
        guard isDecimal(countText), let count = Double(countText), count.isFinite else {
            throw ValueProblem("expected a non-negative number before '/', found \(CanonicalJSON.quote(countText))")
        }
        let periodNanoseconds: Int64
        if let unit = periodUnits[periodText] {
            periodNanoseconds = unit
        } else if let first = periodText.utf8.first, TextCursor.isDigit(first) {
            do throws(ValueProblem) {
                periodNanoseconds = try DurationText.parseNanoseconds(periodText)
            } catch {
                throw ValueProblem("invalid period \(CanonicalJSON.quote(periodText)): \(error.detail)")
            }
        } else {
            let suggestion = aliases[periodText.lowercased()].map { countText + "/" + $0 }
                ?? (periodUnits[periodText.lowercased()] != nil ? countText + "/" + periodText.lowercased() : nil)
            throw ValueProblem(
                "unknown period \(CanonicalJSON.quote(periodText)) (use s, min, h, ms, us, ns or a duration such as 10s)",
                suggestion: suggestion)
        }
        guard periodNanoseconds > 0 else { throw ValueProblem("the period must be longer than zero") }
        let perSecond: Double
        if periodNanoseconds % 1_000_000_000 == 0 {
            perSecond = count / Double(periodNanoseconds / 1_000_000_000)
        } else if 1_000_000_000 % periodNanoseconds == 0 {
            perSecond = count * Double(1_000_000_000 / periodNanoseconds)
        } else {
            perSecond = count * 1e9 / Double(periodNanoseconds)
        }
        guard perSecond.isFinite else { throw ValueProblem("rate is too large") }
        return perSecond
    }

    /// Digits with an optional fraction and exponent, no sign (JSON number syntax minus the sign).
    static func isDecimal(_ text: String) -> Bool {
        guard let value = try? JSONParser.parse(text, file: ""), let number = value.numberValue else { return false }
        return !text.hasPrefix("-") && number.double >= 0
    }

    /// The canonical rendering of a per-second rate: `7.2/s`.
    public static func format(perSecond rate: Double) -> String {
        (JSONNumber(rate).map(CanonicalJSON.format) ?? "0") + "/s"
    }
}
