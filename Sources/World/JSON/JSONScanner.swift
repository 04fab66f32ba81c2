/// The lexical layer of the JSON parser: whitespace, strings, numbers, literals, and the
/// bookkeeping that turns byte offsets into lines and columns.
///
/// Lines and columns are tracked incrementally (line breaks only occur in whitespace, as
/// raw control characters are not allowed in strings), so locating every node of a
/// minified multi-megabyte single-line file stays linear.
struct JSONScanner {
    let bytes: [UInt8]
    let origin: SourceLocation.Origin
    let limits: JSONParser.Limits
    var position: Int = 0
    /// The current line and the offset where it starts.
    private var line = 1
    private var lineStart = 0
    /// A column already computed on the current line, to count onwards from.
    private var knownColumnOffset = 0
    private var knownColumn = 1

    init(bytes: [UInt8], origin: SourceLocation.Origin, limits: JSONParser.Limits) {
        self.bytes = bytes
        self.origin = origin
        self.limits = limits
    }

    /// Skips a UTF-8 byte order mark at the start (RFC 8259 §8.1 lets parsers ignore it);
    /// columns then count from the character after it.
    mutating func skipByteOrderMark() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
            lineStart = 3
            knownColumnOffset = 3
        }
    }

    var atEnd: Bool { position >= bytes.count }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D:
                position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
                knownColumnOffset = position
                knownColumn = 1
            default:
                return
            }
        }
    }

    /// The location of `offset`, which must not precede the last located offset on the
    /// current line for the fast path; earlier offsets (errors) are located from scratch.
    mutating func location(at offset: Int) -> SourceLocation {
        guard offset >= knownColumnOffset, offset >= lineStart, offset <= bytes.count else {
            return Self.locate(offset, in: bytes, origin: origin)
        }
        var column = knownColumn
        var index = knownColumnOffset
        while index < offset {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        knownColumnOffset = offset
        knownColumn = column
        return SourceLocation(origin: origin, line: line, column: column, offset: offset)
    }

    /// Locates `offset` by scanning from the start (used for errors only).
    static func locate(_ offset: Int, in bytes: [UInt8], origin: SourceLocation.Origin) -> SourceLocation {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        var index = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF, end >= 3 { index = 3 }
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return SourceLocation(origin: origin, line: line, column: column, offset: end)
    }

    // MARK: Describing what was found

    /// `'x'`, `'é'`, `a line break`, `U+0007`, `byte 0xFF`, or `end of input`.
    static func describeCharacter(_ bytes: [UInt8], at position: Int) -> String {
        guard position < bytes.count else { return "end of input" }
        let byte = bytes[position]
        switch byte {
        case 0x0A, 0x0D: return "a line break"
        case 0x09: return "a tab"
        case 0x27: return "\"'\""
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x00..<0x20, 0x7F: return "U+" + CanonicalJSON.hex4(UInt32(byte))
        default:
            if case .success(let length) = utf8SequenceLength(bytes, at: position) {
                let scalarText = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
                return "'\(scalarText)'"
            }
            return "byte 0x" + hex2(byte)
        }
    }

    /// The word (letters, digits, `_`, `.`, `%`, `/`, `+`, `-`, non-ASCII) at `position`,
    /// for messages about unquoted text; at most 40 bytes.
    static func word(_ bytes: [UInt8], at position: Int) -> String? {
        var end = position
        while end < bytes.count, end - position < 40, isWordByte(bytes[end]) { end += 1 }
        guard end > position else { return nil }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2E, 0x25, 0x2F, 0x2B, 0x2D: return true
        case 0xC2...0xF4: return true
        case 0x80...0xBF: return true
        default: return false
        }
    }

    /// What stands at `position`: a quoted word for letters (`'tru'`), else one character.
    func describeToken(at position: Int) -> String {
        if position < bytes.count, Self.isLetter(bytes[position]), let word = Self.word(bytes, at: position) {
            return "'\(word)'"
        }
        return Self.describeCharacter(bytes, at: position)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    static func hex2(_ byte: UInt8) -> String { CanonicalJSON.hex(UInt32(byte), digits: 2) }

    // MARK: UTF-8

    /// The length of the well-formed UTF-8 sequence at `position` (Unicode Table 3-7:
    /// no overlongs, no surrogates, nothing above U+10FFFF), or an error message.
    static func utf8SequenceLength(_ bytes: [UInt8], at position: Int) -> Result<Int, SyntaxError> {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0x00...0x7F: return .success(1)
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default:
            return .failure(SyntaxError(offset: position, "invalid UTF-8 byte 0x\(hex2(lead)) (world files must be UTF-8)"))
        }
        for index in 1..<length {
            guard position + index < bytes.count else {
                return .failure(SyntaxError(offset: position, "truncated UTF-8 sequence at end of input"))
            }
            let byte = bytes[position + index]
            let (min, max) = index == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min, byte <= max else {
                let shown = bytes[position...(position + index)].map { "0x" + hex2($0) }.joined(separator: " ")
                return .failure(SyntaxError(offset: position, "invalid UTF-8 sequence \(shown) (world files must be UTF-8)"))
            }
        }
        return .success(length)
    }

    // MARK: Strings

    /// Scans the string whose opening quote is at `position`; leaves `position` after the
    /// closing quote.
    mutating func scanString() -> Result<String, SyntaxError> {
        let open = position
        var index = position + 1
        var segmentStart = index
        var buffer: [UInt8] = []
        var escaped = false
        while true {
            guard index < bytes.count else {
                return .failure(SyntaxError(
                    offset: open, "unterminated string (no closing '\"' before end of input)",
                    expected: "'\"'", found: "end of input"))
            }
            let byte = bytes[index]
            if byte == 0x22 {
                let text: String
                if escaped {
                    buffer.append(contentsOf: bytes[segmentStart..<index])
                    text = String(decoding: buffer, as: UTF8.self)
                } else {
                    text = String(decoding: bytes[segmentStart..<index], as: UTF8.self)
                }
                position = index + 1
                return .success(text)
            } else if byte == 0x5C {
                if !escaped {
                    escaped = true
                    buffer.reserveCapacity(index - segmentStart + 16)
                }
                buffer.append(contentsOf: bytes[segmentStart..<index])
                switch scanEscape(at: index, into: &buffer) {
                case .success(let next): index = next
                case .failure(let error): return .failure(error)
                }
                segmentStart = index
            } else if byte < 0x20 {
                if byte == 0x0A || byte == 0x0D {
                    return .failure(SyntaxError(
                        offset: index,
                        "unescaped line break in string (is the closing '\"' missing? write \\n for a line break)",
                        expected: "'\"'", found: "a line break"))
                }
                let escape: String = switch byte {
                case 0x09: "\\t"
                case 0x08: "\\b"
                case 0x0C: "\\f"
                default: "\\u" + CanonicalJSON.hex4(UInt32(byte))
                }
                return .failure(SyntaxError(
                    offset: index,
                    "unescaped control character U+\(CanonicalJSON.hex4(UInt32(byte))) in string (write it as \(escape))"))
            } else if byte < 0x80 {
                index += 1
            } else {
                switch Self.utf8SequenceLength(bytes, at: index) {
                case .success(let length): index += length
                case .failure(let error): return .failure(error)
                }
            }
        }
    }

    /// Decodes the escape whose backslash is at `start` into `buffer`; returns the offset
    /// after it.
    private func scanEscape(at start: Int, into buffer: inout [UInt8]) -> Result<Int, SyntaxError> {
        guard start + 1 < bytes.count else {
            return .failure(SyntaxError(
                offset: start, "unterminated string (no closing '\"' before end of input)",
                expected: "'\"'", found: "end of input"))
        }
        let simple: UInt8? = switch bytes[start + 1] {
        case 0x22: 0x22
        case 0x5C: 0x5C
        case 0x2F: 0x2F
        case 0x62: 0x08
        case 0x66: 0x0C
        case 0x6E: 0x0A
        case 0x72: 0x0D
        case 0x74: 0x09
        default: nil
        }
        if let simple {
            buffer.append(simple)
            return .success(start + 2)
        }
        guard bytes[start + 1] == 0x75 else {
            let next = bytes[start + 1]
            let shown = next >= 0x21 && next < 0x7F
                ? "'\\\(Character(Unicode.Scalar(next)))'"
                : "'\\' followed by \(Self.describeCharacter(bytes, at: start + 1))"
            return .failure(SyntaxError(
                offset: start,
                "invalid escape \(shown) in string (valid escapes: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"))
        }
        let first: UInt32
        switch hex4(at: start + 2) {
        case .success(let value): first = value
        case .failure(let error): return .failure(error)
        }
        var scalarValue = first
        var next = start + 6
        if (0xD800...0xDBFF).contains(first) {
            let pairFollows = start + 7 < bytes.count && bytes[start + 6] == 0x5C && bytes[start + 7] == 0x75
            guard pairFollows, case .success(let second) = hex4(at: start + 8), (0xDC00...0xDFFF).contains(second) else {
                return .failure(SyntaxError(
                    offset: start,
                    "lone high surrogate \\u\(CanonicalJSON.hex4(first)) in string (it must be followed by a low surrogate \\uDC00-\\uDFFF)"
                ))
            }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            next = start + 12
        } else if (0xDC00...0xDFFF).contains(first) {
            return .failure(SyntaxError(
                offset: start,
                "lone low surrogate \\u\(CanonicalJSON.hex4(first)) in string (it must follow a high surrogate \\uD800-\\uDBFF)"))
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            return .failure(SyntaxError(offset: start, "invalid \\u escape"))
        }
        buffer.append(contentsOf: String(Character(scalar)).utf8)
        return .success(next)
    }

    private func hex4(at start: Int) -> Result<UInt32, SyntaxError> {
        var value: UInt32 = 0
        for index in start..<(start + 4) {
            guard index < bytes.count else {
                return .failure(SyntaxError(
                    offset: start - 2, "expected 4 hex digits after \\u, found end of input",
                    expected: "4 hex digits", found: "end of input"))
            }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default:
                let found = Self.describeCharacter(bytes, at: index)
                return .failure(SyntaxError(
                    offset: start - 2, "expected 4 hex digits after \\u, found \(found)",
                    expected: "4 hex digits", found: found))
            }
            value = value << 4 | UInt32(digit)
        }
        return .success(value)
    }

    // MARK: Numbers

    /// Scans the number at `position` (which holds `-` or a digit).
    mutating func scanNumber() -> Result<JSONNumber, SyntaxError> {
        let start = position
        var index = position
        let negative = bytes[index] == 0x2D
        if negative { index += 1 }
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        guard isDigit(index) else {
            if index < bytes.count, Self.isLetter(bytes[index]) {
                return .failure(wordError(at: start))
            }
            let found = Self.describeCharacter(bytes, at: index)
            return .failure(.expected("a digit after '-'", found: found, at: start))
        }
        let integerStart = index
        while isDigit(index) { index += 1 }
        if index - integerStart > 1 && bytes[integerStart] == 0x30 {
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return .failure(SyntaxError(
                offset: start, "leading zeros are not allowed in numbers, found '\(text)'",
                expected: "a number", found: "'\(text)'"))
        }
        var digits = Array(bytes[integerStart..<index])
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            let fractionStart = index
            while isDigit(index) { index += 1 }
            guard index > fractionStart else {
                let found = Self.describeCharacter(bytes, at: index)
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                return .failure(.expected("a digit after the decimal point in '\(text)'", found: found, at: start))
            }
            fractionDigits = index - fractionStart
            digits.append(contentsOf: bytes[fractionStart..<index])
        }
        var exponent = 0
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
                exponentNegative = bytes[index] == 0x2D
                index += 1
            }
            let exponentStart = index
            while isDigit(index) {
                // Saturate: anything beyond ±10^9 is zero or out of range anyway.
                if exponent < 1_000_000_000 { exponent = exponent * 10 + Int(bytes[index] - 0x30) }
                index += 1
            }
            guard index > exponentStart else {
                let found = Self.describeCharacter(bytes, at: index)
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                return .failure(.expected("a digit in the exponent of '\(text)'", found: found, at: start))
            }
            if exponentNegative { exponent = -exponent }
        }
        // A number glued to letters is usually an unquoted string such as 12ms.
        if index < bytes.count, Self.isWordByte(bytes[index]), bytes[index] != 0x2D || index == start {
            return .failure(wordError(at: start))
        }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let double = Double(literal), double.isFinite else {
            return .failure(SyntaxError(
                offset: start, "number \(JSONValue.shorten(literal)) is out of range (JSON numbers here must be within ±1.8e308)",
                expected: "a finite number", found: "number \(JSONValue.shorten(literal))"))
        }
        let exact = JSONNumber.exactInteger(
            negative: negative, digits: digits[...], fractionDigits: fractionDigits, exponent: exponent)
        position = index
        return .success(JSONNumber(literal: literal, exact: exact, double: double))
    }

    // MARK: Words

    /// The error for unquoted text where a value should be: `tru`, `True`, `NaN`, `12ms`.
    func wordError(at start: Int) -> SyntaxError {
        let word = Self.word(bytes, at: start) ?? ""
        let found = "'\(word)'"
        let lower = word.lowercased()
        switch lower {
        case "nan", "-nan", "infinity", "-infinity", "inf", "-inf":
            return SyntaxError(
                offset: start, "\(word) is not a JSON number (only finite numbers can be written)",
                expected: "a value", found: found)
        case "none", "nil", "undefined":
            return .expected("a value", found: found, at: start, suggestion: "null")
        default:
            break
        }
        if let literal = NearestName.nearest(to: word, in: ["true", "false", "null"], caseInsensitive: true) {
            return .expected("a value", found: found, at: start, suggestion: literal)
        }
        let quoted = CanonicalJSON.quote(word)
        return .expected("a value", found: found, at: start, note: "strings need double quotes: \(quoted)")
    }
}
