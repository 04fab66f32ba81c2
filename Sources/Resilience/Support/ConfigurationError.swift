/// A configuration value a Resilience type cannot work with: which type, which field,
/// what the field must be and what it was.
///
/// Every initialiser that validates its input throws this one error type
/// (`throws(ConfigurationError)`), so a caller reports any of them the same way — the
/// simulation's world reader prints it next to the world file's location, a service logs
/// it at start-up — without a `switch` per area. One struct rather than an enum per area,
/// because no caller decides anything by *which* field was wrong: they all name it and
/// stop, and the four strings are what a message needs.
///
/// ```swift
/// do {
///     _ = try RetryPolicy(maxAttempts: 0)
/// } catch {
///     print(error) // RetryPolicy.maxAttempts: expected >= 1, found 0
///     // error.field == "maxAttempts"
/// }
/// ```
///
/// Preconditions remain in the library only for a caller's misuse at run time that a
/// correct program never does (releasing a permit twice, two concurrent `next()` calls on
/// one consumer): they guard invariants, not input.
public struct ConfigurationError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The type being configured ("RetryPolicy", "CircuitBreakerConfiguration").
    public let type: String
    /// The offending field, as the initialiser's parameter names it.
    public let field: String
    /// What the field must be (">= 1", "in (0, 100]", ">= base").
    public let expected: String
    /// The value it had.
    public let found: String

    /// An error saying `type.field` should be `expected` and was `found`.
    public init(type: String, field: String, expected: String, found: String) {
        self.type = type
        self.field = field
        self.expected = expected
        self.found = found
    }

    /// "Type.field: expected …, found …".
    public var description: String { "\(type).\(field): expected \(expected), found \(found)" }
}

/// Checks the fields of one type's configuration, throwing the first that is invalid.
///
/// ```swift
/// let check = ConfigurationCheck("RetryPolicy")
/// try check.require(maxAttempts >= 1, "maxAttempts", ">= 1", maxAttempts)
/// ```
struct ConfigurationCheck {
    let type: String

    init(_ type: String) { self.type = type }

    /// Throws unless `valid`, naming `field`, what it must be and its value. The two
    /// descriptions are made only for the error: a valid value costs no string (some
    /// configurations are made per request, a dispatch's lock backoff for one).
    @inline(__always)
    func require(_ valid: Bool, _ field: String, _ expected: @autoclosure () -> String, _ found: @autoclosure () -> Any) throws(ConfigurationError) {
        if !valid { throw ConfigurationError(type: type, field: field, expected: expected(), found: "\(found())") }
    }
}
