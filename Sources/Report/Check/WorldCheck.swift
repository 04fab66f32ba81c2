import Foundation
import Platform
import World

/// Checks one world against its baseline (`NAME.expected.json` beside `NAME.json`), or
/// writes that baseline (`--update`).
public enum WorldCheck {
    /// Events shown before the first difference, and from it on each side.
    static let contextBefore = 3
    static let contextAfter = 4

    /// The baseline file of the world at `path`.
    public static func baselinePath(of path: String) -> String {
        (path.hasSuffix(".json") ? String(path.dropLast(5)) : path) + ".expected.json"
    }

    /// Runs the world at `path` and compares it with its baseline, or rewrites the
    /// baseline when `update` (only for a run that meets its own expectations).
    /// - Parameter baselineTool: a `delivery-sim` built at the baseline's revision, asked
    ///   for the baseline's events when the code (not the world file) changed.
    public static func check(_ path: String, update: Bool, revision: String, baselineTool: String? = nil) -> WorldCheckResult {
        let baselineFile = baselinePath(of: path)
        func invalid(_ message: String) -> WorldCheckResult {
            WorldCheckResult(world: path, status: .invalid, headline: "✗ \(path): cannot be checked", details: message.split(separator: "\n").map(String.init))
        }
        let worldText: String
        do {
            worldText = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
        } catch {
            return invalid("\(path): cannot be read (\(FileManager.default.fileExists(atPath: path) ? "not UTF-8 text or unreadable" : "no such file"))")
        }
        let spec: WorldSpec
        do {
            spec = try WorldJSON.read(Array(worldText.utf8), file: path, overrides: [], with: WorldSpec.reader)
        } catch {
            return invalid(error.description)
        }
        var baseline: Baseline?
        if FileManager.default.fileExists(atPath: baselineFile) {
            do {
                let text = try String(contentsOf: URL(fileURLWithPath: baselineFile), encoding: .utf8)
                baseline = try BaselineReader.read(text, file: baselineFile)
            } catch let error as BaselineError {
                if !update { return invalid(error.description) }
            } catch {
                if !update { return invalid("\(baselineFile): cannot be read (not UTF-8 text or unreadable)") }
            }
        } else if !update {
            return invalid("\(baselineFile): no baseline: run delivery-sim check --update \(path)")
        }
        let run: CheckRun
        do {
            run = try CheckRun.run(spec, worldText: worldText, revision: revision)
        } catch {
            return invalid("\(path): \(error.description)")
        }
        if update { return write(run, over: baseline, to: baselineFile, world: path) }
        guard let baseline else { return invalid("\(baselineFile): no baseline") }
        let comparison = BaselineComparison(baseline: baseline, run: run)
        guard comparison.digestDiffers || !comparison.changes.isEmpty || !run.problems.isEmpty else {
            return WorldCheckResult(world: path, status: .matches,
                                    headline: "✓ \(path): matches its baseline (digest \(baseline.digest), \(grouped(baseline.events)) events)",
                                    details: [])
        }
        var details = run.problems.map { "own check: " + $0 }
        if comparison.digestDiffers || !comparison.changes.isEmpty {
            details.append("digest \(baseline.digest) → \(run.baseline.digest), events \(grouped(baseline.events)) → \(grouped(run.baseline.events))")
            details += metricLines(comparison.changes)
        }
        if let window = comparison.window {
            details += firstDifference(in: window, spec: spec, worldText: worldText, baseline: baseline, baselineFile: baselineFile,
                                       baselineTool: baselineTool)
        }
        let what = comparison.digestDiffers || !comparison.changes.isEmpty
            ? "differs from its baseline \(baselineFile)" : "matches its baseline but fails its own checks"
        return WorldCheckResult(world: path, status: .differs, headline: "✗ \(path): \(what)", details: details)
    }

    // MARK: Update

