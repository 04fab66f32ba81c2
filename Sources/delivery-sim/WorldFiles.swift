import Foundation
#if canImport(Glibc)
import Glibc
#endif
import World

/// Reading world files from disk, with the project's error rule: file, JSON path, line,
/// column, expected, found.
enum WorldFiles {
    /// A world as read: the spec, the file's bytes, and the world with its overrides
    /// applied, as canonical JSON (for ``Provenance``).
    struct Loaded {
        let spec: WorldSpec
        let bytes: [UInt8]
        let resolved: String
        /// The document as resolved (what the run bundle keeps as `world.json`).
        let json: JSONValue
    }

    /// Reads and checks the world at `path` (`-` for standard input), applying
    /// `overrides`; keeps what a run's provenance records.
    static func read(_ path: String, overrides: [String]) throws(InputError) -> Loaded {
        let bytes = try readBytes(path)
        let spec = try load(bytes, path: path, overrides: overrides)
        // Valid now: the reader accepted the same document.
        let json = (try? WorldJSON.resolve(bytes, file: path, overrides: overrides)) ?? JSONValue(.null)
        return Loaded(spec: spec, bytes: bytes, resolved: CanonicalJSON.string(json), json: json)
    }

    /// Reads and checks the world at `path` (`-` for standard input), applying `overrides`.
    static func load(_ path: String, overrides: [String]) throws(InputError) -> WorldSpec {
        try load(try readBytes(path), path: path, overrides: overrides)
    }

    private static func load(_ bytes: [UInt8], path: String, overrides: [String]) throws(InputError) -> WorldSpec {
        let spec: WorldSpec
        do {
            spec = try WorldJSON.read(bytes, file: path == "-" ? "<stdin>" : path, overrides: overrides, with: WorldSpec.reader)
        } catch {
            if let other = notAWorld(bytes) { throw InputError(path == "-" ? "<stdin>" : path, other) }
            throw InputError(nil, error.description)
        }
        for warning in spec.warnings { printError("\(path): warning: \(warning)") }
        return spec
    }

    /// What a JSON file that is not a world is instead, when it is one of the project's
    /// other JSON files (`validate worlds/ci/*.json` takes in the baselines beside the
    /// worlds): one line instead of a screen of unknown fields.
    static func notAWorld(_ bytes: [UInt8]) -> String? {
        guard let document = try? JSONParser.parse(bytes, file: "") else { return nil }
        if document["digest"] != nil, document["checkpoints"] != nil, document["version"] == nil {
            return "is a baseline that delivery-sim check writes (NAME.expected.json beside NAME.json), not a world"
        }
        if document["$schema"] != nil {
            return "is a JSON Schema (worlds/schema.json describes worlds for editors), not a world"
        }
        return nil
    }

    /// Why `path` could not be read, in a phrase (for readers other than ``readBytes(_:)``).
    static func explain(_ error: any Error, path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return "no such file"
        }
        if isDirectory.boolValue { return "is a directory, not a world file" }
        return "cannot be read (\((error as NSError).localizedDescription))"
    }

    /// The bytes of the world at `path`: a file, a pipe or FIFO (`<(jq ... world.json)`),
    /// or standard input for `-`. Read with plain `read(2)` until the end, since a pipe
    /// has no size to map and can be read only once.
    static func readBytes(_ path: String) throws(InputError) -> [UInt8] {
        let descriptor: Int32
        if path == "-" {
            descriptor = 0
        } else {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw InputError(path, "no such file")
            }
            if isDirectory.boolValue { throw InputError(path, "is a directory, not a world file") }
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { throw InputError(path, "cannot be read (\(String(cString: strerror(errno))))") }
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(path == "-" ? "standard input" : path, "cannot be read (\(String(cString: strerror(errno))))")
            }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}

/// Bad input (a world that cannot be read or is invalid); exit code 2.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ file: String?, _ message: String) {
        description = file.map { "\($0): \(message)" } ?? message
    }
}
