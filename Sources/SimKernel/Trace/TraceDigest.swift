/// The running hash of a trace: each event's words are folded in one at a time through a
/// bijective, fully avalanching mix (the SplitMix64/MurmurHash3 finaliser).
///
/// Why not `h = (h ^ word) * odd` (format 1): multiplication carries only upwards, so a
/// flip of bit 63 in one word and another in the next word cancel exactly. Here every
/// input bit reaches every state bit before the next word arrives: one changed word
/// always changes the state (each step is a bijection), and two changes cancel only by
/// a 2⁻⁶⁴ accident.
public struct TraceDigest: Sendable, Equatable {
    /// The state after the words so far.
    public private(set) var state: UInt64 = 0x6a09_e667_f3bc_c908
    /// Events folded in so far.
    public private(set) var count = 0

    /// An empty digest.
    public init() {}

    /// Folds one event: its time, names and integers.
    @inline(__always)
    public mutating func add(time: Int64, kind: UInt64, source: UInt64, a: Int64, b: Int64, detail: UInt64) {
        var h = state
        h = Self.fold(h, UInt64(bitPattern: time))
        h = Self.fold(h, kind)
        h = Self.fold(h, source)
        h = Self.fold(h, UInt64(bitPattern: a))
        h = Self.fold(h, UInt64(bitPattern: b))
        h = Self.fold(h, detail)
        state = h
        count &+= 1
    }

    /// One word into the state: xor, then the finaliser (a bijection with full avalanche).
    @inline(__always)
    static func fold(_ state: UInt64, _ word: UInt64) -> UInt64 {
        var z = state ^ word
        z = (z ^ (z &>> 33)) &* 0xff51_afd7_ed55_8ccd
        z = (z ^ (z &>> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return z ^ (z &>> 33)
    }

    /// The digest: the state and the event count, finalised.
    public var value: UInt64 { SplitMix64.mix(state ^ UInt64(truncatingIfNeeded: count)) }
}
