import Foundation
import Resilience
import SimKernel
import Testing

@Suite("BloomFilter")
struct BloomFilterTests {
    // Sizes computed independently (Python: ceil(-n·ln p / ln²2), round(m/n·ln 2)).
    @Test("sizing from n and p: m = ⌈−n·ln p / (ln 2)²⌉, k = round((m/n)·ln 2)", arguments: [
        (n: 1_000_000, p: 0.01, m: 9_585_059, k: 7),
        (n: 1_000, p: 0.01, m: 9_586, k: 7),
        (n: 100, p: 0.001, m: 1_438, k: 10),
        (n: 1, p: 0.01, m: 10, k: 7),
        (n: 1, p: 0.5, m: 2, k: 1),
    ])
    func sizing(n: Int, p: Double, m: Int, k: Int) throws {
        let filter = try BloomFilter<Int>(expectedCount: n, falsePositiveRate: p)
        #expect(filter.bitCount == m)
        #expect(filter.hashCount == k)
        #expect(filter.words.count == (m + 63) / 64)
    }

    @Test("k is at least 1 even when there are fewer bits than elements")
    func atLeastOneHash() throws {
        #expect(try BloomFilter<Int>.optimalHashCount(expectedCount: 1000, bitCount: 10) == 1)
    }

    @Test("an empty filter contains nothing and estimates zero")
    func empty() throws {
        let filter = try BloomFilter<String>(expectedCount: 100)
        #expect(!filter.mightContain("sku-1"))
        #expect(filter.approximateCount == 0)
        #expect(filter.expectedFalsePositiveRate == 0)
        #expect(filter.fillRatio == 0)
    }

    @Test("insert reports whether the element was certainly new")
    func insertReportsNovelty() throws {
        var filter = try BloomFilter<String>(expectedCount: 100)
        let first = filter.insert("sku-1")
        let second = filter.insert("sku-1")
        #expect(first && !second)
        #expect(filter.mightContain("sku-1"))
        #expect(filter.insertions == 1)
        #expect(filter.setBitCount == filter.hashCount || filter.setBitCount < filter.hashCount)
    }

    // Positions computed by an independent Python implementation (StableHasher, then
    // Dillinger–Manolios enhanced double hashing): any process sets the same bits.
    @Test("the bits set are the same in every process (known positions)")
    func knownPositions() throws {
        var strings = try BloomFilter<String>(bitCount: 1024, hashCount: 3)
        strings.insert("sku-1")
        #expect(setBits(strings) == [318, 648, 1013])
        var ints = try BloomFilter<Int>(bitCount: 1000, hashCount: 5)
        ints.insert(7)
        #expect(setBits(ints) == [60, 126, 195, 266, 338])
    }

    @Test("two filters built from the same elements are equal; a different seed differs")
    func deterministic() throws {
        var first = try BloomFilter<Int>(expectedCount: 500), second = try BloomFilter<Int>(expectedCount: 500)
        var seeded = try BloomFilter<Int>(expectedCount: 500, seed: 9)
        for id in (0..<400).reversed() { first.insert(id) }
        for id in 0..<400 { second.insert(id) }
        for id in 0..<400 { seeded.insert(id) }
        #expect(first == second)
        #expect(first.words != seeded.words)
    }

    @Test("the count estimate is close to the number of distinct elements inserted")
    func approximateCount() throws {
        var filter = try BloomFilter<String>(expectedCount: 10_000, falsePositiveRate: 0.01)
        for id in 0..<10_000 { filter.insert("product-\(id)") }
        for id in 0..<5_000 { filter.insert("product-\(id)") }
        // Relative standard error of this estimator is well under 1 % here.
        #expect(abs(filter.approximateCount - 10_000) < 300, "estimate \(filter.approximateCount)")
        #expect(filter.insertions <= 10_000 && filter.insertions > 9_800)
        #expect(abs(filter.expectedFalsePositiveRate - 0.01) < 0.002)
    }

    @Test("a saturated filter says yes to everything and estimates Int.max")
    func saturated() throws {
        var filter = try BloomFilter<Int>(bitCount: 64, hashCount: 2)
        for id in 0..<10_000 { filter.insert(id) }
        #expect(filter.setBitCount == 64)
        #expect(filter.approximateCount == .max)
        #expect(filter.expectedFalsePositiveRate == 1)
        #expect(filter.mightContain(-123_456))
    }

    @Test("a union contains both sets; removeAll clears")
    func unionAndClear() throws {
        var evens = try BloomFilter<Int>(expectedCount: 200), odds = try BloomFilter<Int>(expectedCount: 200)
        for id in 0..<100 {
            evens.insert(2 * id)
            odds.insert(2 * id + 1)
        }
        var both = evens
        both.formUnion(odds)
        #expect((0..<200).allSatisfy { both.mightContain($0) })
        #expect(both.setBitCount == both.words.reduce(0) { $0 + $1.nonzeroBitCount })
        both.removeAll()
        #expect(both.setBitCount == 0 && !both.mightContain(0))
    }

