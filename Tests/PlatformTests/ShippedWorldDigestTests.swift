import Foundation
import Report
import Testing

/// The shipped worlds' runs are pinned: an unintended change to what the platform does
/// changes a digest and fails here. The expected digests are read from the committed
/// baselines of `delivery-sim check`, so `check --update` is the one place to accept an
/// intended change.
@Suite("Shipped world digests")
struct ShippedWorldDigestTests {
    @Test("a shipped world gives the digest and event count its committed baseline records",
          arguments: ["worlds/baseline.json", "worlds/validation/mmc.json"])
    func digestIsPinned(_ world: String) throws {
        let file = WorldCheck.baselinePath(of: world)
        let text = try String(contentsOfFile: repositoryRoot + "/" + file, encoding: .utf8)
        let baseline = try BaselineReader.read(text, file: file)
        let outcome = try runWorld(try loadWorld(world))
        #expect(outcome.result.digestHex == baseline.digest,
                "\(world) changed: if intended, run delivery-sim check --update \(world) (delivery-sim check \(world) shows the first differing event)")
        #expect(outcome.result.events == baseline.events)
        #expect(outcome.spec.name == baseline.world && outcome.spec.seed == baseline.seed)
    }
}
