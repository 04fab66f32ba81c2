import World

/// A baseline file that cannot be used: where, and what was expected. `check` exits 2.
public struct BaselineError: Error, Sendable, CustomStringConvertible {
    /// `FILE[:LINE:COLUMN]: [JSON-PATH: ]what is wrong`.
    public let description: String
    /// An error saying `description`, already located.
    public init(_ description: String) { self.description = description }
}

/// Reads `NAME.expected.json`, with located errors, and the format checks first: a
/// baseline written by another file or trace format is refused as such, never compared
/// (its digests mean something else).
public enum BaselineReader {
    /// The baseline in `text`, read from `file`.
    public static func read(_ text: String, file: String) throws(BaselineError) -> Baseline {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text, file: file)
        } catch {
            throw BaselineError(error.description)
        }
        guard root.objectValue != nil else { throw problem(file, root, "", "an object", found: root) }
        let format = try string(root, "format", file)
        guard format == Baseline.fileFormat else {
            throw BaselineError("\(file): written in baseline format \"\(format)\"; this tool reads \"\(Baseline.fileFormat)\": "
                + "regenerate it with delivery-sim check --update")
        }
        let traceFormat = try integer(root, "trace_format", file)
        guard traceFormat == Baseline.currentTraceFormat else {
            throw BaselineError("\(file): written by trace format \(traceFormat); this tool traces in format "
                + "\(Baseline.currentTraceFormat), whose digests and events cannot be compared with it: "
                + "regenerate it with delivery-sim check --update (after checking the change is intended)")
        }
        let seedText = try string(root, "seed", file)
        guard let seed = UInt64(seedText) else {
            throw problem(file, root["seed"]!, "seed", "a whole number as a string", found: root["seed"]!)
        }
        let digest = try string(root, "digest", file)
        guard digest.count == 16, digest.allSatisfy(\.isHexDigit) else {
            throw problem(file, root["digest"]!, "digest", "16 hex digits", found: root["digest"]!)
        }
        guard let metricsValue = root["metrics"], let metricsObject = metricsValue.objectValue else {
            throw missingOrWrong(file, root, "metrics", "an object of metric name to number")
        }
        var metrics: [Baseline.Metric] = []
        for member in metricsObject.members {
            guard let number = member.value.numberValue else {
                throw problem(file, member.value, "metrics.\(member.key)", "a number", found: member.value)
            }
            metrics.append(Baseline.Metric(name: member.key, value: number.double))
        }
        let interval = try integer(root, "checkpoint_interval", file)
        guard interval > 0, interval & (interval - 1) == 0 else {
            throw problem(file, root["checkpoint_interval"]!, "checkpoint_interval", "a power of two", found: root["checkpoint_interval"]!)
        }
        guard let checkpointValues = root["checkpoints"]?.arrayValue else {
            throw missingOrWrong(file, root, "checkpoints", "an array of \"EVENTS DIGEST\" strings")
        }
        var checkpoints: [Baseline.Checkpoint] = []
        for (position, value) in checkpointValues.enumerated() {
            let parts = value.stringValue?.split(separator: " ") ?? []
            guard parts.count == 2, let events = Int(parts[0]), events > (checkpoints.last?.events ?? 0),
                  events % interval == 0, parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit) else {
                throw problem(file, value, "checkpoints[\(position)]",
                              "\"EVENTS DIGEST\" with EVENTS an increasing multiple of checkpoint_interval and a 16-hex-digit digest",
                              found: value)
            }
            checkpoints.append(Baseline.Checkpoint(events: events, digest: String(parts[1])))
        }
        return Baseline(format: format, traceFormat: traceFormat, revision: try string(root, "revision", file),
                        world: try string(root, "world", file), seed: seed, worldText: try string(root, "world_text", file),
                        digest: digest, events: try integer(root, "events", file), stop: try string(root, "stop", file),
                        metrics: metrics, checkpointInterval: interval, checkpoints: checkpoints)
    }

    static func string(_ root: JSONValue, _ key: String, _ file: String) throws(BaselineError) -> String {
        guard let value = root[key], let text = value.stringValue else { throw missingOrWrong(file, root, key, "a string") }
        return text
    }

    static func integer(_ root: JSONValue, _ key: String, _ file: String) throws(BaselineError) -> Int {
        guard let value = root[key], let number = value.numberValue?.int, number >= 0 else {
            throw missingOrWrong(file, root, key, "a whole number ≥ 0")
        }
        return number
    }

    static func missingOrWrong(_ file: String, _ root: JSONValue, _ key: String, _ expected: String) -> BaselineError {
        guard let value = root[key] else {
            return BaselineError("\(root.location): \(key): missing; expected \(expected) (is this a baseline written by check --update?)")
        }
        return problem(file, value, key, expected, found: value)
    }

    static func problem(_ file: String, _ at: JSONValue, _ path: String, _ expected: String, found: JSONValue) -> BaselineError {
        var shown = CanonicalJSON.string(found, style: .compact)
        if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
        return BaselineError("\(at.location): \(path.isEmpty ? "(top level)" : path): expected \(expected), found \(shown)")
    }
}
