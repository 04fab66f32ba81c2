import Resilience
import Testing

@Suite("StableHasher")
struct StableHasherTests {
    // Expected values computed by an independent Python implementation of FNV-1a 64
    // (offset 0xcbf29ce484222325, prime 0x100000001b3) followed by SplitMix64's
    // finaliser; they are the same in every process and on every platform.
    @Test("known answers: FNV-1a over the bytes, then the SplitMix64 finaliser")
    func knownAnswers() {
        var bytes = StableHasher()
        bytes.combine(bytes: Array("a".utf8))
        #expect(bytes.finalize() == 0x5f29_c2aa_dd9b_8527)
        #expect("a".stableHashValue() == 0x27a8_69c1_1dac_0d56, "a string ends with a 0xFF terminator")
        #expect(42.stableHashValue() == 0xa4e6_579f_d9ba_8f6d, "integers are 8 little-endian bytes")
        #expect((-1).stableHashValue() == 0x9eec_b3fe_70d3_12a5)
    }

    @Test("equal values hash equally across integer widths and String/Substring")
    func widthsAndViews() {
        #expect(Int32(5).stableHashValue() == Int64(5).stableHashValue())
        #expect(Int32(-5).stableHashValue() == Int(-5).stableHashValue(), "signed values are sign-extended")
        #expect(UInt32(5).stableHashValue() == UInt64(5).stableHashValue())
        #expect(UInt(7).stableHashValue() == 7.stableHashValue())
        let text = "order-123"
        #expect(text.dropFirst(6).stableHashValue() == "123".stableHashValue())
        #expect(true.stableHashValue() != false.stableHashValue())
    }

    @Test("strings are self-delimiting, so composite keys do not collide by concatenation")
    func selfDelimiting() {
        var first = StableHasher(), second = StableHasher()
        first.combine("ab")
        first.combine("c")
        second.combine("a")
        second.combine("bc")
        #expect(first.finalize() != second.finalize())
    }

    @Test("the seed selects a different hash function")
    func seeds() {
        #expect("sku-1".stableHashValue(seed: 1) != "sku-1".stableHashValue(seed: 2))
        #expect("sku-1".stableHashValue(seed: 0) == "sku-1".stableHashValue())
    }

    @Test("neighbouring keys differ in about half of the 64 bits")
    func avalanche() {
        var total = 0
        for id in 0..<1000 {
            total += (id.stableHashValue() ^ (id + 1).stableHashValue()).nonzeroBitCount
        }
        let mean = Double(total) / 1000
        // 64 fair bits: mean 32, standard error of the mean 4/√1000 ≈ 0.13.
        #expect(abs(mean - 32) < 1, "mean differing bits \(mean)")
    }
}
