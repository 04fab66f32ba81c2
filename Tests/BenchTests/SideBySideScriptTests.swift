import CommandLineTesting
import Foundation
import Testing

/// `scripts/side-by-side` as a developer runs it to compare two builds: tiny worlds (no
/// timings are checked), the pairs it prints, the digest check, and the mistakes that exit 2.
@Suite("scripts/side-by-side", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs GNU time"))
struct SideBySideScriptTests {
    static let root = URL(fileURLWithPath: BenchCommandTests.repositoryRoot)

    func sideBySide(_ arguments: [String]) throws -> CommandRun {
        try CommandRun(Self.root.appendingPathComponent("scripts/side-by-side"), arguments, in: Self.root)
    }

    @Test("one build against itself: each pair's CPU and memory, the ratio, and equal digests")
    func sameBuild() throws {
        let binary = CommandRun.deliverySim.path
        let run = try sideBySide([binary, binary, "1", "5m", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let pairs = run.stdout.split(separator: "\n").filter { $0.hasPrefix("pair ") }
        #expect(pairs.count == 2)
        for pair in pairs {
            let digests = try #require(pair.split(separator: ";").last).split(separator: " ").dropFirst()
            #expect(digests.count == 2 && digests.first == digests.last && digests.first?.count == 16, "\(pair)")
        }
        #expect(run.stdout.contains("×1: new/old "))
    }

    @Test("a build that runs the world differently fails the comparison, naming the digests")
    func differentRuns() throws {
        // A "build" that runs every world with another seed: the same world, other results.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("side-by-side-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("other-seed")
        let binary = CommandRun.deliverySim.path
        try "#!/bin/sh\nif [ \"$1\" = run ]; then exec '\(binary)' \"$@\" --set seed=8; fi\nexec '\(binary)' \"$@\"\n"
            .write(to: other, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: other.path)
        let run = try sideBySide([CommandRun.deliverySim.path, other.path, "1", "5m", "1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("the digests differ"))
    }

    @Test("mistakes exit 2 and say what was expected", arguments: [
        ([] as [String], "usage: scripts/side-by-side"),
        (["/nonexistent/delivery-sim", "/nonexistent/delivery-sim"], "is not an executable"),
        (["BINARY", "BINARY", "ten"], "FACTOR must be a whole number"),
        (["BINARY", "BINARY", "1", "soon"], "DURATION must look like"),
        (["BINARY", "BINARY", "1", "5m", "0"], "PAIRS must be a whole number"),
    ])
    func mistakes(arguments: [String], message: String) throws {
        let run = try sideBySide(arguments.map { $0 == "BINARY" ? CommandRun.deliverySim.path : $0 })
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
