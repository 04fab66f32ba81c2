/// Reads the fields of one JSON object for a schema, remembering which keys the schema
/// knows so that every other key can be reported as unknown.
///
/// Obtained inside ``ValueReader/object(_:)``; see ``ValueReader`` for a complete example.
/// Field accessors never throw: a problem is recorded (with the exact path and location
/// of the offending value) and a placeholder returned, so one run reports every problem.
///
/// - A *missing required field* is reported at the object's location with the field's
///   path: `$.services.order.workers: missing required field "workers" (expected an integer >= 1)`.
///   When an unknown key in the same object is a likely misspelling of it, only the
///   unknown key is reported (`unknown field "wokers" (did you mean "workers"?)`).
/// - An *optional* field that is absent or `null` is `nil` (or the default); so a world
///   can say `"timeout": null` and a `--set timeout=null` can turn an option off.
/// - An *unknown field* is reported at its key, suggesting the nearest known key when one
///   is within a few edits (Damerau–Levenshtein), else listing the known keys.
public final class ObjectReader {
    /// The object being read.
    public let value: JSONValue
    /// The object's members.
    public let object: JSONObject
    /// The object's path.
    public let path: JSONPath
    let log: DiagnosticLog
    private let initialCount: Int
    /// Keys the schema asked about, in asking order (suggestions prefer earlier ones).
    private var known: [String] = []
    private var knownSet: Set<String> = []
    private var missing: [(key: String, expected: String)] = []
    /// Set when a discriminator was invalid: the rest of the object cannot be judged.
    private var abandoned = false

    init(value: JSONValue, object: JSONObject, path: JSONPath, log: DiagnosticLog) {
        self.value = value
        self.object = object
        self.path = path
        self.log = log
        self.initialCount = log.count
    }

    /// Whether any problem has been found while reading this object so far (including
    /// inside its fields, and missing required fields, which are reported at the end). Cross-field rules should check it first, so that a placeholder
    /// standing in for an invalid field does not cause a second, misleading report:
    /// `if !o.hasProblems, upper < lower { o.reject("upper", expected: ...) }`.
    public var hasProblems: Bool { log.count != initialCount || !missing.isEmpty }

    /// The keys present in the object, in source order.
    public var keys: [String] { object.keys }

    private func declare(_ key: String) {
        if knownSet.insert(key).inserted { known.append(key) }
    }

    private func context(_ key: String) -> ReadContext {
        ReadContext(path: path + key, log: log)
    }

    /// The value of a field that must be present; reports it missing (at the object) or
    /// invalid (at the value) and returns a placeholder otherwise. `null` is not absent
    /// here: it is reported as a wrong value unless the reader accepts it (``ValueReader/orNull``).
    public func required<T>(_ key: String, _ reader: ValueReader<T>) -> T {
        declare(key)
        guard let member = object.member(key) else {
            missing.append((key, reader.expected))
            return reader.placeholder()
        }
        return reader.readOrPlaceholder(member.value, context(key))
    }

    /// The value of a field that may be absent: `nil` when absent or `null`, and also
    /// (after reporting) when invalid.
    public func optional<T>(_ key: String, _ reader: ValueReader<T>) -> T? {
        declare(key)
        guard let member = object.member(key), !member.value.isNull else { return nil }
        return reader.readReporting(member.value, context(key))
    }

    /// The value of a field that may be absent, or `defaultValue` when it is absent or
    /// `null` (and, after reporting, when it is invalid).
    public func optional<T>(_ key: String, _ reader: ValueReader<T>, default defaultValue: @autoclosure () -> T) -> T {
        optional(key, reader) ?? defaultValue()
    }

    /// The *discriminator* of a tagged union (`"kind": "latency"`): a required field that
    /// decides which other fields exist. Returns `nil` (after reporting) when it is
    /// missing or invalid; the object is then abandoned: keys that are not near misses of
    /// a known field are no longer reported as unknown, since which fields are allowed
    /// depends on the value the user meant. Return early with any value when it is `nil`:
    ///
    /// ```swift
    /// static let reader = ValueReader<FaultSpec>.object { o in
    ///     guard let kind = o.discriminator("kind", .oneOf(FaultKind.self)) else { return .crash(at: .zero) }
    ///     switch kind {
    ///     case .latency: return .latency(at: o.required("at", .duration), extra: o.required("extra", .durationDistribution))
    ///     case .crash: return .crash(at: o.required("at", .duration))
    ///     }
    /// }
    /// ```
    public func discriminator<T>(_ key: String, _ reader: ValueReader<T>) -> T? {
        declare(key)
        guard let member = object.member(key) else {
            missing.append((key, reader.expected))
            abandoned = true
            return nil
        }
        if let result = reader.readReporting(member.value, context(key)) { return result }
        abandoned = true
        return nil
    }

    /// Whether the field is present (and not `null`); declares it as known.
    public func contains(_ key: String) -> Bool {
        declare(key)
        guard let member = object.member(key) else { return false }
        return !member.value.isNull
    }

    /// The raw value of a field (declared as known, not checked), for schemas that inspect
    /// a value before choosing how to read it.
    public func raw(_ key: String) -> JSONValue? {
        declare(key)
        return object[key]
    }

    /// Declares keys as known without reading them (they are then neither unknown nor
    /// missing), e.g. fields that only matter in another mode, or comments such as `"//"`.
    public func allow(_ keys: String...) {
        for key in keys { declare(key) }
    }

    /// Reports a cross-field rule broken by `key`'s value: "expected `expected`, found
    /// ..." at the value (or at the object if the field is absent), e.g.
    /// `o.reject("upper", expected: "a duration >= lower (10ms)")`.
    public func reject(_ key: String, expected: String, detail: String? = nil, suggestion: String? = nil) {
        declare(key)
        if let member = object.member(key) {
            context(key).mismatch(member.value, expected: expected, detail: detail, suggestion: suggestion)
        } else {
            var message = "expected \(expected), found missing"
            if let detail { message += ": " + detail }
            log.add(WorldDiagnostic(
                location: value.location, path: path + key, message: message,
                expected: expected, found: "missing", suggestion: suggestion))
        }
    }

    /// Reports a problem with the object as a whole (at its location and path), e.g.
    /// `o.report("a lognormal needs either median and p99, or mu and sigma")`.
    public func report(_ message: String, suggestion: String? = nil) {
        log.add(WorldDiagnostic(location: value.location, path: path, message: message, suggestion: suggestion))
    }

    /// Reports unknown keys and missing required fields. Called by ``ValueReader/object(_:)``
    /// when the schema closure returns.
    func finish() {
        var explained = Set<String>()
        for member in object.members where !knownSet.contains(member.key) {
            let suggestion = NearestName.nearest(to: member.key, in: known)
            if abandoned && suggestion == nil { continue }
            var message = "unknown field \(CanonicalJSON.quote(member.key))"
            if let suggestion {
                explained.insert(suggestion)
            } else if known.isEmpty {
                message += " (this object has no fields)"
            } else {
                let shown = known.prefix(24).joined(separator: ", ")
                message += " (known fields: \(shown)\(known.count > 24 ? ", ..." : ""))"
            }
            log.add(WorldDiagnostic(
                location: member.keyLocation, path: path + member.key, message: message,
                expected: "a known field", found: "field \(CanonicalJSON.quote(member.key))", suggestion: suggestion))
        }
        for (key, expected) in missing where !explained.contains(key) {
            log.add(WorldDiagnostic(
                location: value.location, path: path + key,
                message: "missing required field \(CanonicalJSON.quote(key)) (expected \(expected))",
                expected: expected, found: "missing"))
        }
    }
}
