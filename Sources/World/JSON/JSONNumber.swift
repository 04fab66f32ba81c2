/// A JSON number: its literal text, its exact integer value when it has one, and its
/// nearest `Double`.
///
/// A number is an *integer* when its value is integral and fits in `Int64`: `8`, `-0`,
/// `8.0` and `8e0` are all the integer 8 (as in JSON Schema, where `1.0` is an integer).
/// Integral literals are converted exactly from their digits, so integers beyond 2^53
/// (`9007199254740993`) keep every digit; integral literals beyond `Int64`
/// (`9223372036854775808`) are not integers. A fractional literal with more precision
/// than a `Double` holds whose nearest `Double` is integral (`0.99999999999999999999`) is
/// that integer: the value a program sees is the `Double`, and an integer it is. (This
/// keeps parse → write → parse the identity: the writer prints such a number as `1`.)
///
/// Equality and hashing compare values, not spelling: `1`, `1.0` and `1e0` are equal.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The text as written in the source (for error messages), or the canonical rendering
    /// for numbers built in code.
    public let literal: String
    /// The exact value when the number is integral and within `Int64`, else `nil`.
    public let int64: Int64?
    /// The nearest `Double` (always finite).
    public let double: Double

    /// An integer.
    public init(_ value: Int64) {
        literal = String(value)
        int64 = value
        double = Double(value)
    }

    /// An integer.
    public init(_ value: Int) {
        self.init(Int64(value))
    }

    /// A finite double, or `nil` for NaN and infinities (which JSON cannot express).
    /// An integral value within `Int64` becomes an integer.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        int64 = Int64(exactly: value)
        double = value
        literal = int64.map { String($0) } ?? value.description
    }

    /// A parsed number: `exact` is the literal's exact value as an integer.
    init(literal: String, exact: ExactInteger, double: Double) {
        self.literal = literal
        switch exact {
        case .integer(let value): int64 = value
        case .outOfRange: int64 = nil
        case .fractional: int64 = Int64(exactly: double)
        }
        self.double = double
    }

    /// What a literal's digits say about its integer value.
    enum ExactInteger: Equatable {
        /// Integral and within `Int64`.
        case integer(Int64)
        /// Integral but beyond `Int64`.
        case outOfRange
        /// Not integral.
        case fractional
    }

    /// The value as an `Int` when it is an integer.
    public var int: Int? { int64.map { Int($0) } }

    /// Whether the value is an integer (integral and within `Int64`).
    public var isInteger: Bool { int64 != nil }

    /// The literal text.
    public var description: String { literal }

    /// Whether two numbers have the same value (`1 == 1.0`), whatever their spelling.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.int64 { return rhs.int64 == a }
        return rhs.int64 == nil && lhs.double == rhs.double
    }

    /// Hashes the value, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        if let value = int64 {
            hasher.combine(0 as UInt8)
            hasher.combine(value)
        } else {
            hasher.combine(1 as UInt8)
            hasher.combine(double)
        }
    }

    /// The exact integer value of a JSON number literal's parts: `digits` are the
    /// significant digits (integer then fraction, no sign), `fractionDigits` how many of
    /// them follow the point, `exponent` the decimal exponent (saturated by the caller).
    static func exactInteger(
        negative: Bool, digits: ArraySlice<UInt8>, fractionDigits: Int, exponent: Int
    ) -> ExactInteger {
        // value = D × 10^(exponent − fractionDigits), D the digit string.
        var significant = digits.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return .integer(0) }
        var scale = exponent - fractionDigits
        while let last = significant.last, last == UInt8(ascii: "0") {
            significant.removeLast()
            scale += 1
        }
        guard scale >= 0 else { return .fractional }
        guard significant.count + scale <= 19 else { return .outOfRange }
        // Accumulate negatively: Int64.min has no positive counterpart.
        var value: Int64 = 0
        for digit in significant {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int64(digit &- UInt8(ascii: "0")))
            if o1 || o2 { return .outOfRange }
            value = next
        }
        for _ in 0..<scale {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return .outOfRange }
            value = next
        }
        if negative { return .integer(value) }
        return value == .min ? .outOfRange : .integer(-value)
    }
}
