import Foundation
import Report
import Testing

/// `delivery-sim check` as CI runs it: worlds against committed baselines, exit codes,
/// and a difference explained down to the first event that differs.
@Suite("check command")
struct CheckCommandTests {
    let cli = CommandLineTests()

    /// A scratch folder holding copies of CI worlds and their baselines.
    func copyOfCIWorlds(_ names: [String]) throws -> URL {
        let directory = try cli.scratch()
        for name in names {
            for file in ["\(name).json", "\(name).expected.json"] {
                try FileManager.default.copyItem(atPath: repositoryRoot + "/worlds/ci/" + file,
                                                 toPath: directory.appendingPathComponent(file).path)
            }
        }
        return directory
    }

    @Test("a changed model parameter fails check with the world, the moved metrics and the first differing event on both sides; --update accepts it")
    func changedParameterIsExplained() throws {
        let directory = try copyOfCIWorlds(["pools-worker"])
        let world = directory.appendingPathComponent("pools-worker.json")
        let unchanged = try cli.run(["check", directory.path])
        #expect(unchanged.status == 0, "\(unchanged.stdout)\(unchanged.stderr)")
        #expect(unchanged.stdout.contains("pools-worker.json: matches its baseline"))

        // The menu's one worker takes 1.9 s a read instead of 2 s.
        let text = try String(contentsOf: world, encoding: .utf8)
        #expect(text.contains(#""constant": "2s""#))
        try cli.write(text.replacingOccurrences(of: #""constant": "2s""#, with: #""constant": "1900ms""#), to: world)
        let changed = try cli.run(["check", directory.path])
        #expect(changed.status == 1, "\(changed.stdout)\(changed.stderr)")
        let out = changed.stdout
        #expect(out.contains("✗ \(world.path): differs from its baseline"))
        #expect(out.contains("metrics moved"))
        #expect(out.contains("menu.latency.p50_ms"), "the menu's latency moved:\n\(out)")
        #expect(out.contains("first difference: event #"))
        // Both sides of the first differing event, with the actor and time on each line.
        let baselineLine = try #require(out.split(separator: "\n").first { $0.contains("baseline: #") }, "\(out)")
        let runLine = try #require(out.split(separator: "\n").first { $0.contains("run:      #") }, "\(out)")
        #expect(baselineLine.dropFirst(12) != runLine.dropFirst(12), "the two sides differ:\n\(out)")
        #expect(out.contains("both:     #"), "context before the difference:\n\(out)")

        let update = try cli.run(["check", "--update", directory.path])
        #expect(update.status == 0, "\(update.stdout)\(update.stderr)")
        #expect(update.stdout.contains("wrote \(directory.path)/pools-worker.expected.json"))
        let again = try cli.run(["check", directory.path])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let twice = try cli.run(["check", "--update", directory.path])
        #expect(twice.stdout.contains("already up to date"))
    }

    @Test("-j 2 prints the same as -j 1, and --junit has one testcase per world with the difference as its failure")
    func parallelAndJUnit() throws {
        let directory = try copyOfCIWorlds(["limiter-token-bucket", "pools-worker", "cache-lru"])
        let world = directory.appendingPathComponent("cache-lru.json")
        let text = try String(contentsOf: world, encoding: .utf8)
        try cli.write(text.replacingOccurrences(of: #""capacity": 5"#, with: #""capacity": 6"#), to: world)
        let serial = try cli.run(["check", directory.path, "--junit", directory.appendingPathComponent("serial.xml").path])
        let parallel = try cli.run(["check", directory.path, "-j", "2", "--junit", directory.appendingPathComponent("parallel.xml").path])
        #expect(serial.status == 1 && parallel.status == 1)
        #expect(serial.stdout == parallel.stdout)
        #expect(serial.stdout.contains("check: 3 worlds: 2 match, 1 differ"))
        let xml = try String(contentsOf: directory.appendingPathComponent("serial.xml"), encoding: .utf8)
        #expect(xml == (try String(contentsOf: directory.appendingPathComponent("parallel.xml"), encoding: .utf8)))
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == 3)
        #expect(xml.contains(#"tests="3" failures="1" errors="0""#))
        #expect(xml.contains(#"name="cache-lru">"#) && xml.contains("<failure message=\"✗ ") && xml.contains("first difference"))
        #expect(xml.contains(#"name="pools-worker"/>"#))
    }

    @Test("a missing, malformed or other-format baseline is bad input (exit 2), located, never a spurious difference")
    func badBaselines() throws {
        let directory = try copyOfCIWorlds(["limiter-token-bucket"])
        let baseline = directory.appendingPathComponent("limiter-token-bucket.expected.json")
        let good = try String(contentsOf: baseline, encoding: .utf8)

        try FileManager.default.removeItem(at: baseline)
        let missing = try cli.run(["check", directory.path])
        #expect(missing.status == 2)
        #expect(missing.stdout.contains("limiter-token-bucket.expected.json: no baseline: run delivery-sim check --update"))

        try cli.write(good.replacingOccurrences(of: #""trace_format": 2"#, with: #""trace_format": 1"#), to: baseline)
        let older = try cli.run(["check", directory.path])
        #expect(older.status == 2)
        #expect(older.stdout.contains("written by trace format 1") && !older.stdout.contains("differs"), "\(older.stdout)")

        try cli.write(good.replacingOccurrences(of: #""events": "#, with: #""events": "many", "x": "#), to: baseline)
        let malformed = try cli.run(["check", directory.path])
        #expect(malformed.status == 2)
        #expect(malformed.stdout.contains("limiter-token-bucket.expected.json:") && malformed.stdout.contains("events: expected a whole number"),
                "\(malformed.stdout)")

        let noSuch = try cli.run(["check", directory.appendingPathComponent("nope.json").path])
        #expect(noSuch.status == 2 && noSuch.stderr.contains("no such file"))
        let badJobs = try cli.run(["check", directory.path, "-j", "0"])
        #expect(badJobs.status == 2 && badJobs.stderr.contains("-j expects a whole number from 1 to 64"))
        let help = try cli.run(["check", "--help"])
        #expect(help.status == 0 && ["--update", "--junit", "-j N", "EXIT STATUS"].allSatisfy(help.stdout.contains))
    }

    @Test("--events lists a world's events by position with its digest; --baseline-tool is trusted only when it gives the baseline's digest")
    func eventsAndBaselineTool() throws {
        let directory = try copyOfCIWorlds(["cache-lru"])
        let world = directory.appendingPathComponent("cache-lru.json").path
        let listing = try cli.run(["check", "--events", "5..7", world])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        #expect(lines.count == 4 && lines[0].hasPrefix("#5  ") && lines[2].hasPrefix("#7  "), "\(listing.stdout)")
        let baselineFile = directory.appendingPathComponent("cache-lru.expected.json")
        let baseline = try String(contentsOf: baselineFile, encoding: .utf8)
        let digest = try #require(baseline.firstMatch(of: /"digest": "([0-9a-f]{16})"/)?.output.1)
        let events = try #require(baseline.firstMatch(of: /"events": ([0-9]+)/)?.output.1)
        #expect(lines[3] == "digest \(digest) events \(events)")

        // A baseline this build does not reproduce, though the world is unchanged: as if
        // the code had changed. This build, as the baseline tool, is refused: it does not
        // give the baseline's digest.
        try cli.write(baseline.replacingOccurrences(of: "\"digest\": \"\(digest)\"", with: #""digest": "0123456789abcdef""#), to: baselineFile)
        let plain = try cli.run(["check", directory.path])
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("the world file is unchanged since the baseline, so the code changed"), "\(plain.stdout)")
        #expect(plain.stdout.contains("pass its delivery-sim as --baseline-tool"))
        let tool = CommandLineTests.executable.path
        let refused = try cli.run(["check", directory.path, "--baseline-tool", tool])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("\(tool) gives digest \(digest) for the baseline's world, not the baseline's 0123456789abcdef"),
                "\(refused.stdout)")
        let missing = try cli.run(["check", directory.path, "--baseline-tool", directory.appendingPathComponent("nope").path])
        #expect(missing.status == 2 && missing.stderr.contains("is not an executable file"))
    }

    @Test("run writes checkpoints.csv: the digest every 4,096 events, agreeing with check's baseline, then the whole trace's")
    func runWritesCheckpoints() throws {
        let out = try cli.scratch().appendingPathComponent("run")
        let run = try cli.run(["run", repositoryRoot + "/worlds/ci/retry-budget.json", "--quiet", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("checkpoints.csv"))
        let csv = try String(contentsOf: out.appendingPathComponent("checkpoints.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(csv.hasPrefix("events,digest\n"))
        let baselineText = try String(contentsOfFile: repositoryRoot + "/worlds/ci/retry-budget.expected.json", encoding: .utf8)
        let baseline = try BaselineReader.read(baselineText, file: "retry-budget.expected.json")
        #expect(rows.count == baseline.events / 4096 + 1)
        for row in rows.dropLast() {
            let events = try #require(Int(row[0]))
            #expect(events % 4096 == 0)
            #expect(baseline.checkpoints.first { $0.events == events }?.digest == row[1], "checkpoint at \(events)")
        }
        #expect(rows.last == [String(baseline.events), baseline.digest])
    }
}
