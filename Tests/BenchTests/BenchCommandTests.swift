import Bench
import CommandLineTesting
import Foundation
import Testing
import World

/// `delivery-sim bench` as a user runs it: tiny runs (no timings are checked), the rows,
/// the JSON, and the mistakes that exit 2.
@Suite("The bench command")
struct BenchCommandTests {
    /// The repository's root (Tests/BenchTests/ is two levels below it).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func bench(_ arguments: [String]) throws -> CommandRun {
        try CommandRun(CommandRun.deliverySim, ["bench"] + arguments, in: URL(fileURLWithPath: Self.repositoryRoot))
    }

    func scratchFile(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    @Test("a tiny run prints DeliverySim's and the plain loop's rows under Erlang C, and valid JSON")
    func tinyRun() throws {
        let json = try scratchFile("bench.json")
        let run = try bench(["--customers", "2000", "--repeats", "1", "--only", "deliverysim,plain", "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("M/M/8, λ = 7.2/s, μ = 1.0/s (ρ = 0.90): 2,000 customers, seed 42") == true)
        let theory = try #require(lines.first { $0.hasPrefix("Erlang C (exact)") })
        #expect(theory.hasSuffix("0.8769  1.8769   0.7015"))
        let deliverySim = try #require(lines.first { $0.hasPrefix("DeliverySim ") })
        #expect(deliverySim.contains("1.00×"), "DeliverySim is its own reference")
        #expect(lines.contains { $0.hasPrefix("plain Swift loop") && $0.contains("MiB") })
        #expect(run.stdout.contains("wrote \(json)"))

        let document = try JSONParser.parse(try String(contentsOfFile: json, encoding: .utf8), file: json)
        #expect(document["customers"]?.numberValue?.int == 2000)
        #expect(document["machine"]?["cores"]?.numberValue?.int ?? 0 >= 1)
        #expect(document["machine"]?["load_average_at_start"]?.arrayValue?.count == 3)
        let rows = try #require(document["implementations"]?.arrayValue)
        #expect(rows.compactMap { $0["name"]?.stringValue } == ["deliverysim", "plain"])
        for row in rows {
            #expect(row["status"]?.stringValue == "measured")
            #expect(row["runs"]?.arrayValue?.count == 1)
            #expect(row["measured"]?["mean_wait_s"]?.numberValue != nil)
            #expect(row["runs"]?[0]?["customers"]?.numberValue?.int == 2000)
        }
        #expect(rows[1]["runs"]?[0]?["events"]?.numberValue?.int == 4000, "the plain loop: an arrival and a departure each")
    }

    @Test("scripts/scaled-baseline's overrides come from the binary: the ones --scaling runs, one per line")
    func scaledOverridesForTheScript() throws {
        let run = try bench(["--child", "overrides", "--factor", "10"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ScaledBaseline.overrides(factor: 10))
        #expect(lines.contains("riders.count=15000"))
        #expect(lines.contains("services.notification.instances=10"))
    }

    @Test("a Python peer that cannot run is a row saying how to install it, not a failure")
    func absentPython() throws {
        let json = try scratchFile("bench.json")
        let run = try bench(["--customers", "500", "--repeats", "1", "--only", "plain,simpy,ciw",
                             "--python", "/nonexistent/bin/python3", "--json", json])
        #expect(run.status == 0, "\(run.stderr)")
        let simpy = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("SimPy") })
        #expect(simpy.contains("not installed (no Python at /nonexistent/bin/python3 (--python)): pip install simpy==4.1.2 ciw==3.2.7"))
        #expect(run.stdout.split(separator: "\n").contains { $0.hasPrefix("Ciw") && $0.contains("not installed") })
        #expect(run.stdout.contains("× user"))
        let document = try JSONParser.parse(try String(contentsOfFile: json, encoding: .utf8), file: json)
        let rows = try #require(document["implementations"]?.arrayValue)
        #expect(rows.map { $0["status"]?.stringValue } == ["measured", "unavailable", "unavailable"])
        #expect(rows[0]["ratio_to_deliverysim"] == nil, "no ratios without a DeliverySim row")
    }

    @Test("command-line mistakes exit 2 and say what was expected", arguments: [
        (["--customers", "0"], "--customers expects a whole number from 1 up, got \"0\""),
        (["--repeats", "three"], "--repeats expects a whole number from 1 up, got \"three\""),
        (["--only", "deliverysim,simpyy"], "--only: no implementation \"simpyy\" (did you mean \"simpy\"?); the implementations are deliverysim, plain, simpy, ciw"),
        (["--custmers", "10"], "unknown option --custmers (did you mean --customers?)"),
        (["worlds/validation/mmc.json"], "bench takes options only, got \"worlds/validation/mmc.json\""),
        (["--factors", "1,ten"], "--factors expects whole numbers from 1 up, separated by commas (e.g. 1,10,100), got \"ten\" in \"1,ten\""),
        (["--factors", "1,0"], "--factors expects whole numbers from 1 up, separated by commas (e.g. 1,10,100), got \"0\" in \"1,0\""),
        (["--factors", "1,10,1"], "--factors lists 1 twice in \"1,10,1\""),
        (["--json", "/nonexistent-folder/bench.json"], "cannot write results to \"/nonexistent-folder\": no such folder (--json)"),
    ])
    func mistakes(_ arguments: [String], _ message: String) throws {
        let run = try bench(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.isEmpty, "nothing ran")
    }
}
