/// A 64-bit hash that is the same in every process, on every run.
///
/// Swift's `Hasher` is seeded per process, so it must never decide anything a world
/// does. This is FNV-1a over the UTF-8 bytes, finished with SplitMix64's mixer so that
/// similar names ("rider-1", "rider-2") land far apart.
public enum StableHash {
    /// Hash of a string's UTF-8 bytes.
    public static func of(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return SplitMix64.mix(hash)
    }

    /// Combines two 64-bit values into one, order-sensitively.
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        SplitMix64.mix(a &+ 0x9e37_79b9_7f4a_7c15 &* (b | 1) ^ (b &<< 29) ^ (b &>> 35))
    }
}
