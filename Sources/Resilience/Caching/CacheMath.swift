/// Numeric helpers of the caching primitives.
///
/// `Resilience` uses only the standard library, which has no `log`; the Bloom filter's
/// sizing and count estimate and XFetch's `ln(U)` need one. Internal to the module and
/// named for its folder so that it cannot clash with another folder's helpers.
enum CacheMath {
    private static let ln2 = 0.693_147_180_559_945_309_417_232_121_458
    private static let sqrt2 = 1.414_213_562_373_095_048_801_688_724_209

    /// The natural logarithm of `x`: NaN below zero, −∞ at zero, +∞ at +∞.
    ///
    /// `x = m·2ᵉ` with `m` in [√½, √2], then `ln m = 2·atanh(z)`, `z = (m−1)/(m+1)`,
    /// `|z| ≤ 0.172`, whose odd series reaches double precision in 15 terms
    /// (relative error about 1e-16, checked against known values in the tests).
    static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var m = x.significand
        var e = Double(x.exponent)
        if m > sqrt2 {
            m /= 2
            e += 1
        }
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var power = z
        var sum = 0.0
        var divisor = 1.0
        for _ in 0..<15 {
            sum += power / divisor
            power *= z2
            divisor += 2
        }
        return 2 * sum + e * ln2
    }

    /// `base` raised to a non-negative integer power, by squaring.
    static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= factor }
            factor *= factor
            remaining >>= 1
        }
        return result
    }

    /// A uniform double in (0, 1] with 53 random bits: safe to take the logarithm of.
    static func openUnit(using random: inout some RandomNumberGenerator) -> Double {
        Double((random.next() >> 11) &+ 1) * 0x1.0p-53
    }
}

/// SplitMix64: a tiny seeded generator, used to give a composite cache its own stream
/// derived from the one it was given (so its levels do not share one lock or one RNG).
struct CacheSplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
