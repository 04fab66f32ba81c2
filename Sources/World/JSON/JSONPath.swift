/// The position of a value inside a document, for error messages: `$.services.order.workers`,
/// `$.faults[2].at`, `$["odd key"]`.
///
/// Rendering follows RFC 9535 (JSONPath) normalised paths, except that keys use the
/// short `.name` form whenever they can: a key is written `.name` when it starts with an
/// ASCII letter or `_` and continues with ASCII letters, digits or `_`; any other key is
/// written `["..."]` with JSON string escapes.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One step: a member of an object or an element of an array.
    public enum Component: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        /// An object member.
        case key(String)
        /// An array element (0-based).
        case index(Int)

        /// A key.
        public init(stringLiteral value: String) { self = .key(value) }
        /// An index.
        public init(integerLiteral value: Int) { self = .index(value) }
    }

    /// The steps from the root.
    public var components: [Component]

    /// The root, `$`.
    public static let root = JSONPath(components: [])

    /// A path with the given steps.
    public init(components: [Component]) { self.components = components }

    /// A path from literal steps: `["faults", 2, "at"]`.
    public init(arrayLiteral elements: Component...) { components = elements }

    /// This path extended by `component`.
    public func appending(_ component: Component) -> JSONPath {
        var copy = self
        copy.components.append(component)
        return copy
    }

    /// This path extended by the member `key`.
    public static func + (path: JSONPath, key: String) -> JSONPath { path.appending(.key(key)) }
    /// This path extended by the element `index`.
    public static func + (path: JSONPath, index: Int) -> JSONPath { path.appending(.index(index)) }

    /// The path without its last step (the root's parent is the root).
    public var parent: JSONPath { JSONPath(components: Array(components.dropLast())) }

    /// `$.services.order.workers`, `$.faults[2].at`, `$["odd key"]`.
    public var description: String {
        var out = "$"
        for component in components {
            switch component {
            case .index(let index):
                out += "[\(index)]"
            case .key(let key):
                if Self.isShorthand(key) {
                    out += "." + key
                } else {
                    out += "[" + CanonicalJSON.quote(key) + "]"
                }
            }
        }
        return out
    }

    static func isShorthand(_ key: String) -> Bool {
        var first = true
        for byte in key.utf8 {
            let letter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            let digit = byte >= 0x30 && byte <= 0x39
            if !(letter || (!first && digit)) { return false }
            first = false
        }
        return !first
    }

    // MARK: Parsing

    /// Parses the path syntax of `--set` arguments and of ``description``: an optional
    /// leading `$`, then steps `.name`, `[index]` or `["quoted key"]`; the first step may
    /// omit its dot (`services.order.workers`, `faults[0].at`, `$["odd key"].x`).
    ///
    /// A `.name` step runs up to the next `.`, `[` or end, and may contain any other
    /// character (so `order-service.workers` works); a quoted key uses JSON string syntax.
    /// Indices are non-negative decimal integers without leading zeros.
    ///
    /// - Throws: a ``PathSyntaxError`` saying what was expected where.
    public static func parse(_ text: String) throws(PathSyntaxError) -> JSONPath {
        let bytes = Array(text.utf8)
        var position = 0
        var components: [Component] = []
        if bytes.first == UInt8(ascii: "$") { position = 1 }
        var first = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "[") {
                position += 1
                guard position < bytes.count else {
                    throw PathSyntaxError(offset: position, message: "expected an index or a quoted key after '['")
                }
                if bytes[position] == UInt8(ascii: "\"") {
                    // A quoted key: parse it as a JSON string.
                    var scanner = JSONScanner(bytes: bytes, origin: .synthesized, limits: .default)
                    scanner.position = position
                    guard case .success(let key) = scanner.scanString() else {
                        throw PathSyntaxError(offset: position, message: "invalid quoted key")
                    }
                    position = scanner.position
                    components.append(.key(key))
                } else {
                    let start = position
                    var value = 0
                    while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                        let (next, o2) = times10.addingReportingOverflow(Int(bytes[position] - 0x30))
                        guard !o1, !o2 else { throw PathSyntaxError(offset: start, message: "index is too large") }
                        value = next
                        position += 1
                    }
                    guard position > start else {
                        throw PathSyntaxError(
                            offset: position,
                            message: "expected an index or a quoted key after '[', found \(describe(bytes, at: position))")
                    }
                    if position - start > 1 && bytes[start] == UInt8(ascii: "0") {
                        throw PathSyntaxError(offset: start, message: "leading zeros are not allowed in an index")
                    }
                    components.append(.index(value))
                }
                guard position < bytes.count, bytes[position] == UInt8(ascii: "]") else {
                    throw PathSyntaxError(offset: position, message: "expected ']', found \(describe(bytes, at: position))")
                }
                position += 1
            } else {
                if byte == UInt8(ascii: ".") {
                    position += 1
                } else if !(first && bytes.first != UInt8(ascii: "$")) {
                    // Only the first step of a path without `$` may omit its dot.
                    throw PathSyntaxError(offset: position, message: "expected '.' or '[', found \(describe(bytes, at: position))")
                }
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "."), bytes[position] != UInt8(ascii: "[") {
                    position += 1
                }
                guard position > start else {
                    throw PathSyntaxError(offset: start, message: "expected a field name, found \(describe(bytes, at: position))")
                }
                components.append(.key(String(decoding: bytes[start..<position], as: UTF8.self)))
            }
            first = false
        }
        return JSONPath(components: components)
    }

    private static func describe(_ bytes: [UInt8], at position: Int) -> String {
        guard position < bytes.count else { return "end of path" }
        return JSONScanner.describeCharacter(bytes, at: position)
    }
}

/// A malformed path in a `--set` argument.
public struct PathSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem in the path text.
    public var offset: Int
    /// What was expected and found.
    public var message: String
    /// The message.
    public var description: String { message }
}
