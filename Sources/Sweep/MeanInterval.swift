/// A sample mean with its 95% confidence interval from Student's t: the half-width is
/// t(0.975, n−1) · s / √n. With one sample there is no interval (`halfWidth` nil).
public struct MeanInterval: Sendable, Equatable {
    /// Samples.
    public let count: Int
    /// Their mean.
    public let mean: Double
    /// Their standard deviation (n − 1 in the denominator); nil for one sample.
    public let standardDeviation: Double?
    /// Half the 95% interval's width; nil for one sample.
    public let halfWidth: Double?

    /// An interval computed elsewhere (batch means within one run).
    public init(count: Int, mean: Double, standardDeviation: Double?, halfWidth: Double?) {
        self.count = count
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.halfWidth = halfWidth
    }

    /// The interval of `samples` (at least one).
    public init(_ samples: [Double]) {
        precondition(!samples.isEmpty)
        count = samples.count
        // Summed in the given order, so the same samples give the same bits.
        let mean = samples.reduce(0, +) / Double(samples.count)
        self.mean = mean
        guard samples.count > 1 else {
            standardDeviation = nil
            halfWidth = nil
            return
        }
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count - 1)
        standardDeviation = variance.squareRoot()
        halfWidth = StudentT.quantile(0.975, degreesOfFreedom: samples.count - 1) * (variance / Double(samples.count)).squareRoot()
    }

    /// Welch's interval for the difference of two independent means (`other` − `self`):
    /// what the difference's interval would be without common random numbers.
    public func unpairedHalfWidth(to other: MeanInterval) -> Double? {
        guard let s1 = standardDeviation, let s2 = other.standardDeviation else { return nil }
        let v1 = s1 * s1 / Double(count), v2 = s2 * s2 / Double(other.count)
        let total = v1 + v2
        guard total > 0 else { return 0 }
        // Welch–Satterthwaite degrees of freedom, rounded down (conservative).
        let df = total * total / (v1 * v1 / Double(count - 1) + v2 * v2 / Double(other.count - 1))
        return StudentT.quantile(0.975, degreesOfFreedom: max(1, Int(df))) * total.squareRoot()
    }
}
