import Foundation
import Platform
import Report
import SimKernel
import Testing
import World

/// The repository's root (Tests/PlatformTests/ is two levels below it).
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// Loads a shipped world file, with `--set`-style overrides.
func loadWorld(_ relativePath: String, overrides: [String] = []) throws -> WorldSpec {
    let path = repositoryRoot + "/" + relativePath
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    return try WorldJSON.read(bytes, file: relativePath, overrides: overrides, with: WorldSpec.reader)
}

/// Runs a world to its end. Every test world is also a check that the world declared,
/// before it ran, every metric the run recorded (so `validate` accepts an expectation
/// on any of them).
func runWorld(_ spec: WorldSpec, seed: UInt64? = nil) throws -> WorldOutcome {
    let world = try PlatformWorld(spec: spec, seed: seed)
    let outcome = world.run()
    world.sim.shutdown()
    #expect(outcome.metrics.undeclared == [], "metrics recorded but not declared before the run")
    return outcome
}
