import CommandLineTesting
import Foundation
import Testing

/// `delivery-sim sweep` as users run it: exit codes, messages, files.
@Suite("sweep on the command line")
struct SweepCommandTests {
    func run(_ arguments: [String]) throws -> CommandRun {
        try CommandRun(CommandRun.deliverySim, arguments, in: URL(fileURLWithPath: repositoryRoot))
    }

    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    let base = ["sweep", "worlds/validation/mmc.json", "--set", "traffic.customers=800", "--seeds", "2"]

    @Test("a bad --vary, --slo or --minimize exits 2 with the option located, before running, writing nothing")
    func badOptions() throws {
        let folder = try scratch() + "/out"
        let cases: [([String], String)] = [
            (["--vary", "services.backend.workers=8,eight"], "--vary #1 (services.backend.workers=eight): $.services.backend.workers: expected an integer"),
            (["--vary", "services.backend.wrokers=8"], "(did you mean \"workers\"?)"),
            (["--vary", "services.backend.workers=9..8/1"], "--vary #1 (services.backend.workers=9..8/1): the range is empty"),
            (["--vary", "services.backend.workers=8", "--slo", "backend.latency.mean below 5"], "--slo #1 (backend.latency.mean below 5): unknown comparison"),
            (["--vary", "services.backend.workers=8", "--slo", "backend.latency.mean < 5", "--minimize", "workers * 2"],
             "\"workers\" is not a varied parameter"),
            (["--vary", "services.backend.workers=8", "--slo", "backend.latncy.mean < 5"], "no metric named \"backend.latncy.mean\""),
            (["--vary", "services.backend.workers=8", "--shard", "3/2"], "--shard expects I/N"),
        ]
        for (options, message) in cases {
            let result = try run(base + options + ["--out", folder])
            #expect(result.status == 2, "\(options)")
            #expect(result.stderr.contains(message), "\(options): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder))
        }
    }

    @Test("-j 1 and -j 2 write identical files; so do shards merged on the command line, and a re-run from sweep.json")
    func identicalFiles() throws {
        let root = try scratch()
        let sweep = base + ["--vary", "services.backend.workers=8..10/1", "--slo", "backend.latency.mean < 1500",
                            "--minimize", "services.backend.workers"]
        let one = try run(sweep + ["-j", "1", "--out", root + "/j1"])
        let two = try run(sweep + ["-j", "2", "--out", root + "/j2"])
        #expect(one.status == 0 && two.status == 0)
        #expect(one.stdout.contains("cheapest configuration meeting every objective in every seed: workers="))
        for shard in 1...2 {
            #expect(try run(sweep + ["--shard", "\(shard)/2", "--out", root + "/s\(shard)"]).status == 0)
        }
        let merge = try run(["sweep", "merge", root + "/s2", root + "/s1", "--out", root + "/merged"])
        #expect(merge.status == 0, "\(merge.stderr)")
        // The plan a sweep writes is a sweep file: run again from it.
        #expect(try run(["sweep", "--plan", root + "/j1/sweep.json", "--out", root + "/replan"]).status == 0)
        for name in ["sweep.json", "runs.jsonl", "sweep.csv", "sweep-summary.csv", "sweep-differences.csv", "sweep.txt", "sweep.html"] {
            let reference = try Data(contentsOf: URL(fileURLWithPath: root + "/j1/" + name))
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/j2/" + name)) == reference, "\(name) at -j 2")
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/merged/" + name)) == reference, "\(name) merged")
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/replan/" + name)) == reference, "\(name) from --plan")
        }
        // An incomplete set of shards is refused.
        let partial = try run(["sweep", "merge", root + "/s1", "--out", root + "/partial"])
        #expect(partial.status == 2 && partial.stderr.contains("shard(s) 2 of 2 missing"))
        try? FileManager.default.removeItem(atPath: root)
    }
}
