public import World
import SimKernel

/// How a run was made, recorded in its `summary.json` so that a result can be traced back
/// and reproduced: the world file and its exact content (SHA-256), every `--set` in order
/// with the value it gave, the tool's version and the trace format its digest follows.
///
/// A sweep's points then say which setting produced each (`services.order.workers=16`),
/// and a summary whose world file has since changed says so by its hash.
public struct Provenance: Sendable {
    /// The world file as given on the command line (`-` for standard input).
    public var worldFile: String
    /// SHA-256 of the world file's bytes, as read.
    public var worldSHA256: String
    /// The `--set` arguments, in order, as given.
    public var overrides: [String]
    /// The seed given with `--seed`, if one was (the summary's `seed` is the one used).
    public var seedOption: UInt64?
    /// SHA-256 of the world as run: the file with every override applied, as canonical
    /// JSON (keys sorted). Two runs agree on it exactly when they ran the same world,
    /// however each was spelt.
    public var resolvedSHA256: String

    /// A record of a run of `worldFile` (whose bytes were `bytes`) with `overrides`,
    /// which made the world `resolved` (canonical JSON).
    public init(worldFile: String, bytes: [UInt8], overrides: [String], seedOption: UInt64?, resolved: String) {
        self.worldFile = worldFile
        worldSHA256 = SHA256.hex(bytes)
        self.overrides = overrides
        self.seedOption = seedOption
        resolvedSHA256 = SHA256.hex(Array(resolved.utf8))
    }

    /// A short tag for runs with overrides: the first 8 hex digits of the SHA-256 of the
    /// `--set` arguments, one per line (nil without overrides). Default output folders use
    /// it, so runs of one world and seed with different settings land apart.
    public var overridesTag: String? {
        overrides.isEmpty ? nil : String(SHA256.hex(Array(overrides.joined(separator: "\n").utf8)).prefix(8))
    }

    /// The record as JSON: `tool`, `version`, `trace_format`, `world_file`,
    /// `world_sha256`, `overrides` (as given), `resolved_world_sha256` and `seed_option`.
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("tool", .string("delivery-sim")),
            ("version", .string(ToolVersion.number)),
            ("trace_format", .int(Trace.formatVersion)),
            ("world_file", .string(worldFile)),
            ("world_sha256", .string(worldSHA256)),
            ("overrides", .array(overrides.map { .string($0) })),
            ("resolved_world_sha256", .string(resolvedSHA256)),
        ]
        fields.append(("seed_option", seedOption.map { .int(Int($0)) } ?? .null))
        return .object(fields)
    }
}

/// The tool's version. A constant in the package, raised with each release: a build
/// cannot ask git for its revision without a build plugin (the package has no
/// dependencies and no plugins), and a run must not need git, so the revision is not
/// recorded.
public enum ToolVersion {
    /// The version, `MAJOR.MINOR.PATCH`.
    public static let number = "0.15.0"
}
