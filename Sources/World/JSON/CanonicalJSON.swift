/// The canonical JSON writer for output files: the same value always gives the same bytes.
///
/// - Object keys are sorted by their UTF-8 bytes (not by the locale, not by insertion).
/// - ``Style/pretty``: 2-space indentation, `": "` after keys, one member or element per
///   line, `{}` and `[]` for empty containers, `\n` line ends and a final `\n`.
///   ``Style/compact``: no whitespace at all and no final newline (one JSON Lines record).
/// - Integers (numbers whose value is integral and within `Int64`, see ``JSONNumber``)
///   are written as integers; other numbers in the shortest form that reads back to the
///   same `Double` (Swift's `Double.description`, e.g. `0.1`, `1e-05`, `1.5e+300`), so
///   parse → write → parse is the identity and write → parse → write is byte-identical.
/// - Non-finite doubles cannot be represented in a ``JSONNumber``: building one
///   (``JSONValue/double(_:)``) yields `null`, which is what is written. Callers that care
///   should check before building (a metric that is NaN is a bug worth reporting).
/// - Strings escape `"` and `\`, use `\b \f \n \r \t` for those control characters and
///   `\u00xx` (lowercase hex) for the other control characters; everything else,
///   including non-ASCII text and `/`, is written as UTF-8.
/// - Source locations and the literal spelling of numbers are not part of the output.
///
/// The writer recurses once per nesting level; parsed trees are at most
/// ``JSONParser/Limits/maxDepth`` deep, and trees built in code are as deep as their code.
public enum CanonicalJSON {
    /// The layout of the output.
    public enum Style: Sendable {
        /// Indented, one item per line, ending with a newline (files such as summary.json).
        case pretty
        /// No whitespace, no final newline (one line of a JSON Lines file).
        case compact
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue, style: Style = .pretty) -> String {
        String(decoding: bytes(value, style: style), as: UTF8.self)
    }

    /// The canonical UTF-8 bytes of `value`.
    public static func bytes(_ value: JSONValue, style: Style = .pretty) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, style: style, indent: 0, into: &out)
        if style == .pretty { out.append(0x0A) }
        return out
    }

    private static func write(_ value: JSONValue, style: Style, indent: Int, into out: inout [UInt8]) {
        switch value.kind {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): out.append(contentsOf: format(number).utf8)
        case .string(let text): appendQuoted(text, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(0x5B)
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(0x2C) }
                newline(style: style, indent: indent + 1, into: &out)
                write(element, style: style, indent: indent + 1, into: &out)
            }
            newline(style: style, indent: indent, into: &out)
            out.append(0x5D)
        case .object(let object):
            guard !object.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            let members = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            out.append(0x7B)
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(0x2C) }
                newline(style: style, indent: indent + 1, into: &out)
                appendQuoted(member.key, into: &out)
                out.append(0x3A)
                if style == .pretty { out.append(0x20) }
                write(member.value, style: style, indent: indent + 1, into: &out)
            }
            newline(style: style, indent: indent, into: &out)
            out.append(0x7D)
        }
    }

    private static func newline(style: Style, indent: Int, into out: inout [UInt8]) {
        guard style == .pretty else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    /// The canonical text of a number: an integer, or the shortest round-trip double.
    public static func format(_ number: JSONNumber) -> String {
        if let integer = number.int64 { return String(integer) }
        return number.double.description
    }

    /// `text` as a JSON string literal with canonical escapes.
    public static func quote(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuoted(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendQuoted(_ text: String, into out: inout [UInt8]) {
        out.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, 0x62])
            case 0x0C: out.append(contentsOf: [0x5C, 0x66])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x00..<0x20:
                out.append(contentsOf: "\\u".utf8)
                out.append(contentsOf: hex(UInt32(byte), digits: 4, lowercase: true).utf8)
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// The low `digits` hex digits of `value`: uppercase for messages (`U+000A`,
    /// `\uD83D`, `0xFF`), lowercase for escapes in output.
    static func hex(_ value: UInt32, digits: Int, lowercase: Bool = false) -> String {
        let alphabet = Array((lowercase ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
        let bytes = (0..<digits).reversed().map { alphabet[Int((value >> (UInt32($0) * 4)) & 0xF)] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Four uppercase hex digits.
    static func hex4(_ value: UInt32) -> String { hex(value, digits: 4) }
}
