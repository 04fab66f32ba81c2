/// Small pieces of XHTML-compatible HTML: escaping and fixed-point numbers. Pages built
/// with them parse as XML (every element closed, no named entities but XML's five), so
/// tests can check them with an XML parser and a browser reads them as HTML5.
public enum Html {
    /// `text` with `&`, `<`, `>`, `"` and `'` escaped: safe in element content and in
    /// attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `value` with `digits` decimals, without locale (the same bytes on every machine).
    public static func fixed(_ value: Double, _ digits: Int) -> String { HumanSummary.fixed(value, digits) }

    /// A coordinate in an SVG: one decimal, trailing `.0` dropped (keeps pages small).
    static func coordinate(_ value: Double) -> String {
        let text = fixed(value, 1)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// `value` with thousands separators.
    public static func grouped(_ value: Int) -> String { HumanSummary.grouped(value) }
}
