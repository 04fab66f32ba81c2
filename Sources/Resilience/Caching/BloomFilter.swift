/// A Bloom filter: a set that answers "definitely not present" or "possibly present" in a
/// fixed number of bits, the guard against cache *penetration* (the incident of the source
/// documents: 62 % of traffic asked for product ids that do not exist, missed every cache
/// and exhausted the database pool). Load every existing id into the filter; a request
/// for an id the filter has never seen is answered "not found" without touching the cache
/// or the database.
///
/// - **Sizing** from the expected number of elements `n` and the wanted false-positive
///   rate `p`: `m = ⌈−n·ln p / (ln 2)²⌉` bits and `k = round((m/n)·ln 2)` hash positions
///   (at least 1). For n = 1,000,000 ids and p = 1 %: m ≈ 9.6 Mbit (1.2 MB), k = 7.
/// - **No false negatives**: an inserted element is always reported as possibly present.
///   False positives happen at about `p` while at most `n` elements are inserted, and
///   more often beyond (see ``expectedFalsePositiveRate``).
/// - **Deterministic hashing**: positions come from a ``StableHasher`` (FNV-1a + SplitMix64
///   finaliser) of the element's bytes, never from Swift's per-process seeded `Hasher`, so a
///   filter gives the same answers in every process and can be shipped between them
///   (``words``). The k positions use enhanced double hashing (Dillinger and Manolios):
///   `gᵢ = h₁ + i·h₂ + (i³ − i)/6 mod m`, with `h₁`, `h₂` two 64-bit mixes of the hash,
///   which avoids plain double hashing's short cycles when `h₂` shares a factor with `m`.
/// - Elements cannot be removed; rebuild the filter (with a new `seed` if you like) when
///   many ids have been deleted.
///
/// A value type with no lock: share it behind whatever the owner uses (an actor, a
/// `Mutex`), or rebuild and swap it whole.
public struct BloomFilter<Element: StableHashable>: Sendable, Equatable {
    /// Number of bits, m.
    public let bitCount: Int
    /// Number of hash positions per element, k.
    public let hashCount: Int
    /// Seed of the hash functions; filters combine only if their seeds are equal.
    public let seed: UInt64
    /// The bits, 64 to a word, bit `i` at `words[i / 64] >> (i % 64) & 1`.
    public private(set) var words: [UInt64]
    /// Number of bits set.
    public private(set) var setBitCount = 0
    /// Number of ``insert(_:)`` calls that set at least one new bit (so the element was
    /// certainly new); a lower bound on the distinct elements inserted.
    public private(set) var insertions = 0

    /// A filter sized for `expectedCount` elements (≥ 1) at `falsePositiveRate`
    /// (0 < p < 1; default 1 %), with hash functions chosen by `seed` (default 0).
    ///
    /// - Throws: ``ConfigurationError`` for a count below 1, a rate outside (0, 1), or a
    ///   filter of 2⁵² bits or more.
    public init(expectedCount: Int, falsePositiveRate: Double = 0.01, seed: UInt64 = 0) throws(ConfigurationError) {
        let bits = try Self.optimalBitCount(expectedCount: expectedCount, falsePositiveRate: falsePositiveRate)
        try self.init(bitCount: bits, hashCount: Self.optimalHashCount(expectedCount: expectedCount, bitCount: bits), seed: seed)
    }

    /// A filter of exactly `bitCount` bits (≥ 1) and `hashCount` positions (≥ 1).
    ///
    /// - Throws: ``ConfigurationError`` for a count below 1.
    public init(bitCount: Int, hashCount: Int, seed: UInt64 = 0) throws(ConfigurationError) {
        let check = ConfigurationCheck("BloomFilter")
        try check.require(bitCount >= 1, "bitCount", ">= 1", bitCount)
        try check.require(hashCount >= 1, "hashCount", ">= 1", hashCount)
        self.bitCount = bitCount
        self.hashCount = hashCount
        self.seed = seed
        words = Array(repeating: 0, count: (bitCount + 63) / 64)
    }

    /// `⌈−n·ln p / (ln 2)²⌉`: the bits that give false-positive rate `p` for `n` elements.
    ///
    /// - Throws: ``ConfigurationError`` for a count below 1, a rate outside (0, 1), or a
    ///   filter of 2⁵² bits or more.
    public static func optimalBitCount(expectedCount n: Int, falsePositiveRate p: Double) throws(ConfigurationError) -> Int {
        let check = ConfigurationCheck("BloomFilter")
        try check.require(n >= 1, "expectedCount", ">= 1", n)
        try check.require(p > 0 && p < 1, "falsePositiveRate", "in (0, 1)", p)
        let ln2 = CacheMath.log(2)
        let bits = (-Double(n) * CacheMath.log(p) / (ln2 * ln2)).rounded(.up)
        try check.require(bits < 0x1p52, "expectedCount", "a count and rate needing fewer than 2^52 bits", "\(n) at \(p) (\(bits) bits)")
        return Swift.max(1, Int(bits))
    }

