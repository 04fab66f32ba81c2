/// A gradient limit (Netflix's `Gradient2Limit`): it compares the latest RTT with a
/// long-term average and shrinks the limit as the latest grows past it:
/// `gradient = clamp(tolerance·longRtt/shortRtt, 0.5, 1)`,
/// `new = L·gradient + queueSize`, `L ← (1 − smoothing)·L + smoothing·new`, clamped to
/// `minLimit...maxLimit`. With steady latency the gradient is 1 and the limit creeps up by
/// `smoothing·queueSize` per sample; once calls take `tolerance`× longer than usual it
/// falls, by at most half per sample before smoothing.
///
/// `longRtt` is an exponential average over `longWindow` samples (the first 10 a plain
/// mean, Netflix's `ExpAvgMeasurement`); when it exceeds twice the latest RTT it decays
/// by 5% per sample, so recovery after a long overload is quick. While calls do not use
/// the limit (`inflight < L/2`) it does not change.
///
/// Defaults are Netflix's: initial 20, min 20, max 200, smoothing 0.2, queue size 4,
/// tolerance 1.5, long window 600. Unlike Netflix's, which ignores drops, a dropped call
/// counts as the worst gradient (0.5) whatever the in-flight count, and its RTT (often
/// just a timeout) is kept out of the long-term average.
public struct Gradient2Limit: AdaptiveLimitAlgorithm, Sendable, Equatable {
    /// The estimate, before truncation to ``limit``.
    public private(set) var estimatedLimit: Double
    /// The lowest the limit goes.
    public let minLimit: Int
    /// The highest the limit goes (Netflix's `maxConcurrency`).
    public let maxLimit: Int
    /// Weight of each new estimate, in (0, 1].
    public let smoothing: Double
    /// Growth allowed per sample while latency is steady (before smoothing).
    public let queueSize: Int
    /// How many times the long-term RTT the latest may be before the limit shrinks (≥ 1).
    public let tolerance: Double
    /// Samples the long-term RTT averages over.
    public let longWindow: Int
    /// The long-term RTT average, in seconds (0 before the first sample).
    public private(set) var longRtt: Double = 0
    /// The latest RTT fed, in seconds.
    public private(set) var lastRtt: Double = 0

    private var samples = 0
    private static let warmUpSamples = 10

    /// Netflix's defaults unless given (1 ≤ minLimit ≤ maxLimit; initial clamped into them).
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(initialLimit: Int = 20, minLimit: Int = 20, maxLimit: Int = 200, smoothing: Double = 0.2,
                queueSize: Int = 4, tolerance: Double = 1.5, longWindow: Int = 600) throws(ConfigurationError) {
        let check = ConfigurationCheck("Gradient2Limit")
        try check.require(minLimit >= 1, "minLimit", ">= 1", minLimit)
        try check.require(maxLimit >= minLimit, "maxLimit", ">= minLimit (\(minLimit))", maxLimit)
        try check.require(smoothing > 0 && smoothing <= 1, "smoothing", "in (0, 1]", smoothing)
        try check.require(queueSize >= 0, "queueSize", ">= 0", queueSize)
        try check.require(tolerance >= 1 && tolerance.isFinite, "tolerance", "finite and >= 1", tolerance)
        try check.require(longWindow >= 1, "longWindow", ">= 1", longWindow)
        self.minLimit = minLimit
        self.maxLimit = maxLimit
        self.smoothing = smoothing
        self.queueSize = queueSize
        self.tolerance = tolerance
        self.longWindow = longWindow
        estimatedLimit = Double(Swift.min(maxLimit, Swift.max(minLimit, initialLimit)))
    }

    /// The current limit, ⌊estimate⌋.
    public var limit: Int { Int(estimatedLimit) }

    /// Feeds one sample (see the type's rules). Samples with an RTT ≤ 0 are ignored.
    public mutating func update(rtt: Duration, inflight: Int, didDrop: Bool) {
        let (seconds, attoseconds) = rtt.components
        let shortRtt = Double(seconds) + Double(attoseconds) * 1e-18
        guard shortRtt > 0 else { return }
        let gradient: Double
        if didDrop {
            gradient = 0.5
        } else {
            lastRtt = shortRtt
            addToLongRtt(shortRtt)
            if longRtt / shortRtt > 2 { longRtt *= 0.95 }
            if Double(inflight) < estimatedLimit / 2 { return }
            gradient = Swift.max(0.5, Swift.min(1, tolerance * longRtt / shortRtt))
        }
        let proposed = estimatedLimit * gradient + Double(queueSize)
        let smoothed = estimatedLimit * (1 - smoothing) + proposed * smoothing
        estimatedLimit = Swift.max(Double(minLimit), Swift.min(Double(maxLimit), smoothed))
    }

    private mutating func addToLongRtt(_ sample: Double) {
        if samples < Self.warmUpSamples {
            samples += 1
            longRtt += (sample - longRtt) / Double(samples)
        } else {
            let factor = 2 / Double(longWindow + 1)
            longRtt = sample * factor + longRtt * (1 - factor)
        }
    }
}
