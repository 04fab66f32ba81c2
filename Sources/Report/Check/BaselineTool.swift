import Foundation

/// Another build of `delivery-sim` (the revision that wrote a baseline), asked for the
/// events of a world in a range of trace positions: `check --events FROM..TO WORLD`.
///
/// When the code changed since a baseline, today's build cannot replay the baseline's
/// events; the build that wrote it can. CI can keep that build (of the main branch) and
/// pass it as `--baseline-tool`, so a failure shows both sides without the baseline file
/// keeping any events.
public enum BaselineTool {
    /// What the tool listed: each event's line by index, and the whole run's digest (which
    /// must be the baseline's for the listing to be the baseline's side).
    public struct Listing: Sendable {
        /// Each listed event's line, by trace position.
        public var lines: [Int: String]
        /// The digest of the tool's whole run: the listing is the baseline's side only if it is the baseline's.
        public var digest: String
    }

    /// Why the tool could not list the events.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `tool check --events FROM..TO FILE` on `worldText` (written to a temporary file).
    public static func events(tool: String, worldText: String, range: Range<Int>) -> Result<Listing, Problem> {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("delivery-sim-baseline-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let world = folder.appendingPathComponent("world.json")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(worldText.utf8).write(to: world)
        } catch {
            return .failure(Problem(description: "cannot write the baseline's world for --baseline-tool: \(error)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["check", "--events", "\(range.lowerBound)..\(range.upperBound - 1)", world.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(Problem(description: "--baseline-tool \(tool): cannot be run (\((error as NSError).localizedDescription))"))
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(Problem(description: "--baseline-tool \(tool): check --events exited \(process.terminationStatus)"
                + " (a build from before check --events existed?)"))
        }
        return parse(String(decoding: data, as: UTF8.self), tool: tool)
    }

    /// Reads `check --events` output: `#INDEX  ...` lines, then `digest HEX events N`.
    static func parse(_ text: String, tool: String) -> Result<Listing, Problem> {
        var lines: [Int: String] = [:]
        var digest: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#"), let index = Int(line.dropFirst().prefix { $0 != " " }) {
                lines[index] = String(line)
            } else if line.hasPrefix("digest ") {
                digest = line.split(separator: " ").dropFirst().first.map(String.init)
            }
        }
        guard let digest else {
            return .failure(Problem(description: "--baseline-tool \(tool): its check --events printed no digest line"))
        }
        return .success(Listing(lines: lines, digest: digest))
    }
}
