/// Where a ``ValueReader`` is reading: the path of the value, and the diagnostics being
/// collected. Custom readers use it to report problems and to read nested values.
public struct ReadContext {
    /// The path of the value being read.
    public let path: JSONPath
    let log: DiagnosticLog

    init(path: JSONPath, log: DiagnosticLog) {
        self.path = path
        self.log = log
    }

    /// The context of a child of the value being read.
    public func child(_ component: JSONPath.Component) -> ReadContext {
        ReadContext(path: path.appending(component), log: log)
    }

    /// Records a problem.
    public func report(_ diagnostic: WorldDiagnostic) {
        log.add(diagnostic)
    }

    /// Records "expected `expected`, found `value.summary`[: detail]" at `value` and this path.
    public func mismatch(_ value: JSONValue, expected: String, detail: String? = nil, suggestion: String? = nil) {
        log.add(.mismatch(value, at: path, expected: expected, detail: detail, suggestion: suggestion))
    }

    /// Reads `value`, which sits at this context's path, with `reader`; `nil` after
    /// reporting if it is invalid.
    public func read<T>(_ value: JSONValue, with reader: ValueReader<T>) -> T? {
        reader.readReporting(value, self)
    }

    /// Reads `value`, the child `component` of the current value, with `reader`.
    public func read<T>(_ value: JSONValue, at component: JSONPath.Component, with reader: ValueReader<T>) -> T? {
        reader.readReporting(value, child(component))
    }
}
