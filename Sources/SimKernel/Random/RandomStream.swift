/// A seeded, splittable stream of random numbers (xoshiro256**).
///
/// Every actor draws from its own stream, derived from the world seed and the actor's
/// stable name (`RandomStream(seed: 42, name: "rider-7")`), never from a shared one: adding
/// a rider then leaves every customer's draws unchanged, which is what lets a sweep
/// compare configurations under common random numbers.
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64
    /// The seed this stream was derived from (for splitting and diagnostics).
    public let seed: UInt64

    /// The stream for `name` under the world seed `seed`.
    public init(seed: UInt64, name: String) {
        self.init(rawSeed: StableHash.combine(seed, StableHash.of(name)))
    }

    /// A stream from a raw 64-bit seed.
    public init(rawSeed: UInt64) {
        seed = rawSeed
        var expander = SplitMix64(seed: rawSeed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
    }

    /// An independent stream derived from this one's seed and `name`; it does not
    /// consume draws from this stream.
    public func split(_ name: String) -> RandomStream {
        RandomStream(rawSeed: StableHash.combine(seed, StableHash.of(name)))
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in (0, 1]: safe to take the logarithm of.
    @inlinable
    public mutating func nextOpenUnit() -> Double {
        Double((next() >> 11) &+ 1) * 0x1.0p-53
    }

    /// A uniform integer in 0..<upperBound (Lemire's nearly-divisionless method).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0)
        return Int(next(upperBound: UInt64(upperBound)))
    }
}