    /// `round((m/n)·ln 2)`, at least 1: the number of positions that minimises the
    /// false-positive rate of `m` bits holding `n` elements.
    ///
    /// - Throws: ``ConfigurationError`` for a count below 1.
    public static func optimalHashCount(expectedCount n: Int, bitCount m: Int) throws(ConfigurationError) -> Int {
        let check = ConfigurationCheck("BloomFilter")
        try check.require(n >= 1, "expectedCount", ">= 1", n)
        try check.require(m >= 1, "bitCount", ">= 1", m)
        return Swift.max(1, Int((Double(m) / Double(n) * CacheMath.log(2)).rounded()))
    }

    // MARK: Using

    /// Adds `element`. Returns true when at least one of its bits was not yet set, that is
    /// when the element was certainly not in the filter before.
    @discardableResult
    public mutating func insert(_ element: Element) -> Bool {
        var positions = Positions(element, seed: seed, bitCount: bitCount)
        var changed = false
        for _ in 0..<hashCount {
            let position = positions.next()
            let mask: UInt64 = 1 << UInt64(position & 63)
            if words[position >> 6] & mask == 0 {
                words[position >> 6] |= mask
                setBitCount += 1
                changed = true
            }
        }
        if changed { insertions += 1 }
        return changed
    }

    /// False when `element` was certainly never inserted; true when it possibly was.
    public func mightContain(_ element: Element) -> Bool {
        var positions = Positions(element, seed: seed, bitCount: bitCount)
        for _ in 0..<hashCount {
            let position = positions.next()
            if words[position >> 6] & (1 << UInt64(position & 63)) == 0 { return false }
        }
        return true
    }

    /// Adds every element of `other`, which must have the same shape and seed.
    public mutating func formUnion(_ other: BloomFilter) {
        // Both filters are the caller's own values, not configuration: combining two of
        // different shapes is a programming error, so it stays a precondition.
        precondition(bitCount == other.bitCount && hashCount == other.hashCount && seed == other.seed,
                     "filters of different shapes cannot be combined")
        var bits = 0
        for index in words.indices {
            words[index] |= other.words[index]
            bits += words[index].nonzeroBitCount
        }
        setBitCount = bits
        insertions += other.insertions
    }

    /// Clears every bit.
    public mutating func removeAll() {
        for index in words.indices { words[index] = 0 }
        setBitCount = 0
        insertions = 0
    }

    // MARK: Estimates

    /// Fraction of the bits set, in [0, 1].
    public var fillRatio: Double { Double(setBitCount) / Double(bitCount) }

    /// The probability that an element never inserted is reported as possibly present,
    /// given the bits set now: `(setBits / m)^k`.
    public var expectedFalsePositiveRate: Double { CacheMath.power(fillRatio, hashCount) }

    /// Estimated number of distinct elements inserted (Swamidass and Baldi):
    /// `−(m/k)·ln(1 − setBits/m)`, rounded; `Int.max` once every bit is set.
    public var approximateCount: Int {
        guard setBitCount < bitCount else { return .max }
        let estimate = -Double(bitCount) / Double(hashCount) * CacheMath.log(1 - fillRatio)
        return Int(estimate.rounded())
    }

    /// The k bit positions of one element.
    private struct Positions {
        private var x: UInt64
        private var y: UInt64
        private var i: UInt64 = 0
        private let m: UInt64

        init(_ element: Element, seed: UInt64, bitCount: Int) {
            var hasher = StableHasher(seed: seed)
            element.stableHash(into: &hasher)
            let hash = hasher.finalize()
            m = UInt64(bitCount)
            x = hash % m
            y = StableHasher.mix(hash ^ 0x5851_f42d_4c95_7f2d) % m
        }

        mutating func next() -> Int {
            let position = x
            // Dillinger–Manolios, incrementally: x += y, y += i (mod m).
            x = Self.add(x, y, m)
            i += 1
            y = Self.add(y, i % m, m)
            return Int(position)
        }

        private static func add(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
            let sum = a &+ b
            return sum >= m || sum < a ? sum &- m : sum
        }
    }
}