    @Test("never a false negative, even past the expected count (500 schedules)")
    func noFalseNegatives() throws {
        try forEachSchedule("bloom.no-false-negatives", count: 500) { random in
            let n = random.int(in: 1...400)
            let p = [0.001, 0.01, 0.05, 0.2, 0.5][random.int(in: 0...4)]
            let inserted = random.chance(0.3) ? n * random.int(in: 2...5) : random.int(in: 0...n)
            if random.chance(0.5) {
                var filter = try BloomFilter<Int>(expectedCount: n, falsePositiveRate: p, seed: random.next())
                let keys = (0..<inserted).map { _ in Int(bitPattern: UInt(random.next())) }
                for key in keys { filter.insert(key) }
                for key in keys { try require(filter.mightContain(key), "false negative for \(key) (n \(n), p \(p))") }
            } else {
                var filter = try BloomFilter<String>(expectedCount: n, falsePositiveRate: p)
                let keys = (0..<inserted).map { _ in "sku-\(random.int(in: 0...1_000_000))" }
                for key in keys { filter.insert(key) }
                for key in keys { try require(filter.mightContain(key), "false negative for \(key) (n \(n), p \(p))") }
            }
        }
    }

    /// The tolerance. A filter sized for (n, p) and holding n elements has, in theory, the
    /// false-positive rate f̄ = (1 − (1 − 1/m)^{kn})^k, within 1.1 % of p for the sizes used
    /// here (rounding of m and k; checked in Python over n = 500…2000, p = 0.001…0.3). A
    /// given filter's rate is (Z̄/m)^k for its fraction Z̄/m of bits set, which varies from
    /// filter to filter: by the delta method its standard deviation is
    /// σ_fill = k·f̄·σ_Z / (m − E[Z₀]) with σ_Z the exact standard deviation of the number
    /// of set bits (balls in bins). Measuring with T random non-members adds the binomial
    /// σ_T = √(f̄(1 − f̄)/T). Each schedule must land within 5·√(σ_fill² + σ_T²) + 2 % of p;
    /// the total over all schedules within 5 pooled σ + 2 % (a systematic bias of a few
    /// per cent, e.g. from poor hashing of sequential ids, fails it).
    @Test("the measured false-positive rate is within tolerance of p (500 schedules)")
    func falsePositiveRate() throws {
        var pooledFalse = 0.0, pooledExpected = 0.0, pooledVariance = 0.0
        try forEachSchedule("bloom.false-positive-rate", count: 500) { random in
            let n = random.int(in: 500...2000)
            let p = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3][random.int(in: 0...6)]
            let trials = 4000
            var falsePositives = 0
            let m: Int, k: Int
            switch random.int(in: 0...2) {
            case 0: // sequential product ids, then the ids after them (the realistic case)
                var filter = try BloomFilter<Int>(expectedCount: n, falsePositiveRate: p)
                let start = random.int(in: 0...1_000_000)
                for id in start..<(start + n) { filter.insert(id) }
                for id in (start + n)..<(start + n + trials) where filter.mightContain(id) { falsePositives += 1 }
                (m, k) = (filter.bitCount, filter.hashCount)
            case 1: // random strings, non-members with another prefix
                var filter = try BloomFilter<String>(expectedCount: n, falsePositiveRate: p)
                for _ in 0..<n { filter.insert("sku-\(random.next())") }
                for _ in 0..<trials where filter.mightContain("ghost-\(random.next())") { falsePositives += 1 }
                (m, k) = (filter.bitCount, filter.hashCount)
            default: // random even integers, odd non-members
                var filter = try BloomFilter<Int>(expectedCount: n, falsePositiveRate: p)
                for _ in 0..<n { filter.insert(Int(bitPattern: UInt(random.next())) & ~1) }
                for _ in 0..<trials where filter.mightContain(Int(bitPattern: UInt(random.next())) | 1) { falsePositives += 1 }
                (m, k) = (filter.bitCount, filter.hashCount)
            }
            let md = Double(m), balls = Double(k * n)
            let zeroProbability = pow(1 - 1 / md, balls)
            let expectedZeros = md * zeroProbability
            let zeroVariance = md * zeroProbability + md * (md - 1) * pow(1 - 2 / md, balls) - expectedZeros * expectedZeros
            let theory = pow(1 - zeroProbability, Double(k))
            let sigmaFill = Double(k) * theory * max(zeroVariance, 0).squareRoot() / (md - expectedZeros)
            let sigmaTrials = (theory * (1 - theory) / Double(trials)).squareRoot()
            let measured = Double(falsePositives) / Double(trials)
            let tolerance = 5 * (sigmaFill * sigmaFill + sigmaTrials * sigmaTrials).squareRoot() + 0.02 * p
            try require(abs(measured - p) <= tolerance,
                        "n \(n), p \(p), m \(m), k \(k): measured \(measured), theory \(theory), tolerance \(tolerance)")
            try require(abs(theory - p) <= 0.011 * p + 1e-12, "theory \(theory) vs p \(p)")
            pooledFalse += Double(falsePositives)
            pooledExpected += p * Double(trials)
            pooledVariance += Double(trials * trials) * sigmaFill * sigmaFill + Double(trials) * theory * (1 - theory)
        }
        #expect(abs(pooledFalse - pooledExpected) <= 5 * pooledVariance.squareRoot() + 0.02 * pooledExpected,
                "pooled false positives \(pooledFalse), expected \(pooledExpected)")
    }

    private func setBits<E>(_ filter: BloomFilter<E>) -> [Int] {
        var bits: [Int] = []
        for (index, word) in filter.words.enumerated() {
            for bit in 0..<64 where word >> UInt64(bit) & 1 == 1 { bits.append(index * 64 + bit) }
        }
        return bits
    }
}
