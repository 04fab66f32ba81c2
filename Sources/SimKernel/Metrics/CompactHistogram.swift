/// A histogram as kept per time-series interval: only non-empty buckets, at 1/32-octave
/// precision (reported quantiles within 1.6% of the sample), with exact count, sum, min
/// and max.
///
/// A full ``Histogram`` of latencies costs tens of KiB; a run keeps up to
/// ``TimeSeries/defaultMaxRows`` rows for every histogram metric, so rows store this
/// form instead: at most a few hundred buckets (under 2 KiB) whatever the traffic.
public struct CompactHistogram: Sendable, Equatable {
    /// Sub-bucket bits per power of two.
    public static let precisionBits = 5
    static let subBuckets = 1 << precisionBits

    /// (bucket index, count), ascending by index.
    private(set) var buckets: ContiguousArray<(index: Int32, count: UInt32)> = []
    /// Number of values.
    public private(set) var count: Int = 0
    /// Exact sum of the values.
    public private(set) var sum: Int128 = 0
    /// Smallest value (0 when empty).
    public private(set) var min: Int64 = 0
    /// Largest value (0 when empty).
    public private(set) var max: Int64 = 0

    /// An empty histogram.
    public init() {}

    /// The values of a full histogram, at this type's precision.
    public init(_ histogram: Histogram) {
        guard histogram.count > 0 else { return }
        count = histogram.count
        sum = histogram.sum
        min = histogram.min
        max = histogram.max
        for (fine, n) in histogram.sparseBuckets {
            let index = Int32(Self.bucketIndex(Histogram.representative(Int(fine))))
            if let last = buckets.last, last.index == index {
                buckets[buckets.count - 1].count += UInt32(truncatingIfNeeded: n)
            } else {
                buckets.append((index, UInt32(truncatingIfNeeded: n)))
            }
        }
    }

    /// A histogram from its serialised parts (see ``nonEmptyBuckets``), or nil when they
    /// do not describe one: buckets not strictly ascending or empty, counts that do not
    /// add up to `count`, `min` above `max`, or parts given for an empty histogram.
    public init?(count: Int, sum: Int128, min: Int64, max: Int64, buckets: [(index: Int32, count: UInt32)]) {
        guard count > 0 else {
            guard sum == 0, min == 0, max == 0, buckets.isEmpty else { return nil }
            return
        }
        guard min <= max, min >= 0 else { return nil }
        var total = 0
        var previous: Int32 = -1
        for bucket in buckets {
            guard bucket.index > previous, bucket.count > 0 else { return nil }
            previous = bucket.index
            total += Int(bucket.count)
        }
        guard total == count else { return nil }
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.buckets = ContiguousArray(buckets)
    }

    /// The non-empty buckets as (index, count), ascending by index: with ``count``,
    /// ``sum``, ``min`` and ``max``, everything needed to rebuild the histogram exactly
    /// (``init(count:sum:min:max:buckets:)``), so a file can keep windows re-mergeable.
    public var nonEmptyBuckets: [(index: Int32, count: UInt32)] { Array(buckets) }

    /// The mean, or nil when empty.
    public var mean: Double? { count == 0 ? nil : Double(sum) / Double(count) }

    /// Adds every value of `other`.
    public mutating func merge(_ other: CompactHistogram) {
        guard other.count > 0 else { return }
        if count == 0 {
            self = other
            return
        }
        var merged = ContiguousArray<(index: Int32, count: UInt32)>()
        merged.reserveCapacity(buckets.count + other.buckets.count)
        var i = 0, j = 0
        while i < buckets.count || j < other.buckets.count {
            if j == other.buckets.count || (i < buckets.count && buckets[i].index < other.buckets[j].index) {
                merged.append(buckets[i]); i += 1
            } else if i == buckets.count || other.buckets[j].index < buckets[i].index {
                merged.append(other.buckets[j]); j += 1
            } else {
                merged.append((buckets[i].index, buckets[i].count + other.buckets[j].count)); i += 1; j += 1
            }
        }
        buckets = merged
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// The value at quantile `q` (nearest rank), or nil when empty.
    public func quantile(_ q: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        if rank >= count { return max }
        var seen = 0
        for bucket in buckets {
            seen += Int(bucket.count)
            if seen >= rank { return Swift.min(Swift.max(Self.representative(Int(bucket.index)), min), max) }
        }
        return max
    }

    /// Number of values above `value` (counted by bucket: exact to within one bucket).
    public func countAbove(_ value: Int64) -> Int {
        let limit = Self.bucketIndex(value)
        return buckets.reduce(0) { $0 + ($1.index > limit ? Int($1.count) : 0) }
    }

    static func bucketIndex(_ v: Int64) -> Int {
        let value = UInt64(Swift.max(v, 0))
        if value < UInt64(2 * subBuckets) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount
        let shift = exponent - precisionBits
        return shift * subBuckets + Int(value >> UInt64(shift))
    }

    static func representative(_ index: Int) -> Int64 {
        if index < 2 * subBuckets { return Int64(index) }
        let shift = index / subBuckets - 1
        let top = index - shift * subBuckets
        let lower = Int64(top) << Int64(shift)
        return lower + ((Int64(1) << Int64(shift)) - 1) / 2
    }

    public static func == (a: CompactHistogram, b: CompactHistogram) -> Bool {
        a.count == b.count && a.sum == b.sum && a.min == b.min && a.max == b.max
            && a.buckets.elementsEqual(b.buckets) { $0.index == $1.index && $0.count == $1.count }
    }
}
