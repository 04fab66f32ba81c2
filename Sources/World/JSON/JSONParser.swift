/// A strict RFC 8259 JSON parser that locates every node and explains every error.
///
/// - Every node carries its ``SourceLocation`` (line, column, byte offset).
/// - Object members keep their order; a duplicate key is an error pointing at the second
///   occurrence and naming the line and column of the first.
/// - Strings accept every escape, including `\u` surrogate pairs; a lone surrogate, an
///   unescaped control character and invalid UTF-8 are errors with their location.
/// - Numbers keep their literal text and convert exactly (``JSONNumber``); `NaN`,
///   `Infinity`, leading zeros, a leading `+` or `.` and out-of-range magnitudes are errors.
/// - A UTF-8 byte order mark at the start is skipped; nothing else is lenient (no
///   comments, no trailing commas, no single quotes).
/// - Nesting depth and input size are limited (``Limits``), and the parser never
///   recurses, so no input can exhaust the stack, trap or hang: the result is a value or
///   a ``WorldError`` with exactly one diagnostic (parsing stops at the first syntax
///   error, since what follows it cannot be trusted).
///
/// ```swift
/// let root = try JSONParser.parse(bytes, file: "worlds/incident.json")
/// ```
public enum JSONParser {
    /// Bounds that make adversarial input fail cleanly.
    public struct Limits: Sendable, Equatable {
        /// Maximum nesting of arrays and objects (a top-level object is depth 1). Default 64.
        public var maxDepth: Int
        /// Maximum input size in bytes. Default 16 MiB.
        public var maxBytes: Int

        /// Limits with the given values.
        public init(maxDepth: Int = 64, maxBytes: Int = 16 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }

        /// 64 levels, 16 MiB.
        public static let `default` = Limits()
    }

    /// Parses UTF-8 `bytes` read from `file` (the name is only used in locations).
    public static func parse(_ bytes: [UInt8], file: String, limits: Limits = .default) throws(WorldError) -> JSONValue {
        try parse(bytes, origin: .file(file), limits: limits)
    }

    /// Parses `text` as if read from `file`.
    public static func parse(_ text: String, file: String, limits: Limits = .default) throws(WorldError) -> JSONValue {
        try parse(Array(text.utf8), origin: .file(file), limits: limits)
    }

    /// Parses `bytes` whose nodes are located in `origin`.
    static func parse(_ bytes: [UInt8], origin: SourceLocation.Origin, limits: Limits) throws(WorldError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw WorldError(WorldDiagnostic(
                location: SourceLocation(origin: origin, line: 1, column: 1, offset: 0), path: nil,
                message: "input is \(bytes.count) bytes, more than the limit of \(limits.maxBytes) bytes"))
        }
        var parser = Parser(scanner: JSONScanner(bytes: bytes, origin: origin, limits: limits))
        switch parser.run() {
        case .success(let value):
            return value
        case .failure(let error):
            let location = JSONScanner.locate(error.offset, in: bytes, origin: origin)
            throw WorldError(WorldDiagnostic(
                location: location, path: parser.currentPath, message: error.message,
                expected: error.expected, found: error.found, suggestion: error.suggestion))
        }
    }
}

/// The iterative parser: an explicit stack of open containers instead of recursion.
private struct Parser {
    /// An array or object being filled.
    struct Frame {
        let isObject: Bool
        let location: SourceLocation
        var elements: [JSONValue] = []
        var object = JSONObject()
        /// The key whose value is being parsed (objects).
        var key = ""
        var keyLocation = SourceLocation.synthesized
        /// Whether a child (element or keyed value) is being parsed, for error paths.
        var inChild = false
    }

    var scanner: JSONScanner
    var stack: [Frame] = []

    init(scanner: JSONScanner) {
        self.scanner = scanner
    }

    /// The path of the value being parsed, for syntax error messages.
    var currentPath: JSONPath {
        var path = JSONPath.root
        for frame in stack where frame.inChild {
            path.components.append(frame.isObject ? .key(frame.key) : .index(frame.elements.count))
        }
        return path
    }

