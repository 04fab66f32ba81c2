/// One problem found in a world's input, located precisely enough to fix it without
/// searching: the file (or `--set` argument), line, column, JSON path, what was expected,
/// what was found, and a likely fix.
///
/// Rendered (``description``) as
///
///     worlds/x.json:12:5: $.services.order.wokers: unknown field "wokers" (did you mean "workers"?)
///     worlds/x.json:7:17: $.seed: expected an integer >= 0, found string "abc"
///     worlds/x.json:3:14: $.traffic: expected ',' or '}' after an object member, found 'x'
///     --set #2: $.faults[0].at: expected a duration such as "250ms", found string "12q": unknown unit "q"
///     --set #2: no array at $.faults (found object)
///
/// that is `location: path: message (did you mean "suggestion"?)`, the path and the
/// suggestion left out when there is none.
public struct WorldDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the offending text is: for a wrong value, its first character; for a missing
    /// field, the object that lacks it; for an unknown field, its key.
    public var location: SourceLocation
    /// The JSON path of the offending value (for a missing or unknown field, the path of
    /// the field itself), or `nil` when there is none (a malformed `--set` argument).
    public var path: JSONPath?
    /// The complete explanation, without location, path or suggestion: e.g.
    /// `expected an integer >= 0, found string "abc"` or `unknown field "wokers"`.
    public var message: String
    /// What a valid value looks like (`an integer >= 0`), when the problem is a mismatch.
    public var expected: String?
    /// A short rendering of what was found (``JSONValue/summary``: `string "eight"`,
    /// `number 3.5`, `object`, `array of 2`, `null`), or `missing`, or for syntax errors
    /// the offending character (`'x'`, `end of input`).
    public var found: String?
    /// The likely intended text (a field name, enum value or literal), shown as
    /// `(did you mean "workers"?)`.
    public var suggestion: String?

    /// A diagnostic with every part given.
    public init(
        location: SourceLocation, path: JSONPath?, message: String,
        expected: String? = nil, found: String? = nil, suggestion: String? = nil
    ) {
        self.location = location
        self.path = path
        self.message = message
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
    }

    /// "expected `expected`, found `value.summary`", optionally followed by `: detail`
    /// (e.g. `unknown unit "q"`), located at `value`.
    public static func mismatch(
        _ value: JSONValue, at path: JSONPath, expected: String, detail: String? = nil, suggestion: String? = nil
    ) -> WorldDiagnostic {
        var message = "expected \(expected), found \(value.summary)"
        if let detail { message += ": " + detail }
        return WorldDiagnostic(
            location: value.location, path: path, message: message,
            expected: expected, found: value.summary, suggestion: suggestion)
    }

    /// `location: path: message (did you mean "suggestion"?)`.
    public var description: String {
        var out = location.description + ": "
        if let path { out += path.description + ": " }
        out += message
        if let suggestion { out += " (did you mean \(Self.render(suggestion))?)" }
        return out
    }

    /// JSON literals and numbers are shown bare (`true`, `8`), anything else quoted
    /// (`"workers"`).
    static func render(_ suggestion: String) -> String {
        switch suggestion {
        case "true", "false", "null": return suggestion
        default:
            if let value = try? JSONParser.parse(suggestion, file: ""), value.numberValue != nil { return suggestion }
            return CanonicalJSON.quote(suggestion)
        }
    }
}

/// Everything wrong with a world's input: one or more diagnostics in input order (files
/// by position, then `--set` arguments), at most the reader's limit of them.
///
/// This is the only error the World JSON layer throws. Its ``description`` is ready to
/// print: one diagnostic per line, then `... and 12 more errors` when some were left out.
public struct WorldError: Error, Sendable, CustomStringConvertible {
    /// The diagnostics, sorted by location (stable: equal locations keep reading order).
    public var diagnostics: [WorldDiagnostic]
    /// How many further diagnostics were found beyond the limit and left out.
    public var omitted: Int

    /// An error with the given diagnostics (sorted and deduplicated here).
    public init(_ diagnostics: [WorldDiagnostic], omitted: Int = 0) {
        var seen = Set<WorldDiagnostic>()
        let unique = diagnostics.filter { seen.insert($0).inserted }
        self.diagnostics = unique.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
        self.omitted = omitted
    }

    /// An error with one diagnostic.
    public init(_ diagnostic: WorldDiagnostic) {
        self.init([diagnostic])
    }

    /// One diagnostic per line, then `... and N more errors` if some were left out.
    public var description: String {
        var lines = diagnostics.map(\.description)
        if omitted > 0 { lines.append("... and \(omitted) more error\(omitted == 1 ? "" : "s")") }
        return lines.joined(separator: "\n")
    }
}

/// Collects diagnostics up to a limit, counting the rest.
final class DiagnosticLog {
    private(set) var entries: [WorldDiagnostic] = []
    private(set) var omitted = 0
    let limit: Int
    /// A log that throws everything away (used to build placeholder values).
    let discards: Bool

    init(limit: Int, discards: Bool = false) {
        self.limit = max(1, limit)
        self.discards = discards
    }

    /// How many diagnostics were added (kept or omitted; discarded ones count too, so
    /// callers can tell whether a reader reported anything).
    private(set) var count = 0

    func add(_ diagnostic: WorldDiagnostic) {
        count += 1
        guard !discards else { return }
        if entries.count < limit { entries.append(diagnostic) } else { omitted += 1 }
    }

    var error: WorldError { WorldError(entries, omitted: omitted) }
}
