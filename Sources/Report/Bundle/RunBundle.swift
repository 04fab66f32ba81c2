import Foundation
public import World

/// A run as its output folder keeps it, read back from files only: the resolved world
/// (`world.json`), the summary (`summary.json`) and the time series with buckets and
/// descriptors (`timeseries.jsonl`). Reports render from this, never from live objects,
/// so `delivery-sim report` re-renders a run and `compare` sets two side by side.
public struct RunBundle: Sendable {
    /// The resolved world: the world file with the command line's `--set` overrides and
    /// the run's seed applied.
    public static let worldFile = "world.json"
    /// The summary.
    public static let summaryFile = "summary.json"
    /// The time series (see ``TimeSeriesJSONL``).
    public static let seriesFile = "timeseries.jsonl"
    /// The report rendered from the three.
    public static let reportFile = "report.html"

    /// The folder, as given (names the run in messages and pages).
    public let path: String
    /// The resolved world as JSON.
    public let worldJSON: JSONValue
    /// The resolved world, read with the world schema (defaults filled in).
    public let world: WorldSpec
    /// `summary.json`.
    public let summary: JSONValue
    /// The time series.
    public let series: RunSeries

    /// Bundle files are the tool's own output, sized by the world (a summary of 100,000
    /// services is over 100 MB): the world reader's 16 MB guard against hostile input would
    /// refuse a run's own results.
    static let limits = JSONParser.Limits(maxDepth: 64, maxBytes: Int(Int32.max))

    /// A bundle from the three files' texts (`path` names the folder in errors).
    public init(path: String, world worldText: String, summary summaryText: String, series seriesText: String) throws(BundleError) {
        self.path = path
        let worldName = "\(path)/\(Self.worldFile)", summaryName = "\(path)/\(Self.summaryFile)"
        do {
            worldJSON = try JSONParser.parse(worldText, file: worldName, limits: Self.limits)
            world = try WorldSpec.reader.read(worldJSON)
        } catch {
            throw BundleError(worldName, "not a valid world: " + (error.diagnostics.first.map(\.description) ?? "\(error)"))
        }
        do {
            summary = try JSONParser.parse(summaryText, file: summaryName, limits: Self.limits)
        } catch {
            throw BundleError(summaryName, "not valid JSON: " + (error.diagnostics.first.map(\.description) ?? "\(error)"))
        }
        for key in ["world", "seed", "digest", "stop", "simulated_seconds", "expectations", "passed"] where summary[key] == nil {
            throw BundleError(summaryName, "expected a run summary with \"\(key)\", found none")
        }
        series = try TimeSeriesJSONL.read(seriesText, file: "\(path)/\(Self.seriesFile)")
    }

    /// Reads the bundle in the folder at `path`.
    public static func load(_ path: String) throws(BundleError) -> RunBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BundleError(path, "no such folder; expected a run's output folder (output/<world>/<seed>)")
        }
        guard isDirectory.boolValue else { throw BundleError(path, "is a file; expected a run's output folder") }
        func text(_ name: String) throws(BundleError) -> String {
            let file = "\(path)/\(name)"
            guard FileManager.default.fileExists(atPath: file) else {
                throw BundleError(file, "missing: \(path) is not a run's output folder (every run writes \(worldFile), "
                    + "\(summaryFile) and \(seriesFile) into output/<world>/<seed>/ or its --out folder)")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw BundleError(file, "cannot be read") }
            guard let text = String(data: data, encoding: .utf8) else { throw BundleError(file, "is not UTF-8 text") }
            return text
        }
        return try RunBundle(path: path, world: text(worldFile), summary: text(summaryFile), series: text(seriesFile))
    }

    // MARK: What the summary says

    /// The world's name.
    public var name: String { summary["world"]?.stringValue ?? world.name }
    /// The seed the run used.
    public var seed: Int { summary["seed"]?.numberValue?.int ?? Int(world.seed) }
    /// The trace digest.
    public var digest: String { summary["digest"]?.stringValue ?? "" }
    /// How the run ended (`completed`, `end-time`, ...).
    public var stopReason: String { summary["stop"]?["reason"]?.stringValue ?? "" }
    /// Simulated time at the end, nanoseconds.
    public var end: Int64 { Int64(((summary["simulated_seconds"]?.numberValue?.double) ?? 0) * 1e9) }
    /// Whether the run passed (ended normally, every expectation held).
    public var passed: Bool { summary["passed"]?.boolValue ?? false }
    /// "world seed N" for headings.
    public var title: String { "\(name) seed \(seed)" }
}
