import Foundation
import Testing

/// The `delivery-sim` command as users run it: exit codes, messages, files.
@Suite("Command line")
struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built executable, next to the test bundle.
    static let executable: URL = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("delivery-sim").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("delivery-sim")
    }()

    func run(_ arguments: [String], in directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? URL(fileURLWithPath: repositoryRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
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

    @Test("run writes summary.json and timeseries.csv, identical bytes on a second run")
    func runWritesResults() throws {
        let out = try scratch()
        let first = try run(["run", mmc, "--set", "traffic.customers=2000", "--out", out.appendingPathComponent("a").path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("digest") && first.stdout.contains("Erlang C"))
        let second = try run(["run", mmc, "--set", "traffic.customers=2000", "--out", out.appendingPathComponent("b").path, "--quiet"])
        #expect(second.status == 0)
        for file in ["summary.json", "timeseries.csv"] {
            let a = try Data(contentsOf: out.appendingPathComponent("a/\(file)"))
            let b = try Data(contentsOf: out.appendingPathComponent("b/\(file)"))
            #expect(a == b, "\(file) differs between runs")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("a/summary.json"))) as? [String: Any]
        #expect(summary?["world"] as? String == "mmc")
        #expect((summary?["digest"] as? String)?.count == 16)
    }

    @Test("the default output folder is output/<world>/<seed>")
    func defaultFolder() throws {
        let directory = try scratch()
        let result = try run(["run", mmc, "--set", "traffic.customers=100", "--seed", "9"], in: directory)
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("output/mmc/9/summary.json").path))
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
    }

    @Test("validate checks every shipped world and rejects a broken one")
    func validate() throws {
        let worlds = try FileManager.default.subpathsOfDirectory(atPath: repositoryRoot + "/worlds")
            .filter { $0.hasSuffix(".json") && $0 != "schema.json" }.sorted()
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
    }
}
