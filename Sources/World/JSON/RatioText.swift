/// The ratio syntax of world files: a number in [0, 1] (`0.2`) or a percentage string in
/// [0%, 100%] (`"20%"`, `"12.5%"`); read as a `Double` in [0, 1].
///
/// A percentage is converted with a single rounding (`"33.3%"` reads exactly as `0.333`
/// would).
public enum RatioText {
    /// Parses a percentage string such as `"20%"` into [0, 1].
    public static func parse(_ text: String) throws(ValueProblem) -> Double {
        guard text.hasSuffix("%") else {
            if let value = Double(text), value.isFinite, RateText.isDecimal(text) {
                if value <= 1 {
                    throw ValueProblem("a ratio in a string needs '%' (or write the number \(text) without quotes)", suggestion: text)
                }
                if value <= 100 { throw ValueProblem("missing '%'", suggestion: text + "%") }
            }
            throw ValueProblem("expected a percentage such as \"20%\"")
        }
        let number = String(text.dropLast())
        if number.hasPrefix("-") { throw ValueProblem("a ratio cannot be negative") }
        let exponentFree = !number.contains("e") && !number.contains("E")
        guard RateText.isDecimal(number), let scaled = exponentFree ? Double(number + "e-2") : Double(number).map({ $0 / 100 })
        else {
            let trimmed = number.filter { $0 != " " }
            let suggestion = trimmed != number && RateText.isDecimal(trimmed) ? trimmed + "%" : nil
            throw ValueProblem("expected a number before '%', found \(CanonicalJSON.quote(number))", suggestion: suggestion)
        }
        guard scaled <= 1 else { throw ValueProblem("a percentage must be at most 100%") }
        return scaled
    }
}
