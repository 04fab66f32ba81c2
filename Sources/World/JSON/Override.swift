/// A command-line override of a world file: `--set path=value`.
///
/// `services.order.workers=128`, `faults[0].at=12m`, `traffic.rate="7.2/s"`: the path uses
/// ``JSONPath/parse(_:)`` syntax (split at the first `=` outside a quoted key); the value
/// is parsed as JSON if it is valid JSON (`128`, `true`, `null`, `[1, 2]`,
/// `{"exp": "1s"}`, `"7.2/s"`), and otherwise taken as a string (`12m`, `7.2/s`), so
/// shell quoting rarely matters. To force a string that looks like JSON, quote it
/// inside: `--set 'name="true"'`.
///
/// Applying an override replaces an existing value, or adds a key to an existing object;
/// every step before the last must exist, and an array index must be within the array
/// (arrays are not extended). Every node of the new value is located at `--set #N`, so
/// later schema errors about it point at the command line:
/// `--set #2: $.faults[0].at: expected a duration such as "250ms", found string "12q": ...`.
public struct Override: Sendable, Equatable {
    /// The 1-based position among the `--set` arguments (`#N` in messages).
    public let index: Int
    /// The argument as given.
    public let argument: String
    /// Where to put the value.
    public let path: JSONPath
    /// The value, located at ``SourceLocation/Origin/override(_:)``.
    public let value: JSONValue
    /// Why the value, which looks like JSON (it starts with `[`, `{` or `"`), is not valid
    /// JSON: it was taken as a string, and if the field wants something else the reader's
    /// complaint says why (``WorldJSON/read(_:file:overrides:with:limits:maxDiagnostics:)``).
    public var jsonProblem: String? = nil

    /// Where messages about the `index`-th argument point.
    static func location(_ index: Int) -> SourceLocation {
        SourceLocation(origin: .override(index), line: 1, column: 1, offset: 0)
    }

    /// Parses one `--set` argument, the `index`-th (1-based).
    public static func parse(_ argument: String, index: Int) throws(WorldError) -> Override {
        let location = Self.location(index)
        func fail(_ message: String) -> WorldError {
            WorldError(WorldDiagnostic(location: location, path: nil, message: message))
        }
        guard let equals = splitPoint(argument) else {
            throw fail("expected path=value, found \(CanonicalJSON.quote(argument))")
        }
        let pathText = String(decoding: Array(argument.utf8)[..<equals], as: UTF8.self)
        let valueText = String(decoding: Array(argument.utf8)[(equals + 1)...], as: UTF8.self)
        guard !pathText.isEmpty else { throw fail("missing path before '=' in \(CanonicalJSON.quote(argument))") }
        let path: JSONPath
        do throws(PathSyntaxError) {
            path = try JSONPath.parse(pathText)
        } catch {
            throw fail("invalid path \(CanonicalJSON.quote(pathText)): \(error.message)")
        }
        guard !path.components.isEmpty else { throw fail("the path must name a field, not the whole world") }
        do throws(WorldError) {
            let parsed = try JSONParser.parse(Array(valueText.utf8), origin: .override(index), limits: .default)
            return Override(index: index, argument: argument, path: path, value: parsed)
        } catch {
            var override = Override(index: index, argument: argument, path: path,
                                    value: JSONValue(.string(valueText), at: location))
            let start = valueText.drop { $0 == " " }.first
            if start == "[" || start == "{" || start == "\"" {
                override.jsonProblem = error.diagnostics.first?.message
            }
            return override
        }
    }

    /// Parses `--set` arguments in order (numbered from 1), reporting every malformed one.
    public static func parse(_ arguments: [String]) throws(WorldError) -> [Override] {
        var overrides: [Override] = []
        var problems: [WorldDiagnostic] = []
        for (position, argument) in arguments.enumerated() {
            do throws(WorldError) {
                overrides.append(try parse(argument, index: position + 1))
            } catch {
                problems.append(contentsOf: error.diagnostics)
            }
        }
        guard problems.isEmpty else { throw WorldError(problems) }
        return overrides
    }

