import CommandLineTesting
import Foundation
import Testing

/// `scripts/scaling-ratio` as a developer runs it, on a short world with the tests' build
/// (no timings are checked): the multiples it prints (by user CPU and by wall time), the work
/// and order lines, and the mistakes.
@Suite("scripts/scaling-ratio", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs GNU time"))
struct ScalingRatioScriptTests {
    static let root = URL(fileURLWithPath: BenchCommandTests.repositoryRoot)

    func scalingRatio(_ arguments: [String]) throws -> CommandRun {
        try CommandRun(Self.root.appendingPathComponent("scripts/scaling-ratio"), arguments, in: Self.root,
                       environment: ["DELIVERYSIM_BINARY": CommandRun.deliverySim.path])
    }

    @Test("factor 2 of a five-minute world beside factor 1: the two multiples, and about twice the kernel steps and orders")
    func twiceTheWork() throws {
        // Cut short, the world fails its end-of-run checks: the script measures it anyway.
        let run = try scalingRatio(["2", "--set", "duration=5m"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let summary = try #require(lines.first { $0.hasPrefix("×2: ") }, "\(run.stdout)")
        #expect(summary.contains("× the mean") && summary.contains("× the median"))
        // "wall: ×2 took 1.40 s against a mean of 0.98 s for ×1: 1.4× (user+system CPU 1.34 s
        // against 0.96 s: 1.4×)": the target's own measure beside the CPU one. (The tests'
        // debug build spends much of a five-minute world starting up, so twice the world is
        // well under twice the time.) Both measure the same runs, so they agree closely.
        let wall = try #require(lines.first { $0.hasPrefix("wall: ×2 took ") }, "\(run.stdout)")
        let parts = wall.split(separator: ": ")
        let wallMultiple = try #require(Double(parts[2].prefix { $0 != "×" }), "\(wall)")
        let cpuMultiple = try #require(Double(parts[3].prefix { $0 != "×" }), "\(wall)")
        #expect(wallMultiple > 1.1 && wallMultiple < 3, "\(wall)")
        #expect(abs(wallMultiple - cpuMultiple) < 0.3 * cpuMultiple, "\(wall)")
        #expect(parts[2].contains("(user+system CPU ") && wall.hasSuffix("×)"), "\(wall)")
        let work = try #require(lines.first { $0.hasPrefix("work: ×2 ran ") }, "\(run.stdout)")
        // "work: ×2 ran 2.02× the kernel steps of ×1 (…)": twice the platform, about twice the work.
        let multiple = try #require(Double(work.dropFirst("work: ×2 ran ".count).prefix { $0 != "×" }))
        #expect(multiple > 1.7 && multiple < 2.3, "\(work)")
        #expect(work.contains("the mean CPU per step"))
        // "orders: ×2 created 2.03× the orders of ×1 (…): …, 1.9× for 2× the orders": the
        // demand each served, and the multiple for exactly twice factor 1's orders.
        let orders = try #require(lines.first { $0.hasPrefix("orders: ×2 created ") }, "\(run.stdout)")
        let demand = try #require(Double(orders.dropFirst("orders: ×2 created ".count).prefix { $0 != "×" }))
        #expect(demand > 1.7 && demand < 2.3, "\(orders)")
        #expect(orders.contains("the mean CPU per order") && orders.hasSuffix("for 2× the orders"), "\(orders)")
    }

    @Test("mistakes exit 2 and say what was expected", arguments: [
        ([] as [String], "usage: scripts/scaling-ratio"),
        (["ten"], "usage: scripts/scaling-ratio"),
        (["2", "--set", "duration=soon"], "$.duration"),
    ])
    func mistakes(arguments: [String], message: String) throws {
        let run = try scalingRatio(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
