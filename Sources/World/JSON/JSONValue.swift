/// A node of a parsed JSON document: a value and where it came from.
///
/// Trees come from ``JSONParser`` (every node located in the file), from ``Override``
/// (nodes located at their `--set` argument), or are built in code for output with the
/// literal syntax (`["seed": 42, "rates": [0.5, 1.5]]`), located at
/// ``SourceLocation/synthesized``.
///
/// Equality compares values only, ignoring locations and the order of object members.
public struct JSONValue: Sendable, Equatable {
    /// The value itself.
    public enum Kind: Sendable, Equatable {
        /// `null`.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// A number (always finite).
        case number(JSONNumber)
        /// A string.
        case string(String)
        /// An array.
        case array([JSONValue])
        /// An object.
        case object(JSONObject)
    }

    /// The value.
    public var kind: Kind
    /// Where the value starts: its first character in the source.
    public var location: SourceLocation

    /// A value at a location (``SourceLocation/synthesized`` by default).
    public init(_ kind: Kind, at location: SourceLocation = .synthesized) {
        self.kind = kind
        self.location = location
    }

    /// Whether two values are equal, ignoring locations (and member order, see ``JSONObject``).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.kind == rhs.kind }

    // MARK: Building values in code

    /// `null`.
    public static let null = JSONValue(.null)
    /// A boolean.
    public static func bool(_ value: Bool) -> JSONValue { JSONValue(.bool(value)) }
    /// An integer.
    public static func int(_ value: Int) -> JSONValue { JSONValue(.number(JSONNumber(value))) }
    /// A double; NaN and infinities become `null` (JSON has no spelling for them).
    public static func double(_ value: Double) -> JSONValue {
        JSONNumber(value).map { JSONValue(.number($0)) } ?? .null
    }
    /// A string.
    public static func string(_ value: String) -> JSONValue { JSONValue(.string(value)) }
    /// An array.
    public static func array(_ elements: [JSONValue]) -> JSONValue { JSONValue(.array(elements)) }
    /// An object with members in the given order.
    public static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        JSONValue(.object(JSONObject(pairs)))
    }

    // MARK: Reading values

    /// Whether the value is `null`.
    public var isNull: Bool { if case .null = kind { true } else { false } }
    /// The boolean, if the value is one.
    public var boolValue: Bool? { if case .bool(let value) = kind { value } else { nil } }
    /// The number, if the value is one.
    public var numberValue: JSONNumber? { if case .number(let value) = kind { value } else { nil } }
    /// The string, if the value is one.
    public var stringValue: String? { if case .string(let value) = kind { value } else { nil } }
    /// The elements, if the value is an array.
    public var arrayValue: [JSONValue]? { if case .array(let value) = kind { value } else { nil } }
    /// The object, if the value is one.
    public var objectValue: JSONObject? { if case .object(let value) = kind { value } else { nil } }

    /// The member `key` of an object (`nil` for other values or a missing key).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// The element at `index` of an array (`nil` for other values or out of range).
    public subscript(index: Int) -> JSONValue? {
        guard let elements = arrayValue, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The value at `path` below this one, if every step exists.
    public subscript(path: JSONPath) -> JSONValue? {
        var node = self
        for component in path.components {
            switch component {
            case .key(let key): guard let next = node[key] else { return nil }; node = next
            case .index(let index): guard let next = node[index] else { return nil }; node = next
            }
        }
        return node
    }

    /// A short rendering for "found ..." in diagnostics: `string "eight"`, `number 3.5`,
    /// `boolean true`, `null`, `object`, `empty object`, `array of 2`, `empty array`.
    /// Long strings are cut to 40 characters with `…`; control characters are escaped.
    public var summary: String {
        switch kind {
        case .null: return "null"
        case .bool(let value): return "boolean \(value)"
        case .number(let number): return "number \(Self.shorten(number.literal))"
        case .string(let string): return "string \(Self.quoted(string))"
        case .array(let elements): return elements.isEmpty ? "empty array" : "array of \(elements.count)"
        case .object(let object): return object.isEmpty ? "empty object" : "object"
        }
    }

    /// `"text"` with JSON escapes for quotes, backslashes and control characters, cut to
    /// 40 characters with `…`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 40 { out += "…"; break }
            count += 1
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + CanonicalJSON.hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func shorten(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `null`.
    public init(nilLiteral: ()) { self.init(.null) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self.init(.bool(value)) }
    /// An integer.
    public init(integerLiteral value: Int) { self.init(.number(JSONNumber(value))) }
    /// A double (a non-finite literal becomes `null`).
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string.
    public init(stringLiteral value: String) { self.init(.string(value)) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self.init(.array(elements)) }
    /// An object with members in literal order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(.object(JSONObject(elements)))
    }
}
