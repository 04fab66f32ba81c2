import Foundation
import Report
import Synchronization

/// `delivery-sim check [DIR or WORLD...] [--update] [--junit FILE] [-j N]`
enum CheckCommand {
    static let help = """
    USAGE: delivery-sim check [DIR or WORLD.json...] [--update] [--junit FILE] [-j N]
                              [--baseline-tool PATH]
           delivery-sim check --events FROM..TO WORLD.json

    Runs every world (each WORLD.json, and every *.json in each DIR; by default
    worlds/ci/ and worlds/incidents/), checks its expectations, and compares its run
    with the committed baseline NAME.expected.json beside it: the trace digest, every
    key metric (counter totals, latency counts, p50 and p99, invariants) and the trace's
    checkpoints. On a difference it prints which metrics moved and by how much, and the
    first event that differs: its position, simulated time and actor, what the baseline
    did there and what the run did instead, with a few events of context. The
    baseline's side is replayed from the world text the baseline keeps when the world
    file changed; when the code changed, it comes from --baseline-tool (a delivery-sim
    built at the baseline's revision), or else the window of events holding the
    difference is shown from the run.

    OPTIONS:
      --update             write each world's baseline from this run instead of
                           comparing (only for runs that meet their expectations; a
                           baseline that already describes the run is left untouched)
      --junit FILE         also write JUnit XML to FILE: one testcase per world, the
                           difference as the failure message
      -j N                 run N worlds at a time (default 1); the results and the
                           output are the same for every N
      --baseline-tool PATH a delivery-sim built at the revision that wrote the
                           baselines: asked for the baseline's events when the code
                           changed (trusted only if it gives the baseline's digest)
      --events FROM..TO    print the world's trace events at positions FROM to TO
                           (from 0), then its digest and event count
      -h, --help           show this help

    EXIT STATUS: 0 every world matches its baseline and meets its expectations (or,
    with --update, every baseline was written); 1 at least one differs or fails its
    expectations; 2 bad input: a world or baseline that cannot be read, a missing
    baseline ("no baseline: run delivery-sim check --update"), a baseline of another
    trace format, or a bad option.
    """