    mutating func run() -> Result<JSONValue, SyntaxError> {
        scanner.skipByteOrderMark()
        scanner.skipWhitespace()
        if scanner.atEnd {
            return .failure(.expected("a JSON value", found: "end of input", at: scanner.position))
        }
        while true {
            // Expecting a value.
            scanner.skipWhitespace()
            var value: JSONValue
            switch scanScalarOrOpen() {
            case .failure(let error):
                return .failure(error)
            case .success(.some(let scalar)):
                value = scalar
            case .success(.none):
                // A container was opened; if it was closed at once, `value` comes back.
                switch afterOpen() {
                case .failure(let error): return .failure(error)
                case .success(.some(let empty)): value = empty
                case .success(.none): continue
                }
            }
            // Attach the finished value and close containers until one wants more.
            while true {
                guard !stack.isEmpty else {
                    scanner.skipWhitespace()
                    guard scanner.atEnd else {
                        let found = scanner.describeToken(at: scanner.position)
                        return .failure(.expected("end of input after the top-level value", found: found, at: scanner.position))
                    }
                    return .success(value)
                }
                let top = stack.count - 1
                if stack[top].isObject {
                    stack[top].object.appendUnchecked(
                        JSONObject.Member(key: stack[top].key, keyLocation: stack[top].keyLocation, value: value))
                } else {
                    stack[top].elements.append(value)
                }
                stack[top].inChild = false
                scanner.skipWhitespace()
                let close: UInt8 = stack[top].isObject ? 0x7D : 0x5D
                guard let byte = scanner.current, byte == 0x2C || byte == close else {
                    return .failure(separatorError(frame: stack[top]))
                }
                scanner.position += 1
                if byte == close {
                    let frame = stack.removeLast()
                    value = frame.isObject
                        ? JSONValue(.object(frame.object), at: frame.location)
                        : JSONValue(.array(frame.elements), at: frame.location)
                    continue
                }
                // A comma: the next member or element must follow.
                let comma = scanner.position - 1
                scanner.skipWhitespace()
                if scanner.current == close {
                    return .failure(SyntaxError(
                        offset: comma,
                        "trailing comma before '\(stack[top].isObject ? "}" : "]")'",
                        expected: stack[top].isObject ? "another member" : "another element",
                        found: "'\(stack[top].isObject ? "}" : "]")'"))
                }
                if stack[top].isObject {
                    if case .failure(let error) = scanKeyAndColon() { return .failure(error) }
                }
                stack[top].inChild = true
                break
            }
        }
    }

    /// Scans a scalar, or opens a container (pushing a frame) and returns `nil`.
    mutating func scanScalarOrOpen() -> Result<JSONValue?, SyntaxError> {
        let start = scanner.position
        guard let byte = scanner.current else {
            return .failure(.expected("a value", found: "end of input", at: start, note: unclosedNote()))
        }
        switch byte {
        case 0x7B, 0x5B:
            guard stack.count < scanner.limits.maxDepth else {
                return .failure(SyntaxError(
                    offset: start, "nesting deeper than \(scanner.limits.maxDepth) levels of arrays and objects"))
            }
            let location = scanner.location(at: start)
            scanner.position += 1
            stack.append(Frame(isObject: byte == 0x7B, location: location))
            return .success(nil)
        case 0x22:
            let location = scanner.location(at: start)
            return scanner.scanString().map { JSONValue(.string($0), at: location) }
        case 0x2D, 0x30...0x39:
            let location = scanner.location(at: start)
            return scanner.scanNumber().map { JSONValue(.number($0), at: location) }
        case 0x74, 0x66, 0x6E:
            let (literal, kind): (StaticString, JSONValue.Kind) = switch byte {
            case 0x74: ("true", .bool(true))
            case 0x66: ("false", .bool(false))
            default: ("null", .null)
            }
            let length = literal.utf8CodeUnitCount
            let end = start + length
            let matches = end <= scanner.bytes.count
                && literal.withUTF8Buffer { scanner.bytes[start..<end].elementsEqual($0) }
                && (end == scanner.bytes.count || !JSONScanner.isWordByte(scanner.bytes[end]))
            guard matches else { return .failure(scanner.wordError(at: start)) }
            let location = scanner.location(at: start)
            scanner.position = end
            return .success(JSONValue(kind, at: location))
        default:
            return .failure(valueError(at: start))
        }
    }

    /// After an opening bracket: an immediate close yields the empty container; otherwise
    /// the first key (objects) is scanned and `nil` returned to parse the first child.
    mutating func afterOpen() -> Result<JSONValue?, SyntaxError> {
        let top = stack.count - 1
        scanner.skipWhitespace()
        let close: UInt8 = stack[top].isObject ? 0x7D : 0x5D
        if scanner.current == close {
            scanner.position += 1
            let frame = stack.removeLast()
            return .success(frame.isObject
                ? JSONValue(.object(JSONObject()), at: frame.location)
                : JSONValue(.array([]), at: frame.location))
        }
        if stack[top].isObject {
            if case .failure(let error) = scanKeyAndColon() { return .failure(error) }
        }
        stack[top].inChild = true
        return .success(nil)
    }

    /// Scans `"key"` and `:` for the top object frame, checking for duplicates.
    mutating func scanKeyAndColon() -> Result<Void, SyntaxError> {
        let top = stack.count - 1
        let start = scanner.position
        guard scanner.current == 0x22 else {
            let found = scanner.describeToken(at: start)
            if let byte = scanner.current, JSONScanner.isLetter(byte), let word = JSONScanner.word(scanner.bytes, at: start) {
                return .failure(.expected(
                    "'\"' to start an object key", found: found, at: start,
                    note: "keys need double quotes: \(CanonicalJSON.quote(word))"))
            }
            if scanner.current == 0x27 {
                return .failure(.expected("'\"' to start an object key", found: found, at: start, note: "JSON strings use double quotes"))
            }
            return .failure(.expected("'\"' to start an object key", found: found, at: start, note: unclosedNote()))
        }
        let keyLocation = scanner.location(at: start)
        let key: String
        switch scanner.scanString() {
        case .success(let text): key = text
        case .failure(let error): return .failure(error)
        }
        if let first = stack[top].object.member(key) {
            stack[top].key = key
            stack[top].inChild = true
            return .failure(SyntaxError(
                offset: start,
                "duplicate key \(CanonicalJSON.quote(key)) (first defined at line \(first.keyLocation.line), column \(first.keyLocation.column))"
            ))
        }
        stack[top].key = key
        stack[top].keyLocation = keyLocation
        scanner.skipWhitespace()
        guard scanner.current == 0x3A else {
            stack[top].inChild = true
            let found = scanner.describeToken(at: scanner.position)
            return .failure(.expected(
                "':' after the key \(CanonicalJSON.quote(key))", found: found, at: scanner.position, note: unclosedNote()))
        }
        scanner.position += 1
        return .success(())
    }

    /// The error after a member or element when neither ',' nor the closing bracket follows.
    func separatorError(frame: Frame) -> SyntaxError {
        let expected = frame.isObject ? "',' or '}' after an object member" : "',' or ']' after an array element"
        let found = scanner.describeToken(at: scanner.position)
        var note = unclosedNote()
        if note == nil, let byte = scanner.current, byte == 0x22 || byte == 0x7B || byte == 0x5B || JSONScanner.isLetter(byte)
            || (byte >= 0x30 && byte <= 0x39)
        {
            note = "is a ',' missing?"
        }
        return .expected(expected, found: found, at: scanner.position, note: note)
    }

    /// The error where a value should start but cannot.
    func valueError(at start: Int) -> SyntaxError {
        let bytes = scanner.bytes
        let found = scanner.describeToken(at: start)
        let byte = bytes[start]
        switch byte {
        case 0x27:
            return .expected("a value", found: found, at: start, note: "JSON strings use double quotes")
        case 0x2B:
            return SyntaxError(offset: start, "'+' is not allowed before a number", expected: "a value", found: found)
        case 0x2E:
            return SyntaxError(offset: start, "a number must start with a digit (write 0.5, not .5)", expected: "a value", found: found)
        case 0x2F where start + 1 < bytes.count && (bytes[start + 1] == 0x2F || bytes[start + 1] == 0x2A):
            return SyntaxError(offset: start, "comments are not allowed in JSON", expected: "a value", found: found)
        case 0x2C:
            return .expected("a value", found: found, at: start, note: "two commas in a row, or a missing value")
        default:
            if byte >= 0x80, case .failure(let error) = JSONScanner.utf8SequenceLength(bytes, at: start) {
                return error
            }
            if JSONScanner.isLetter(byte) {
                return scanner.wordError(at: start)
            }
            return .expected("a value", found: found, at: start)
        }
    }

    /// At end of input, which container is still open.
    func unclosedNote() -> String? {
        guard scanner.atEnd, let frame = stack.last else { return nil }
        return "the \(frame.isObject ? "object" : "array") opened at line \(frame.location.line), column \(frame.location.column) is not closed"
    }
}
