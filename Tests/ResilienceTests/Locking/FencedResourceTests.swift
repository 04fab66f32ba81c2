import Resilience
import Testing

@Suite("FencedResource: Kleppmann's fencing check")
struct FencedResourceTests {
    @Test("the first token is admitted, equal tokens pass, lower ones are refused and counted")
    func writes() {
        var stock = FencedResource(5)
        let r1 = stock.write(4, with: FencingToken(7))
        #expect(r1)
        let r2 = stock.write(3, with: FencingToken(7))
        #expect(r2)
        let r3 = stock.write(100, with: FencingToken(6))
        #expect(!r3)
        #expect(stock.value == 3)
        #expect(stock.highestToken == FencingToken(7))
        let r4 = stock.write(2, with: FencingToken(9))
        #expect(r4)
        let r5 = stock.write(100, with: FencingToken(8))
        #expect(!r5)
        #expect(stock.statistics.acceptedWrites == 3)
        #expect(stock.statistics.rejectedStaleWrites == 2)
    }

    @Test("a fenced read registers its token, so the older reader's later write is refused")
    func readFencing() {
        var stock = FencedResource(1)
        // Old holder (token 1) reads, then pauses; new holder (token 2) reads and sells.
        let r6 = stock.read(with: FencingToken(1))
        #expect(r6 == 1)
        let r7 = stock.read(with: FencingToken(2))
        #expect(r7 == 1)
        let r8 = stock.write(0, with: FencingToken(2))
        #expect(r8)
        // The old holder wakes up and sells the same last unit: refused.
        let r9 = stock.write(0, with: FencingToken(1))
        #expect(!r9)
        let r10 = stock.read(with: FencingToken(1))
        #expect(r10 == nil)
        #expect(stock.statistics.rejectedStaleReads == 1)
        #expect(stock.statistics.acceptedReads == 2)
    }

    @Test("a stale update does not run its body")
    func update() {
        var stock = FencedResource(2, highestToken: FencingToken(10))
        var ran = false
        let stale: Int? = stock.update(with: FencingToken(9)) { value in ran = true; value -= 1; return value }
        #expect(stale == nil && !ran && stock.value == 2)
        let fresh = stock.update(with: FencingToken(11)) { value -> Int in value -= 1; return value }
        #expect(fresh == 1)
        #expect(stock.statistics.acceptedWrites == 1 && stock.statistics.rejectedStaleWrites == 1)
    }

    @Test("admits(_:) has no side effect")
    func admitsIsPure() {
        let stock = FencedResource(1, highestToken: FencingToken(3))
        #expect(stock.admits(FencingToken(3)) && stock.admits(FencingToken(4)) && !stock.admits(FencingToken(2)))
        #expect(stock.highestToken == FencingToken(3))
    }
}
