import Foundation
import Report
import Testing
@testable import World

/// `worlds/ci/` is what CI holds the platform to, so it must reach every part a world can
/// select: every Resilience primitive of `LibraryCoverageTests` (the same list, proven by
/// the same metrics, read from the committed baselines that `check` keeps equal to the
/// runs), every fault kind and every actor.
@Suite("CI worlds cover the platform")
struct CIWorldCoverageTests {
    struct CIWorld {
        let file: String
        let text: String
        let baseline: Baseline
    }

    static func ciWorlds() throws -> [CIWorld] {
        let folder = repositoryRoot + "/worlds/ci"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") }.sorted()
        return try names.map { name in
            let file = "worlds/ci/" + name
            let text = try String(contentsOfFile: repositoryRoot + "/" + file, encoding: .utf8)
            let baselineFile = WorldCheck.baselinePath(of: file)
            let baseline = try BaselineReader.read(try String(contentsOfFile: repositoryRoot + "/" + baselineFile, encoding: .utf8),
                                                   file: baselineFile)
            return CIWorld(file: file, text: text, baseline: baseline)
        }
    }

    /// A proof metric's value in a baseline: a counter's total, or a histogram's count.
    static func proof(_ name: String, in baseline: Baseline) -> Double {
        baseline.metric(name) ?? baseline.metric(name + ".count") ?? 0
    }

    @Test("every primitive a world can select has a CI world that names it and whose baseline shows it ran",
          arguments: LibraryCoverageTests.covered)
    func primitiveIsCovered(_ coverage: LibraryCoverageTests.Coverage) throws {
        let worlds = try Self.ciWorlds()
        #expect(worlds.count >= 30)
        // A CI world's description ends "Selects A, B." with the primitives it selects.
        let selecting = worlds.filter { world in
            guard let spec = try? WorldJSON.read(Array(world.text.utf8), file: world.file, with: WorldSpec.reader),
                  let range = spec.description.range(of: "Selects ") else { return false }
            let named = spec.description[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: ". "))
                .components(separatedBy: ", ")
            return Set(coverage.primitives).isSubset(of: named)
        }
        let world = try #require(selecting.first, "no CI world's description names \(coverage.primitives)")
        for proof in coverage.proofs {
            #expect(Self.proof(proof, in: world.baseline) > 0, "\(world.file): \(proof) did not happen")
        }
    }

    @Test("every fault kind is injected by a CI world that matches its baseline")
    func everyFaultKind() throws {
        var injected = Set<String>()
        for world in try Self.ciWorlds() {
            let tree = try JSONParser.parse(world.text, file: world.file)
            for fault in tree["faults"]?.arrayValue ?? [] { if let kind = fault["kind"]?.stringValue { injected.insert(kind) } }
            if !(tree["faults"]?.arrayValue ?? []).isEmpty {
                #expect(world.baseline.metric("faults.started") ?? 0 > 0, "\(world.file): its faults never started")
            }
        }
        let kinds = FaultSpec.KindName.allCases.map(\.rawValue)
        #expect(kinds.count >= 10)
        let missing = kinds.filter { !injected.contains($0) }
        #expect(missing.isEmpty, "fault kinds no CI world injects: \(missing)")
    }

    @Test("every actor works in a CI world: customers, merchants and riders deliver, every service role serves")
    func everyActor() throws {
        let worlds = try Self.ciWorlds()
        let actor = try #require(worlds.first { $0.file == "worlds/ci/every-actor.json" })
        // Notification takes no requests: it consumes the broker's messages (pushed, below).
        for role in ServiceRole.allCases where role != .generic && role != .notification {
            #expect(Self.proof("\(role.rawValue).requests", in: actor.baseline) > 0, "no requests reached \(role.rawValue)")
        }
        for metric in ["customers.arrived", "orders.delivered", "notification.pushed", "broker.orders.placed.published"] {
            #expect(Self.proof(metric, in: actor.baseline) > 0, "\(metric) in every-actor")
        }
    }
}
