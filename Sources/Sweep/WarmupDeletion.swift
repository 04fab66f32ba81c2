/// MSER-5 (White, 1997; Franklin & White, 2008): where the initial transient of an output
/// series ends. The series is cut into batches of five and the truncation point d
/// minimises the marginal standard error of the remaining batch means,
/// MSER(d) = Σ_{j>d} (Z_j − Z̄_d)² / (k − d)², over d ≤ k/2 (beyond half, the statistic is
/// known to favour deleting almost everything).
public enum WarmupDeletion {
    /// The batch size of MSER-5.
    public static let batchSize = 5

    /// How many leading observations of `series` to delete: a multiple of five, at most
    /// half the series; 0 for a series shorter than two batches.
    public static func truncation(_ series: [Double]) -> Int {
        let batches = series.count / batchSize
        guard batches >= 2 else { return 0 }
        let means = (0..<batches).map { batch in
            series[(batch * batchSize)..<((batch + 1) * batchSize)].reduce(0, +) / Double(batchSize)
        }
        var best = (deleted: 0, statistic: Double.infinity)
        for deleted in 0...(batches / 2) {
            let tail = means[deleted...]
            let mean = tail.reduce(0, +) / Double(tail.count)
            let squares = tail.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let statistic = squares / (Double(tail.count) * Double(tail.count))
            // Strictly smaller: ties keep the earlier (smaller) truncation.
            if statistic < best.statistic { best = (deleted, statistic) }
        }
        return best.deleted * batchSize
    }
}

/// The method of batch means: a confidence interval for the steady-state mean of one
/// long run, whose consecutive observations are correlated. The series is cut into `k`
/// equal batches (the earliest observations left over are dropped); batch means of long
/// enough batches are nearly independent, so Student's t over them gives the interval.
public enum BatchMeans {
    /// Batches used when the series allows (10 to 30 is the usual advice).
    public static let defaultBatches = 10

    /// The interval over `batches` batch means of `series`; nil when the series has fewer
    /// observations than two batches need.
    public static func interval(_ series: [Double], batches: Int = defaultBatches) -> MeanInterval? {
        let k = min(batches, series.count)
        guard k >= 2 else { return nil }
        let size = series.count / k
        let start = series.count - k * size
        let means = (0..<k).map { batch in
            series[(start + batch * size)..<(start + (batch + 1) * size)].reduce(0, +) / Double(size)
        }
        return MeanInterval(means)
    }
}