    static let defaultDirectories = ["worlds/ci", "worlds/incidents"]

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["junit", "j", "baseline-tool", "events"], flags: ["update"])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        if let range = args.value("events") { return try listEvents(range, args) }
        let baselineTool = args.value("baseline-tool")
        if let baselineTool, !FileManager.default.isExecutableFile(atPath: baselineTool) {
            throw InputError("--baseline-tool \(baselineTool)", "is not an executable file")
        }
        var jobs = 1
        if let text = args.value("j") {
            guard let value = Int(text), (1...64).contains(value) else {
                throw UsageError("-j expects a whole number from 1 to 64, got \"\(text)\"")
            }
            jobs = value
        }
        if let junit = args.value("junit") {
            // Checked before the runs, so a long check is not wasted on a file it cannot write.
            let folder = URL(fileURLWithPath: junit).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InputError("--junit \(junit)", "its folder \(folder) does not exist")
            }
        }
        let worlds = try worldFiles(args.positional.isEmpty ? defaultDirectories : args.positional)
        let update = args.flag("update")
        let revision = update ? currentRevision() : ""
        var results: [WorldCheckResult] = []
        runAll(worlds, jobs: jobs, check: { WorldCheck.check($0, update: update, revision: revision, baselineTool: baselineTool) }) { result in
            print(result.text)
            results.append(result)
        }
        let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        func count(_ status: WorldCheckResult.Status) -> Int { counts[status] ?? 0 }
        var parts: [String] = []
        if update {
            parts = ["\(count(.updated)) written", "\(count(.unchanged)) already up to date"]
        } else {
            parts = ["\(count(.matches)) match"]
        }
        if count(.differs) > 0 { parts.append("\(count(.differs)) \(update ? "fail their expectations" : "differ")") }
        if count(.invalid) > 0 { parts.append("\(count(.invalid)) cannot be checked") }
        print("check: \(results.count) world\(results.count == 1 ? "" : "s"): " + parts.joined(separator: ", "))
        if let junit = args.value("junit") {
            do {
                try Data(JUnitXML.text(results).utf8).write(to: URL(fileURLWithPath: junit), options: .atomic)
            } catch {
                throw InputError("--junit \(junit)", "cannot be written (\((error as NSError).localizedDescription))")
            }
        }
        if count(.invalid) > 0 { return 2 }
        return count(.differs) > 0 ? 1 : 0
    }

    /// `--events FROM..TO WORLD`: the events at those trace positions, one line each, then
    /// `digest HEX events N` (what `--baseline-tool` reads from another build).
    static func listEvents(_ text: String, _ args: Arguments) throws -> Int32 {
        let bounds = text.components(separatedBy: "..")
        guard bounds.count == 2, let from = Int(bounds[0]), let to = Int(bounds[1]), from >= 0, to >= from else {
            throw UsageError("--events expects FROM..TO, two positions from 0 with FROM ≤ TO (e.g. 512..767), got \"\(text)\"")
        }
        guard args.positional.count == 1, !args.flag("update"), args.value("junit") == nil else {
            throw UsageError("--events takes one world file and no other option")
        }
        let path = args.positional[0]
        let spec = try WorldFiles.load(path, overrides: [])
        let worldText = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let run = try CheckRun.run(spec, worldText: worldText, revision: "", capture: from..<(to + 1))
        for event in run.events { print(event.line) }
        print("digest \(run.baseline.digest) events \(run.baseline.events)")
        return 0
    }

    /// The world files named by `paths`: files as given, directories' `*.json` (not
    /// baselines, not the schema) sorted by name.
    static func worldFiles(_ paths: [String]) throws -> [String] {
        var worlds: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(path, "no such file or directory" + (paths == defaultDirectories
                    ? " (check looks for worlds/ci/ and worlds/incidents/ by default: run it from the repository root, or name worlds)" : ""))
            }
            guard isDirectory.boolValue else {
                guard !path.hasSuffix(".expected.json") else {
                    throw InputError(path, "is a baseline; check takes the world file beside it")
                }
                worlds.append(path)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            let found = names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") && $0 != "schema.json" }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            guard !found.isEmpty else { throw InputError(path, "holds no world files (*.json)") }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            worlds += found.map { prefix + $0 }
        }
        return worlds
    }

    /// Checks every world, `jobs` at a time, handing the results to `report` in the
    /// order of `worlds` as soon as each one and all before it are done.
    ///
    /// Each world runs on its own thread with its own simulation (executor, clock,
    /// trace, metrics): nothing is shared between worlds, so a world gives the same
    /// run on any thread beside any others (the determinism tests run worlds in
    /// parallel and compare them with serial runs).
    static func runAll(_ worlds: [String], jobs: Int, check: @escaping @Sendable (String) -> WorldCheckResult,
                       report: (WorldCheckResult) -> Void) {
        guard jobs > 1, worlds.count > 1 else {
            for world in worlds { report(check(world)) }
            return
        }
        let board = ResultBoard(count: worlds.count)
        for _ in 0..<min(jobs, worlds.count) {
            let thread = Thread {
                while let index = board.claim() { board.post(check(worlds[index]), at: index) }
            }
            // Worlds run deep async call chains: a main-thread-sized stack.
            thread.stackSize = 8 << 20
            thread.start()
        }
        for index in worlds.indices { report(board.wait(for: index)) }
    }

    /// The repository revision (`git rev-parse --short=12 HEAD`), or "unknown".
    static func currentRevision() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--short=12", "HEAD"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}

/// The worlds still to check and the results so far, shared by the worker threads.
private final class ResultBoard: Sendable {
    private let state: Mutex<(next: Int, results: [WorldCheckResult?])>
    private let done: [DispatchSemaphore]

    init(count: Int) {
        state = Mutex((0, Array(repeating: nil, count: count)))
        done = (0..<count).map { _ in DispatchSemaphore(value: 0) }
    }

    /// The next world to check, if any is left.
    func claim() -> Int? {
        state.withLock { state in
            guard state.next < state.results.count else { return nil }
            defer { state.next += 1 }
            return state.next
        }
    }

    func post(_ result: WorldCheckResult, at index: Int) {
        state.withLock { $0.results[index] = result }
        done[index].signal()
    }

    /// The result of world `index`, once it is there.
    func wait(for index: Int) -> WorldCheckResult {
        done[index].wait()
        return state.withLock { $0.results[index]! }
    }
}
