/// A log-linear histogram of non-negative integers (latencies in nanoseconds), in
/// bounded memory.
///
/// Values below 2·128 are counted exactly; above that every power of two is split into
/// 128 buckets, so a reported percentile is within 0.4% of the true sample (the bucket
/// midpoint is reported, clamped to the observed min and max). Count, sum, min and max
/// are exact, so the mean is exact. Memory grows with the largest value seen, not with
/// the number of samples: about 32 KiB for values up to 100 s in nanoseconds.
public struct Histogram: Sendable, Equatable {
    /// Bits of sub-bucket precision per power of two.
    public static let precisionBits = 7
    @usableFromInline static let subBuckets = 1 << precisionBits

    @usableFromInline var counts: ContiguousArray<UInt64> = []
    /// Number of values recorded.
    public private(set) var count: Int = 0
    /// Exact sum of the values.
    public private(set) var sum: Int128 = 0
    /// Smallest value recorded (0 when empty).
    public private(set) var min: Int64 = .max
    /// Largest value recorded (0 when empty).
    public private(set) var max: Int64 = 0

    /// An empty histogram.
    public init() {}

    /// Records one value; negative values are recorded as 0.
    @inlinable
    public mutating func record(_ value: Int64) {
        let v = Swift.max(value, 0)
        let index = Self.bucketIndex(v)
        if index >= counts.count { grow(to: index) }
        counts[index] &+= 1
        recordStats(v)
    }

    @usableFromInline mutating func recordStats(_ v: Int64) {
        count += 1
        sum += Int128(v)
        if v < min { min = v }
        if v > max { max = v }
    }

    @usableFromInline mutating func grow(to index: Int) {
        counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count))
    }

    /// Adds every value of `other` to this histogram.
    public mutating func merge(_ other: Histogram) {
        guard other.count > 0 else { return }
        if other.counts.count > counts.count { grow(to: other.counts.count - 1) }
        for (index, n) in other.counts.enumerated() where n > 0 { counts[index] &+= n }
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// The exact mean, or nil when empty.
    public var mean: Double? { count == 0 ? nil : Double(sum) / Double(count) }

    /// The value at quantile `q` in [0, 1] (nearest rank), or nil when empty.
    public func quantile(_ q: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        if rank >= count { return max }
        var seen: UInt64 = 0
        for (index, n) in counts.enumerated() where n > 0 {
            seen += n
            if seen >= UInt64(rank) {
                return Swift.min(Swift.max(Self.representative(index), min), max)
            }
        }
        return max
    }

    /// Number of recorded values ≤ `value` (exact below 256; otherwise counted by
    /// bucket, so within one bucket's width of `value`).
    public func countAtOrBelow(_ value: Int64) -> Int {
        let last = Self.bucketIndex(Swift.max(value, 0))
        var total: UInt64 = 0
        for index in 0..<Swift.min(last + 1, counts.count) { total += counts[index] }
        return Int(total)
    }

    /// Non-empty buckets as (index, count), ascending: the compact form kept per
    /// time-series interval.
    public var sparseBuckets: [(index: Int32, count: UInt64)] {
        counts.enumerated().compactMap { $0.element > 0 ? (Int32($0.offset), $0.element) : nil }
    }

    @inlinable
    static func bucketIndex(_ v: Int64) -> Int {
        let value = UInt64(v)
        if value < UInt64(2 * subBuckets) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        let shift = exponent - precisionBits
        return shift * subBuckets + Int(value >> UInt64(shift))
    }

    /// Midpoint of a bucket.
    public static func representative(_ index: Int) -> Int64 {
        if index < 2 * subBuckets { return Int64(index) }
        let shift = index / subBuckets - 1
        let top = index - shift * subBuckets
        let lower = Int64(top) << Int64(shift)
        let width = Int64(1) << Int64(shift)
        return lower + (width - 1) / 2
    }
}