    /// Applies `overrides` to `root` in order (a later one sees the earlier ones),
    /// reporting every one that cannot be applied.
    public static func apply(_ overrides: [Override], to root: JSONValue) throws(WorldError) -> JSONValue {
        var result = root
        var problems: [WorldDiagnostic] = []
        for override in overrides {
            do throws(WorldError) {
                try override.apply(to: &result)
            } catch {
                problems.append(contentsOf: error.diagnostics)
            }
        }
        guard problems.isEmpty else { throw WorldError(problems) }
        return result
    }

    /// Parses and applies `--set` arguments (numbered from 1), reporting every argument
    /// that is malformed or cannot be applied; the well-formed ones are applied in order.
    public static func apply(_ arguments: [String], to root: JSONValue) throws(WorldError) -> JSONValue {
        var result = root
        var problems: [WorldDiagnostic] = []
        for (position, argument) in arguments.enumerated() {
            do throws(WorldError) {
                try parse(argument, index: position + 1).apply(to: &result)
            } catch {
                problems.append(contentsOf: error.diagnostics)
            }
        }
        guard problems.isEmpty else { throw WorldError(problems) }
        return result
    }

    /// Applies this override to `root`.
    public func apply(to root: inout JSONValue) throws(WorldError) {
        if let problem = Self.set(value, at: path.components[...], in: &root, walked: .root) {
            throw WorldError(WorldDiagnostic(location: Self.location(index), path: nil, message: problem.message, suggestion: problem.suggestion))
        }
    }

    /// Puts `value` at `path` below `node` (which sits at `walked`); returns the problem,
    /// or `nil` on success.
    private static func set(
        _ value: JSONValue, at path: ArraySlice<JSONPath.Component>, in node: inout JSONValue, walked: JSONPath
    ) -> (message: String, suggestion: String?)? {
        guard let component = path.first else {
            node = value
            return nil
        }
        let rest = path.dropFirst()
        switch component {
        case .key(let key):
            guard case .object(var object) = node.kind else {
                return ("no object at \(walked) (found \(node.summary))", nil)
            }
            if rest.isEmpty {
                object.set(key, to: value, keyLocation: value.location)
            } else {
                guard var child = object[key] else {
                    let message = "no field \(CanonicalJSON.quote(key)) at \(walked)"
                    if let near = NearestName.nearest(to: key, in: object.keys) { return (message, near) }
                    // Most often a field the file leaves at its default (traffic.app on a
                    // world without an app block): say how to add it.
                    return (message + " (a --set adds only the last key of its path: to add \(CanonicalJSON.quote(key)), "
                        + "set it whole, as in --set '\(walked + key)={...}')", nil)
                }
                // Release the object's reference to the child so it is mutated in place.
                object[key] = .null
                let problem = set(value, at: rest, in: &child, walked: walked + key)
                object[key] = child
                if let problem { return problem }
            }
            node.kind = .object(object)
            return nil
        case .index(let index):
            guard case .array(var elements) = node.kind else {
                return ("no array at \(walked) (found \(node.summary))", nil)
            }
            guard elements.indices.contains(index) else {
                return ("index \(index) is out of range at \(walked) (\(node.summary))", nil)
            }
            let problem = set(value, at: rest, in: &elements[index], walked: walked + index)
            if let problem { return problem }
            node.kind = .array(elements)
            return nil
        }
    }

    /// The byte offset of the first `=` outside a quoted key.
    private static func splitPoint(_ argument: String) -> Int? {
        var inQuotes = false
        var escaped = false
        for (offset, byte) in argument.utf8.enumerated() {
            if inQuotes {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inQuotes = false }
            } else if byte == 0x22 {
                inQuotes = true
            } else if byte == 0x3D {
                return offset
            }
        }
        return nil
    }
}
