import Foundation
import Report
import SimKernel
import Testing

/// What a run records and where it goes, as a user sees it from the shell: provenance in
/// summary.json, output folders that never replace another setting's results or a user's
/// files, worlds from pipes, and exit codes a CI system can tell apart.
@Suite("Run records and exit codes")
struct RunRecordCommandTests {
    let cli = CommandLineTests()
    let mmc = repositoryRoot + "/worlds/validation/mmc.json"

    func shell(_ script: String, in directory: URL) throws -> CommandLineTests.Run {
        try cli.run(["-c", script], in: directory, executable: URL(fileURLWithPath: "/bin/bash"))
    }

    @Test("SHA-256 matches the standard's test vectors")
    func sha256() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("--version names the tool's version and trace format")
    func version() throws {
        let run = try cli.run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == "delivery-sim \(ToolVersion.number) (trace format \(Trace.formatVersion))\n")
    }

    @Test("summary.json says which file, content, overrides, version and trace format made it")
    func provenance() throws {
        let folder = try cli.scratch()
        let run = try cli.run(["run", mmc, "--set", "traffic.customers=200", "--set", "services.backend.workers=9",
                               "--out", folder.path + "/r", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("r/summary.json"))) as! [String: Any]
        let made = try #require(summary["made_by"] as? [String: Any])
        #expect(made["world_file"] as? String == mmc)
        #expect(made["world_sha256"] as? String == SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: mmc)))))
        #expect(made["overrides"] as? [String] == ["traffic.customers=200", "services.backend.workers=9"])
        #expect(made["version"] as? String == ToolVersion.number)
        #expect(made["trace_format"] as? Int == Trace.formatVersion)
        #expect((made["resolved_world_sha256"] as? String)?.count == 64)
    }

    @Test("without --out, runs with different --set values land in different folders, and say where")
    func settingsKeptApart() throws {
        let folder = try cli.scratch()
        let a = try cli.run(["run", mmc, "--set", "traffic.customers=100", "--quiet"], in: folder)
        let b = try cli.run(["run", mmc, "--set", "traffic.customers=150", "--quiet"], in: folder)
        let plain = try cli.run(["run", mmc, "--set", "traffic.customers=100", "--quiet"], in: folder)
        #expect(a.status == 0 && b.status == 0 && plain.status == 0)
        #expect(a.stdout.hasPrefix("wrote output/mmc/42-") && b.stdout.hasPrefix("wrote output/mmc/42-"))
        #expect(a.stdout != b.stdout)
        #expect(plain.stdout == a.stdout, "the same settings go to the same folder")
        let folders = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("output/mmc").path)
        #expect(folders.count == 2)
    }

    @Test("--out never deletes a user's summary.json or a folder named summary.json, and replaces its own results")
    func outputFolderSafety() throws {
        let folder = try cli.scratch()
        let mine = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try cli.write("my notes", to: mine.appendingPathComponent("summary.json"))
        let refused = try cli.run(["run", mmc, "--set", "traffic.customers=50", "--out", mine.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(".delivery-sim-run"))
        #expect(try String(contentsOf: mine.appendingPathComponent("summary.json"), encoding: .utf8) == "my notes")

        let trap = folder.appendingPathComponent("trap")
        try FileManager.default.createDirectory(at: trap.appendingPathComponent("summary.json"), withIntermediateDirectories: true)
        try cli.write("keep", to: trap.appendingPathComponent("summary.json/keep"))
        // Even beside a marker that lists summary.json, a folder of that name is not ours.
        try cli.write("delivery-sim run results: this folder is replaced whole by the next run written here\nfile summary.json\n",
                      to: trap.appendingPathComponent(".delivery-sim-run"))
        #expect(try cli.run(["run", mmc, "--set", "traffic.customers=50", "--out", trap.path]).status == 2)
        #expect(FileManager.default.fileExists(atPath: trap.appendingPathComponent("summary.json/keep").path))

        let ours = folder.appendingPathComponent("ours").path
        #expect(try cli.run(["run", mmc, "--set", "traffic.customers=50", "--out", ours, "--quiet"]).status == 0)
        #expect(try cli.run(["run", mmc, "--set", "traffic.customers=60", "--out", ours, "--quiet"]).status == 0)
    }

    @Test("a world comes from standard input or a pipe; a failed write to standard output exits 2")
    func pipes() throws {
        let folder = try cli.scratch()
        let exe = CommandLineTests.executable.path
        let stdin = try shell("'\(exe)' run - --set traffic.customers=80 --out a --quiet < '\(mmc)'", in: folder)
        #expect(stdin.status == 0, "\(stdin.stderr)")
        let pipe = try shell("'\(exe)' validate <(cat '\(mmc)')", in: folder)
        #expect(pipe.status == 0 && pipe.stdout.contains("ok (world mmc"), "\(pipe.stderr)")
        let full = try shell("'\(exe)' run '\(mmc)' --set traffic.customers=80 --out b > /dev/full", in: folder)
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write to standard output"))
    }

    @Test("a misspelt expectation is an error before the run; a stop at the limit exits 4; a failed expectation 1")
    func errorsAndExitCodes() throws {
        let folder = try cli.scratch()
        let misspelt = try cli.run(["validate", repositoryRoot + "/worlds/baseline.json",
                                    "--set", #"expect=["ordes.failed_ratio <= 0.1"]"#])
        #expect(misspelt.status == 2)
        #expect(misspelt.stderr.contains(#"(did you mean "orders.failed_ratio"?)"#))
        let runMisspelt = try cli.run(["run", repositoryRoot + "/worlds/baseline.json", "--out", folder.path + "/m",
                                       "--set", #"expect=["ordes.failed_ratio <= 0.1"]"#])
        #expect(runMisspelt.status == 2)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/m"), "nothing ran, nothing written")
        let budget = try cli.run(["run", mmc, "--out", folder.path + "/b", "--set", "traffic.rate=1000/s",
                                  "--set", "services.backend.workers=1", "--set", #"limits={"max_in_flight": 2000}"#])
        #expect(budget.status == 4, "\(budget.stdout)")
        #expect(budget.stdout.contains("backend#0's queue"))
        #expect(FileManager.default.fileExists(atPath: folder.path + "/b/summary.json"), "results so far are written")
        let failed = try cli.run(["run", mmc, "--out", folder.path + "/f", "--quiet", "--set", "traffic.customers=50",
                                  "--set", #"expect=["backend.requests > 1000"]"#])
        #expect(failed.status == 1)
        let help = try cli.run(["run", "--help"])
        for code in ["3  the run stalled", "4  the run ran out of its budget", "5  determinism broke"] {
            #expect(help.stdout.contains(code))
        }
    }
}
