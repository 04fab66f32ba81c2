import CommandLineTesting
import Foundation
import Testing

/// `delivery-sim report` and `compare` as users run them: pages written, bad input refused
/// with the file at fault and exit status 2.
@Suite("report and compare commands")
struct ReportCommandTests {
    func run(_ arguments: [String], in directory: URL) throws -> CommandRun {
        try CommandRun(CommandRun.deliverySim, arguments, in: directory)
    }

    @Test("report draws the same page again; compare writes compare.html; bad folders and files exit 2 naming them")
    func commands() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-cli-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = repositoryRoot + "/worlds/validation/mmc.json"
        #expect(try run(["run", world, "--set", "traffic.customers=300", "--set", "metrics.interval=10s", "--out", "a", "--quiet"], in: directory).status == 0)
        #expect(try run(["run", world, "--set", "traffic.customers=500", "--set", "metrics.interval=15s", "--out", "b", "--quiet"], in: directory).status == 0)
        let page = directory.appendingPathComponent("a/report.html")
        let written = try Data(contentsOf: page)
        try FileManager.default.removeItem(at: page)
        let report = try run(["report", "a/"], in: directory)
        #expect(report.status == 0 && report.stdout == "wrote a/report.html\n", "\(report.stderr)")
        #expect(try Data(contentsOf: page) == written)

        let compare = try run(["compare", "a", "b", "--out", "cmp"], in: directory)
        #expect(compare.status == 0 && compare.stdout == "wrote cmp/compare.html\n", "\(compare.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("cmp/compare.html").path))
        #expect(try run(["compare", "a", "b", "--out", "cmp"], in: directory).status == 0, "an earlier page is replaced")

        let missing = try run(["report", "nowhere"], in: directory)
        #expect(missing.status == 2 && missing.stderr.contains("nowhere: no such folder"), "\(missing.stderr)")
        let notABundle = try run(["compare", "a", "cmp"], in: directory)
        #expect(notABundle.status == 2 && notABundle.stderr.contains("cmp/world.json: missing"), "\(notABundle.stderr)")
        let series = directory.appendingPathComponent("b/timeseries.jsonl")
        var lines = try String(contentsOf: series, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[2] = lines[2].dropLast(5)
        try Data(lines.joined(separator: "\n").utf8).write(to: series)
        let corrupt = try run(["report", "b"], in: directory)
        #expect(corrupt.status == 2 && corrupt.stderr.contains("b/timeseries.jsonl:3: not valid JSON"), "\(corrupt.stderr)")
        #expect(try run(["report"], in: directory).status == 2)
        #expect(try run(["help", "compare"], in: directory).stdout.contains("--out DIR"))
    }
}
