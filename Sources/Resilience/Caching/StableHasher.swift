/// A 64-bit hash of bytes that is the same in every process, on every machine and run.
///
/// Swift's `Hasher` (and so `hashValue`) is seeded per process: a Bloom filter built with
/// it in one process answers differently in the next, and could not be shared, persisted
/// or replayed. This is FNV-1a over the bytes fed in, finished with SplitMix64's mixer so
/// that keys differing in one byte ("sku-1", "sku-2") land far apart in all 64 bits.
/// Integers are fed as 8 little-endian bytes whatever the platform.
///
/// It is not a cryptographic hash: an adversary who knows the seed can craft collisions
/// (give each deployment its own `seed` if that matters).
public struct StableHasher: Sendable {
    private var state: UInt64

    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// A hasher whose output depends on `seed` (default 0) as well as the bytes.
    public init(seed: UInt64 = 0) {
        state = Self.offsetBasis
        if seed != 0 { combine(integer: seed) }
    }

    /// Feeds one byte.
    public mutating func combine(byte: UInt8) {
        update(byte)
    }

    mutating func update(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    /// Feeds every byte of `bytes`, in order.
    public mutating func combine(bytes: some Sequence<UInt8>) {
        for byte in bytes { update(byte) }
    }

    /// Feeds an integer as the 8 little-endian bytes of its 64-bit (sign- or
    /// zero-extended) value, so `Int32(5)` and `Int64(5)` hash alike.
    public mutating func combine<Integer: FixedWidthInteger>(integer value: Integer) {
        var bits = Integer.isSigned
            ? UInt64(bitPattern: Int64(truncatingIfNeeded: value))
            : UInt64(truncatingIfNeeded: value)
        for _ in 0..<8 {
            update(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    /// Feeds a value through its ``StableHashable`` conformance.
    public mutating func combine(_ value: some StableHashable) {
        value.stableHash(into: &self)
    }

    /// The hash of everything fed so far (the hasher can keep being fed afterwards).
    public func finalize() -> UInt64 {
        Self.mix(state)
    }

    /// SplitMix64's finaliser: a bijection that spreads every input bit over the output.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// A type whose values can feed a ``StableHasher``: keys of a ``BloomFilter``.
///
/// Conform composite keys by feeding each field in order; fields of variable length
/// should be self-delimiting (strings end with a 0xFF byte, which UTF-8 never contains),
/// so that ("ab", "c") and ("a", "bc") hash differently.
public protocol StableHashable {
    /// Feeds this value's identity into `hasher`.
    func stableHash(into hasher: inout StableHasher)
}

extension StableHashable {
    /// The value's stable 64-bit hash under `seed` (default 0).
    public func stableHashValue(seed: UInt64 = 0) -> UInt64 {
        var hasher = StableHasher(seed: seed)
        stableHash(into: &hasher)
        return hasher.finalize()
    }
}

extension String: StableHashable {
    /// Feeds the UTF-8 bytes, then a 0xFF terminator.
    public func stableHash(into hasher: inout StableHasher) {
        let fast: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { hasher.update(byte) }
        }
        if fast == nil { hasher.combine(bytes: utf8) }
        hasher.update(0xFF)
    }
}

extension Substring: StableHashable {
    /// Feeds the UTF-8 bytes, then a 0xFF terminator (the same as the equal `String`).
    public func stableHash(into hasher: inout StableHasher) {
        hasher.combine(bytes: utf8)
        hasher.update(0xFF)
    }
}

extension Bool: StableHashable {
    /// Feeds one byte, 1 or 0.
    public func stableHash(into hasher: inout StableHasher) { hasher.update(self ? 1 : 0) }
}

extension Int: StableHashable {
    /// Feeds the 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}

extension Int64: StableHashable {
    /// Feeds the 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}

extension Int32: StableHashable {
    /// Feeds the sign-extended 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}

extension UInt: StableHashable {
    /// Feeds the 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}

extension UInt64: StableHashable {
    /// Feeds the 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}

extension UInt32: StableHashable {
    /// Feeds the zero-extended 64-bit little-endian value.
    public func stableHash(into hasher: inout StableHasher) { hasher.combine(integer: self) }
}
