/// Why a piece of text is not a valid value (a duration, rate or ratio), independent of
/// where it was found: readers turn it into a located ``WorldDiagnostic`` such as
/// `expected a duration such as "250ms", found string "5sec": unknown unit "sec" (did you mean "5s"?)`.
public struct ValueProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `unknown unit "sec"`.
    public var detail: String
    /// The likely intended text, e.g. `5s`.
    public var suggestion: String?

    /// A problem.
    public init(_ detail: String, suggestion: String? = nil) {
        self.detail = detail
        self.suggestion = suggestion
    }

    /// The detail.
    public var description: String { detail }
}

/// A small cursor over UTF-8 text shared by the duration, rate and ratio parsers.
struct TextCursor {
    let bytes: [UInt8]
    var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { position >= bytes.count }
    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Digits, then optionally `.` and digits: returns (integer digits, fraction digits),
    /// or `nil` if no digit is here. A `.` not followed by a digit is left in place.
    mutating func decimal() -> (integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>)? {
        let start = position
        while let byte = current, Self.isDigit(byte) { position += 1 }
        guard position > start else { return nil }
        let integer = bytes[start..<position]
        var fraction = bytes[position..<position]
        if current == 0x2E, position + 1 < bytes.count, Self.isDigit(bytes[position + 1]) {
            position += 1
            let fractionStart = position
            while let byte = current, Self.isDigit(byte) { position += 1 }
            fraction = bytes[fractionStart..<position]
        }
        return (integer, fraction)
    }

    /// A run of letters (ASCII or not): a unit name.
    mutating func word() -> String {
        let start = position
        while let byte = current, (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80 {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
}
