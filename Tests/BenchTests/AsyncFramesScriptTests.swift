import CommandLineTesting
import Foundation
import Testing

/// Whether the tools the script reads a build with are installed.
private let binutilsFound = ["nm", "readelf", "od"].allSatisfy { tool in
    ["/usr/bin", "/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
}

/// `scripts/async-frames` as a developer runs it on a build (here the tests' own, whose
/// frame sizes are a debug build's: only the listing's shape is checked, never a size).
@Suite("scripts/async-frames", .enabled(if: binutilsFound, "needs nm, readelf and od"))
struct AsyncFramesScriptTests {
    static let root = URL(fileURLWithPath: BenchCommandTests.repositoryRoot)

    func asyncFrames(_ arguments: [String]) throws -> CommandRun {
        try CommandRun(Self.root.appendingPathComponent("scripts/async-frames"), arguments, in: Self.root)
    }

    /// Each listed line as (bytes, function).
    func listing(_ run: CommandRun) throws -> [(bytes: Int, function: String)] {
        try run.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            return (try #require(Int(parts[0]), "\(line)"), String(try #require(parts.last)))
        }
    }

    @Test("the largest frames first, as many as asked for, each a size and a function's name")
    func largestFirst() throws {
        let run = try asyncFrames([CommandRun.deliverySim.path, "--top", "5"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try listing(run)
        #expect(rows.count == 5)
        #expect(rows.map(\.bytes) == rows.map(\.bytes).sorted(by: >))
        #expect(rows.allSatisfy { $0.bytes > 0 && $0.function.contains("(") }, "\(run.stdout)")
    }

    @Test("--match lists the functions whose name holds the text: the call path's own")
    func matching() throws {
        let run = try asyncFrames([CommandRun.deliverySim.path, "--match", "CallRouter.send"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try listing(run)
        #expect(rows.contains { $0.function == "CallRouter.send(from:to:_:timeout:)" }, "\(run.stdout)")
        #expect(rows.allSatisfy { $0.function.contains("CallRouter.send") })
    }

    @Test("--over is a check: exit 1 when a frame is larger, 0 (and nothing listed) when none is")
    func over() throws {
        let largest = try #require(try listing(try asyncFrames([CommandRun.deliverySim.path, "--top", "1"])).first)
        let failing = try asyncFrames([CommandRun.deliverySim.path, "--over", String(largest.bytes - 1)])
        #expect(failing.status == 1)
        #expect(try listing(failing).allSatisfy { $0.bytes > largest.bytes - 1 })
        let passing = try asyncFrames([CommandRun.deliverySim.path, "--over", String(largest.bytes)])
        #expect(passing.status == 0 && passing.stdout.isEmpty, "\(passing.stdout)")
    }

    @Test("mistakes exit 2 and say what was expected", arguments: [
        ([] as [String], "usage: scripts/async-frames"),
        (["/nonexistent/delivery-sim"], "is not a file"),
        (["BINARY", "--top", "none"], "--top expects a whole number"),
        (["BINARY", "--over", "-3"], "--over expects a number of bytes"),
        (["BINARY", "--sort"], "unknown argument"),
    ])
    func mistakes(arguments: [String], message: String) throws {
        let run = try asyncFrames(arguments.map { $0 == "BINARY" ? CommandRun.deliverySim.path : $0 })
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
