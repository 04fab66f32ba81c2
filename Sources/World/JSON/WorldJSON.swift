/// The input layer of the world language in one call: parse a world file, apply the
/// command line's `--set` overrides, and read it with a schema.
///
/// ```swift
/// let bytes: [UInt8] = ...  // the file's contents
/// do {
///     let world = try WorldJSON.read(bytes, file: "worlds/incident.json",
///                                    overrides: ["services.order.workers=128", "faults[0].at=12m"],
///                                    with: WorldSpec.reader)
/// } catch {
///     print(error)   // every problem, one per line, e.g.
///                    // worlds/incident.json:7:17: $.seed: expected an integer >= 0, found string "abc"
/// }
/// ```
///
/// The pieces are public too: ``JSONParser``, ``Override``, ``ValueReader``,
/// ``CanonicalJSON`` (for writing output files).
public enum WorldJSON {
    /// Parses `bytes` (named `file` in messages), applies `overrides` (`--set` arguments,
    /// numbered from 1), and reads the result with `reader`.
    ///
    /// Stops after the first stage that finds problems: a syntax error (one diagnostic),
    /// malformed or inapplicable overrides (all of them), or schema problems (up to
    /// `maxDiagnostics`, default 20).
    public static func read<T>(
        _ bytes: [UInt8], file: String, overrides: [String] = [], with reader: ValueReader<T>,
        limits: JSONParser.Limits = .default, maxDiagnostics: Int = 20
    ) throws(WorldError) -> T {
        let patched = try resolve(bytes, file: file, overrides: overrides, limits: limits)
        do throws(WorldError) {
            return try reader.read(patched, maxDiagnostics: maxDiagnostics)
        } catch {
            // A value meant as JSON but malformed was read as a string: where the field
            // wanted something else, say what is wrong with the JSON.
            var error = error
            let parsed = (try? Override.parse(overrides)) ?? []
            for index in error.diagnostics.indices {
                guard case .override(let number) = error.diagnostics[index].location.origin,
                      parsed.indices.contains(number - 1), let problem = parsed[number - 1].jsonProblem else { continue }
                error.diagnostics[index].message += " (the value is not valid JSON: \(problem))"
            }
            throw error
        }
    }

    /// Parses `bytes` and applies `overrides`, without reading it with a schema: the
    /// document a run actually used (a run bundle keeps it as `world.json`, so a report
    /// shows, and a reader can rebuild, exactly the world that ran).
    public static func resolve(
        _ bytes: [UInt8], file: String, overrides: [String] = [], limits: JSONParser.Limits = .default
    ) throws(WorldError) -> JSONValue {
        let root = try JSONParser.parse(bytes, file: file, limits: limits)
        return overrides.isEmpty ? root : try Override.apply(overrides, to: root)
    }
}
