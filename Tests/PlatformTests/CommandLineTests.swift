import CommandLineTesting
import Foundation
import Report
import Testing

/// The `delivery-sim` command as users run it: exit codes, messages, files.
@Suite("Command line")
struct CommandLineTests {
    typealias Run = CommandRun

    /// The built executable, next to the test bundle.
    static let executable = CommandRun.deliverySim

    func run(_ arguments: [String], in directory: URL? = nil, executable: URL = Self.executable,
             environment: [String: String] = [:]) throws -> Run {
        try CommandRun(executable, arguments, in: directory ?? URL(fileURLWithPath: repositoryRoot), environment: environment)
    }

    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("delivery-sim-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ text: String, to url: URL) throws { try Data(text.utf8).write(to: url) }

    let mmc = repositoryRoot + "/worlds/validation/mmc.json"

    @Test("help explains the commands and their flags")
    func help() throws {
        let top = try run(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.contains("run WORLD.json") && top.stdout.contains("validate"))
        let runHelp = try run(["run", "--help"])
        #expect(runHelp.status == 0)
        for flag in ["--seed", "--out", "--set", "EXIT STATUS"] { #expect(runHelp.stdout.contains(flag)) }
        #expect(try run(["validate", "--help"]).stdout.contains("JSON-PATH"))
    }

    @Test("run writes summary.json, timeseries.csv, metrics.om and checkpoints.csv, identical bytes on a second run (without huge pages)")
    func runWritesResults() throws {
        let out = try scratch()
        let first = try run(["run", mmc, "--set", "traffic.customers=2000", "--out", out.appendingPathComponent("a").path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("digest") && first.stdout.contains("Erlang C"))
        // Standard error is a pipe here, not a terminal: no progress line, nothing at all.
        #expect(first.stderr.isEmpty, "\(first.stderr)")
        // Where the heap's memory lies (huge pages or not) must not reach any result.
        let second = try run(["run", mmc, "--set", "traffic.customers=2000", "--out", out.appendingPathComponent("b").path, "--quiet"],
                             environment: ["DELIVERYSIM_HUGE_PAGES": "0"])
        #expect(second.status == 0)
        for file in ["summary.json", "timeseries.csv", "metrics.om", "checkpoints.csv"] {
            let a = try Data(contentsOf: out.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: out.appendingPathComponent("b/\(file)"))
            #expect(a == b, "\(file) differs between runs")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("a/summary.json"))) as? [String: Any]
        #expect(summary?["world"] as? String == "mmc")
        #expect((summary?["digest"] as? String)?.count == 16)
    }

    @Test("the default output folder is output/<world>/<seed>, tagged with the overrides' hash when --set is given")
    func defaultFolder() throws {
        let directory = try scratch()
        let result = try run(["run", mmc, "--set", "traffic.customers=100", "--seed", "9"], in: directory)
        #expect(result.status == 0)
        let folders = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("output/mmc").path)
        #expect(folders.count == 1 && folders[0].hasPrefix("9-") && folders[0].count == 10, "\(folders)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("output/mmc/\(folders[0])/summary.json").path))
        #expect(OutputDirectory.standard(world: "mmc", seed: 9).path == "output/mmc/9")
    }

    @Test("a malformed world exits 2 with file, line, column and path, and writes nothing")
    func malformedWorld() throws {
        let directory = try scratch()
        let world = directory.appendingPathComponent("bad.json")
        try write("""
        {
          "version": 1,
          "name": "bad",
          "traffic": { "rate": "7/s", "customers": 10, "journeys": [ { "kind": "request", "service": "backend" } ] },
          "services": { "backend": { "wokers": 8, "work": { "exp": "1s" } } }
        }
        """, to: world)
        let result = try run(["run", world.path], in: directory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.json:5:30: $.services.backend.wokers: unknown field \"wokers\" (did you mean \"workers\"?)"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("output").path))
    }

    @Test("a bad --set exits 2 naming the argument")
    func badOverride() throws {
        let result = try run(["run", mmc, "--set", "services.backend.workers=eight", "--out", try scratch().path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--set #1"))
        #expect(result.stderr.contains("expected an integer"))
    }

    @Test("a failed expectation exits 1 and says which")
    func failedExpectation() throws {
        let result = try run(["run", mmc, "--set", "traffic.customers=500",
                              "--set", #"expect=["backend.completed >= 501", "backend.completed == 500"]"#,
                              "--out", try scratch().path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ FAILED backend.completed >= 501"))
        #expect(result.stdout.contains("✓ backend.completed == 500"))
    }

    @Test("usage mistakes exit 2 with a suggestion")
    func usage() throws {
        let unknown = try run(["rnu", mmc])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean \"run\"?"))
        let flag = try run(["run", mmc, "--sed", "4"])
        #expect(flag.status == 2 && flag.stderr.contains("did you mean --seed?"))
        let missing = try run(["run", "/nonexistent/world.json"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"))
        let seed = try run(["run", mmc, "--seed", "-1"])
        #expect(seed.status == 2 && seed.stderr.contains("--seed"))
        let twice = try run(["run", mmc, "--seed", "1", "--seed", "2"])
        #expect(twice.status == 2 && twice.stderr.contains("--seed is given more than once"))
        let nothing = try run([])
        #expect(nothing.status == 2 && nothing.stderr.contains("USAGE"))
        let helpless = try run(["help", "rnu"])
        #expect(helpless.status == 2 && helpless.stderr.contains("did you mean \"run\"?"))
    }

    @Test("validate checks every shipped world and rejects a broken one")
    func validate() throws {
        let worlds = try FileManager.default.subpathsOfDirectory(atPath: repositoryRoot + "/worlds")
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") && $0 != "schema.json" }.sorted()
        #expect(worlds.count >= 2)
        let good = try run(["validate"] + worlds.map { repositoryRoot + "/worlds/" + $0 })
        #expect(good.status == 0, "\(good.stderr)")
        let directory = try scratch()
        let broken = directory.appendingPathComponent("broken.json")
        try write(#"{"version": 1, "name": "x""#, to: broken)
        let bad = try run(["validate", mmc, broken.path])
        #expect(bad.status == 2)
        #expect(bad.stdout.contains("mmc.json: ok"))
        #expect(bad.stderr.contains("broken.json:1:"))
        // validate worlds/ci/*.json takes in the baselines too: one line each says what they are.
        let others = try run(["validate", "worlds/ci/cache-lru.expected.json", "worlds/schema.json"])
        #expect(others.status == 2)
        #expect(others.stderr == "worlds/ci/cache-lru.expected.json: is a baseline that delivery-sim check writes "
            + "(NAME.expected.json beside NAME.json), not a world\n"
            + "worlds/schema.json: is a JSON Schema (worlds/schema.json describes worlds for editors), not a world\n",
            "\(others.stderr)")
    }

    @Test("--out never replaces a file or a folder holding anything but an earlier run's results")
    func outputFolderIsGuarded() throws {
        let directory = try scratch()
        let keep = directory.appendingPathComponent("keep")
        try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        try write("precious", to: keep.appendingPathComponent("notes.txt"))
        try write("a file", to: directory.appendingPathComponent("afile"))
        let cases: [(out: String, message: String)] = [
            ("keep", "no earlier run of delivery-sim marked it as its own (.delivery-sim-run)"),
            (".", "it is the current folder or holds it"),
            ("..", "it is the current folder or holds it"),
            ("", "the output folder is an empty path"),
            ("afile", "it exists and is a file, not a folder"),
            ("afile/sub", "afile is a file, so no folder can be made inside it"),
        ]
        for (out, message) in cases {
            let result = try run(["run", mmc, "--set", "traffic.customers=200", "--out", out], in: directory)
            #expect(result.status == 2, "--out \(out)")
            #expect(result.stderr.hasPrefix("error: cannot write results to \"\(out)\": ") && result.stderr.contains(message),
                    "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        }
        // A symbolic link, and the folder the user stands in, are refused too.
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link").path, withDestinationPath: keep.path)
        let linked = try run(["run", mmc, "--set", "traffic.customers=200", "--out", "link"], in: directory)
        #expect(linked.status == 2 && linked.stderr.contains("is a symbolic link"), "\(linked.stderr)")
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let here = try run(["run", mmc, "--set", "traffic.customers=200", "--out", "."], in: empty)
        #expect(here.status == 2 && here.stderr.contains("current folder"), "\(here.stderr)")
        try FileManager.default.removeItem(at: empty)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("link"))
        #expect(try String(contentsOf: keep.appendingPathComponent("notes.txt"), encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["afile", "keep"])
        // An earlier run's folder is replaced whole.
        let rerun = try run(["run", mmc, "--set", "traffic.customers=200", "--out", "fresh/r/", "--quiet"], in: directory)
        #expect(rerun.status == 0)
        #expect(rerun.stdout == "wrote fresh/r/summary.json, fresh/r/timeseries.csv, fresh/r/metrics.om, fresh/r/timeseries.jsonl, "
            + "fresh/r/world.json, fresh/r/report.html, fresh/r/checkpoints.csv\n", "trailing slash dropped: \(rerun.stdout)")
        let again = try run(["run", mmc, "--set", "traffic.customers=300", "--out", "fresh/r", "--quiet"], in: directory)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("--quiet still says on standard error why a run failed")
    func quietFailure() throws {
        let passing = try run(["run", mmc, "--set", "traffic.customers=200", "--out", try scratch().path, "--quiet"])
        #expect(passing.status == 0 && passing.stderr.isEmpty && passing.stdout.hasPrefix("wrote "))
        let failing = try run(["run", mmc, "--set", "traffic.customers=200", "--set", #"expect=["backend.completed > 200"]"#,
                               "--out", try scratch().path, "--quiet"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("✗ FAILED backend.completed > 200  (measured 200)"), "\(failing.stderr)")
    }

    @Test("an expectation on a whole-run percentile sees the figure summary.json reports")
    func expectationMatchesSummary() throws {
        let out = try scratch()
        let result = try run(["run", mmc, "--set", "traffic.customers=3000", "--set", #"expect=["backend.wait.p99 < 0"]"#,
                              "--out", out.path])
        #expect(result.status == 1)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
        let latencies = (summary as? [String: Any])?["latencies_ms"] as? [String: Any]
        let p99 = try #require((latencies?["backend.wait"] as? [String: Any])?["p99"] as? Double)
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("✗ FAILED backend.wait.p99 < 0") })
        let measured = try #require(Double(line.split(separator: "measured ").last?.dropLast() ?? ""))
        #expect(abs(measured - p99) < 0.0001, "summary p99 \(p99), expectation measured \(measured)")
    }

    @Test("run --trace writes trace.json and events.jsonl beside the summary; a bad --trace-window exits 2 and writes nothing")
    func trace() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run").path
        let traced = try run(["run", mmc, "--set", "traffic.customers=300", "--trace-window", "10s..", "--out", out, "--quiet"])
        #expect(traced.status == 0)
        #expect(traced.stdout.contains("trace.json") && traced.stdout.contains("events.jsonl"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files == [".delivery-sim-run", "checkpoints.csv", "events.jsonl", "metrics.om", "report.html", "summary.json", "timeseries.csv", "timeseries.jsonl", "trace.json", "world.json"])
        let lines = try String(contentsOfFile: out + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 100 && lines.count < 900, "300 requests, three events each, the first 10 s left out")
        let summary = try String(contentsOfFile: out + "/summary.json", encoding: .utf8)
        #expect(summary.contains("\"trace_format\": 2"))
        // A second run replaces the folder, trace files and all.
        #expect(try run(["run", mmc, "--set", "traffic.customers=300", "--out", out, "--quiet"]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            == [".delivery-sim-run", "checkpoints.csv", "metrics.om", "report.html", "summary.json", "timeseries.csv", "timeseries.jsonl", "world.json"])

        let bad = try run(["run", mmc, "--trace-window", "12m-18m", "--out", folder.appendingPathComponent("bad").path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--trace-window expects FROM..TO"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad").path))
        let help = try run(["run", "--help"])
        for flag in ["--trace", "--trace-window", "--trace-sample", "trace.json", "events.jsonl"] { #expect(help.stdout.contains(flag)) }
    }

    @Test("a traced run killed before its commit leaves only a hidden folder, which the next run written there removes")
    func interruptedTrace() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["run", mmc, "--set", "traffic.customers=100000000", "--trace", "--out", "r", "--quiet"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func hidden() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".r.tmp-") } }
        // The trace streams into the hidden folder from the first event; a bound only for a hang.
        let patience = ContinuousClock.now + .seconds(600)
        while try hidden().isEmpty, process.isRunning, ContinuousClock.now < patience { usleep(20_000) }
        // SIGKILL: a child of a test thread inherits its blocked SIGINT and SIGTERM, and a
        // kill -9 (or a crash) is what no handler could clean up after anyway.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let left = try hidden()
        #expect(left.count == 1 && left[0].hasPrefix(".r.tmp-\(process.processIdentifier)-"), "\(left)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("r").path))
        // The folder of a run still writing (this test's own process) is never taken.
        let live = ".r.tmp-\(getpid())-1"
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(live), withIntermediateDirectories: false)
        let next = try run(["run", mmc, "--set", "traffic.customers=200", "--out", "r", "--quiet"], in: folder)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [live, "r"])
    }
}
