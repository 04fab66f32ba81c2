import Foundation
import World

/// Reading world files from disk, with the project's error rule: file, JSON path, line,
/// column, expected, found.
enum WorldFiles {
    /// Reads and checks the world at `path`, applying `overrides`.
    static func load(_ path: String, overrides: [String]) throws(InputError) -> WorldSpec {
        try loadResolved(path, overrides: overrides).spec
    }

    /// Reads and checks the world at `path` with `overrides` applied; also returns the
    /// document as resolved (what the run bundle keeps as `world.json`).
    static func loadResolved(_ path: String, overrides: [String]) throws(InputError) -> (spec: WorldSpec, json: JSONValue) {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InputError(path, Self.explain(error, path: path))
        }
        do {
            let json = try WorldJSON.resolve(bytes, file: path, overrides: overrides)
            return (try WorldSpec.reader.read(json), json)
        } catch {
            throw InputError(nil, error.description)
        }
    }

    static func explain(_ error: any Error, path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return "no such file"
        }
        if isDirectory.boolValue { return "is a directory, not a world file" }
        return "cannot be read (\((error as NSError).localizedDescription))"
    }
}

/// Bad input (a world that cannot be read or is invalid); exit code 2.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ file: String?, _ message: String) {
        description = file.map { "\($0): \(message)" } ?? message
    }
}