    static func write(_ run: CheckRun, over old: Baseline?, to file: String, world: String) -> WorldCheckResult {
        guard run.problems.isEmpty else {
            return WorldCheckResult(world: world, status: .differs,
                                    headline: "✗ \(world): baseline not written: the run fails its own checks",
                                    details: run.problems)
        }
        if let old, old.sameRun(as: run.baseline) {
            return WorldCheckResult(world: world, status: .unchanged,
                                    headline: "= \(world): baseline \(file) already up to date (digest \(old.digest))", details: [])
        }
        do {
            // Written to a temporary file and renamed over the old one: never half-written.
            try Data(run.baseline.text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            return WorldCheckResult(world: world, status: .invalid, headline: "✗ \(world): cannot write its baseline",
                                    details: ["\(file): \((error as NSError).localizedDescription)"])
        }
        let was = old.map { " (was \($0.digest))" } ?? ""
        return WorldCheckResult(world: world, status: .updated,
                                headline: "↻ \(world): wrote \(file): digest \(run.baseline.digest)\(was), \(grouped(run.baseline.events)) events",
                                details: [])
    }

    // MARK: Explaining a difference

    /// At most this many moved metrics are listed (the count of the rest follows).
    static let shownChanges = 15

    static func metricLines(_ changes: [BaselineComparison.Change]) -> [String] {
        guard !changes.isEmpty else { return ["metrics: every key metric as in the baseline"] }
        var lines = ["metrics moved (\(changes.count)):"]
        let width = min(48, changes.prefix(shownChanges).map(\.name.count).max() ?? 0)
        for change in changes.prefix(shownChanges) {
            let name = change.name.padding(toLength: max(width, change.name.count), withPad: " ", startingAt: 0)
            let before = change.baseline.map(number) ?? "absent"
            let after = change.run.map(number) ?? "absent"
            var delta = ""
            if let b = change.baseline, let r = change.run {
                delta = "  (" + (r >= b ? "+" : "−") + number(abs(r - b))
                if b != 0 { delta += ", " + (r >= b ? "+" : "−") + String(format: "%.1f%%", abs(r - b) / abs(b) * 100) }
                delta += ")"
            }
            lines.append("  \(name)  \(before) → \(after)\(delta)")
        }
        if changes.count > shownChanges { lines.append("  ... and \(changes.count - shownChanges) more") }
        return lines
    }

    /// The first differing event, both sides when the baseline's can be replayed (the
    /// world file changed) or listed by `baselineTool` (a build of the revision that wrote
    /// the baseline, when the code changed).
    static func firstDifference(in window: Range<Int>, spec: WorldSpec, worldText: String, baseline: Baseline,
                                baselineFile: String, baselineTool: String?) -> [String] {
        let capture = max(0, window.lowerBound - contextBefore)..<(window.upperBound + contextAfter)
        guard let ran = try? CheckRun.run(spec, worldText: worldText, revision: "", capture: capture) else { return [] }
        let mine = Dictionary(uniqueKeysWithValues: ran.events.map { ($0.index, $0.line) })
        var theirs: [Int: String]?
        var source = ""
        var unavailable = "the world file is unchanged since the baseline, so the code changed"
            + " (the baseline was written at revision \(baseline.revision)); the baseline's events are not kept"
        if worldText != baseline.worldText {
            // The world as the baseline saw it, run again. Faithful only if the replay ends
            // on the baseline's digest (the code has not changed since).
            do {
                let old = try WorldJSON.read(Array(baseline.worldText.utf8), file: baselineFile + " (world_text)", overrides: [],
                                             with: WorldSpec.reader)
                let replay = try CheckRun.run(old, worldText: baseline.worldText, revision: "", capture: capture)
                if replay.baseline.digest == baseline.digest {
                    theirs = Dictionary(uniqueKeysWithValues: replay.events.map { ($0.index, $0.line) })
                    source = "the baseline's side replayed from the world it was written with"
                } else {
                    unavailable = "the world file changed since the baseline, and so did the code (replaying the baseline's"
                        + " world gives digest \(replay.baseline.digest), not \(baseline.digest))"
                }
            } catch {
                unavailable = "the baseline's world no longer reads: \(error)"
            }
        }
        if theirs == nil, let baselineTool {
            switch BaselineTool.events(tool: baselineTool, worldText: baseline.worldText, range: capture) {
            case .success(let listing) where listing.digest == baseline.digest:
                theirs = listing.lines
                source = "the baseline's side listed by \(baselineTool)"
            case .success(let listing):
                unavailable = "\(baselineTool) gives digest \(listing.digest) for the baseline's world, not the baseline's"
                    + " \(baseline.digest): build revision \(baseline.revision), which wrote it"
            case .failure(let problem):
                unavailable = problem.description
            }
        } else if theirs == nil {
            unavailable += "; to see them, build that revision and pass its delivery-sim as --baseline-tool"
        }
        guard let theirs else {
            let shown = ran.events.filter { $0.index >= window.lowerBound }.prefix(2 * contextAfter)
            var lines = ["first difference: among events #\(grouped(window.lowerBound))..#\(grouped(window.upperBound - 1))"
                + (shown.first.map { " (from \(TracedEvent.time($0.time)))" } ?? "")
                + ", the first window whose checkpoint differs;",
                "  \(unavailable)",
                "run, from the start of that window:"]
            lines += shown.map { "  " + $0.line }
            return lines
        }
        var first = window.lowerBound
        while first < capture.upperBound, theirs[first] != nil || mine[first] != nil, theirs[first] == mine[first] { first += 1 }
        if first == capture.upperBound || (theirs[first] == nil && mine[first] == nil) {
            return ["first difference: none in events #\(grouped(window.lowerBound))..#\(grouped(window.upperBound - 1)),"
                + " where the checkpoints differ: the same events were hashed differently (\(source))"]
        }
        let at = ran.events.first { $0.index == first }
        var lines = ["first difference: event #\(grouped(first))"
            + (at.map { " at \(TracedEvent.time($0.time)), \($0.source)" } ?? "") + " (\(source))"]
        let before = (max(0, first - contextBefore)..<first).compactMap { mine[$0] }
        for (position, line) in before.enumerated() { lines.append((position == 0 ? "both:     " : "          ") + line) }
        for (label, side) in [("baseline: ", theirs), ("run:      ", mine)] {
            let events = (first..<(first + contextAfter)).compactMap { side[$0] }
            if events.isEmpty { lines.append(label + "(the trace ends here)") }
            for (position, line) in events.enumerated() { lines.append((position == 0 ? label : "          ") + line) }
        }
        return lines
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return grouped(Int(value)) }
        return String(format: "%.3f", value)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (position, digit) in digits.enumerated() {
            if position > 0, (digits.count - position) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "−" : "") + out
    }
}
