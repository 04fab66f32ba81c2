/// How to read one kind of value from a JSON tree: check it, convert it, and explain
/// precisely what is wrong when it is invalid. World schemas are built from these.
///
/// A reader never throws while reading: each problem becomes a ``WorldDiagnostic``
/// (collected up to a limit) and reading carries on with a *placeholder* value so that
/// every other problem in the file is found in the same run. ``read(_:maxDiagnostics:)``
/// then throws a ``WorldError`` with all of them, or returns the value if there were none;
/// placeholders therefore never escape.
///
/// ## Writing a schema
///
/// ```swift
/// struct ServiceSpec: Sendable {
///     var workers: Int
///     var queue: Int
///     var timeout: Duration?
///     var serviceTime: Distribution
///     var discipline: Discipline     // enum Discipline: String, CaseIterable { case fifo, lifo }
/// }
///
/// extension ServiceSpec {
///     static let reader = ValueReader<ServiceSpec>.object { o in
///         ServiceSpec(
///             workers: o.required("workers", .integer(in: 1...100_000)),
///             queue: o.optional("queue", .integer(in: 0...), default: 1024),
///             timeout: o.optional("timeout", .duration),
///             serviceTime: o.required("service_time", .durationDistribution),
///             discipline: o.optional("discipline", .oneOf(Discipline.self), default: .fifo))
///     }
/// }
///
/// struct WorldSpec: Sendable {
///     var seed: Int
///     var duration: Duration
///     var arrivalRate: Double                      // per second
///     var services: [(key: String, value: ServiceSpec)]
/// }
///
/// extension WorldSpec {
///     static let reader = ValueReader<WorldSpec>.object { o in
///         let spec = WorldSpec(
///             seed: o.required("seed", .integer(in: 0...)),
///             duration: o.required("duration", .duration(atLeast: .milliseconds(1))),
///             arrivalRate: o.required("rate", .rate),
///             services: o.required("services", .members(of: ServiceSpec.reader)))
///         // Cross-field rules report at the field they blame:
///         if spec.services.isEmpty { o.reject("services", expected: "at least one service") }
///         return spec
///     }
/// }
///
/// // Parse, apply `--set` arguments, read: one WorldError lists every problem found.
/// let world = try WorldJSON.read(bytes, file: "worlds/incident.json",
///                                overrides: ["services.order.workers=128"], with: WorldSpec.reader)
/// ```
///
/// Inside ``object(_:)`` every field the closure asks about (``ObjectReader/required(_:_:)``,
/// ``ObjectReader/optional(_:_:)`` ...) is a known field; when the closure returns, every
/// other key is reported as unknown, with the nearest known name as a suggestion.
public struct ValueReader<Value>: Sendable {
    /// What a valid value looks like, completing "expected ...": e.g. `an integer >= 0`,
    /// `a duration such as "250ms"`.
    public let expected: String
    let parse: @Sendable (JSONValue, ReadContext) -> Value?
    let makePlaceholder: @Sendable () -> Value

    /// A custom reader.
    ///
    /// - Parameters:
    ///   - expected: completes "expected ..." in messages (and "missing required field").
    ///   - placeholder: a value of the right type to carry on with after a problem; it
    ///     never reaches the caller of ``read(_:maxDiagnostics:)``.
    ///   - parse: reads a value; on a problem it must report at least one diagnostic
    ///     through the context (e.g. ``ReadContext/mismatch(_:expected:detail:suggestion:)``)
    ///     and return `nil`.
    public init(
        expected: String,
        placeholder: @escaping @Sendable () -> Value,
        parse: @escaping @Sendable (JSONValue, ReadContext) -> Value?
    ) {
        self.expected = expected
        self.parse = parse
        self.makePlaceholder = placeholder
    }

    /// Reads a whole document (its root at path `$`), collecting up to `maxDiagnostics`
    /// problems (default 20; the rest are counted in ``WorldError/omitted``).
    public func read(_ root: JSONValue, maxDiagnostics: Int = 20) throws(WorldError) -> Value {
        let log = DiagnosticLog(limit: maxDiagnostics)
        let value = readReporting(root, ReadContext(path: .root, log: log))
        if let value, log.count == 0 { return value }
        throw log.error
    }

    /// Reads the value at `context`'s path; `nil` after reporting at least one problem.
    func readReporting(_ value: JSONValue, _ context: ReadContext) -> Value? {
        let before = context.log.count
        if let result = parse(value, context) { return result }
        if context.log.count == before {
            // A custom reader returned nil without saying why: report it generically.
            context.mismatch(value, expected: expected)
        }
        return nil
    }

    /// Reads the value at `context`'s path, or returns a placeholder after reporting.
    func readOrPlaceholder(_ value: JSONValue, _ context: ReadContext) -> Value {
        readReporting(value, context) ?? makePlaceholder()
    }

    /// A value of the right type for carrying on after a problem.
    func placeholder() -> Value { makePlaceholder() }

    /// The same reader with its result converted (`transform` also converts the
    /// placeholder, so it must accept any value of `Value`).
    public func map<T>(_ transform: @escaping @Sendable (Value) -> T) -> ValueReader<T> {
        let parse = self.parse, placeholder = self.makePlaceholder
        return ValueReader<T>(expected: expected, placeholder: { transform(placeholder()) }) { value, context in
            parse(value, context).map(transform)
        }
    }

    /// The same reader, also requiring `predicate`; a value failing it is reported as
    /// "expected `expected`, found ...". Example: `.integer.satisfying("an even integer") { $0 % 2 == 0 }`.
    public func satisfying(_ expected: String, _ predicate: @escaping @Sendable (Value) -> Bool) -> ValueReader<Value> {
        let parse = self.parse
        return ValueReader(expected: expected, placeholder: makePlaceholder) { value, context in
            guard let result = parse(value, context) else { return nil }
            guard predicate(result) else {
                context.mismatch(value, expected: expected)
                return nil
            }
            return result
        }
    }

    /// The same reader, also accepting `null` (read as `nil`). A wrong non-null value is
    /// reported by the wrapped reader, in its words.
    public var orNull: ValueReader<Value?> {
        let parse = self.parse
        return ValueReader<Value?>(expected: expected + " or null", placeholder: { nil }) { value, context in
            if value.isNull { return .some(nil) }
            return parse(value, context).map { .some($0) }
        }
    }
}
