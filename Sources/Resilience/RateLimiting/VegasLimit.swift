/// A delay-based limit after TCP Vegas (Netflix's `VegasLimit`): it estimates the queue
/// at the server from how much the RTT exceeds the no-load RTT,
/// `queue = ⌈L·(1 − rttNoLoad/rtt)⌉`, and keeps it between α = 3·log₁₀L and
/// β = 6·log₁₀L (log₁₀ taken as an integer, at least 1, as Netflix's `Log10RootFunction`):
/// - a drop: L − log₁₀L;
/// - calls not using the limit (`inflight·2 < L`): unchanged (no upward drift);
/// - queue ≤ log₁₀L: L + β (nothing queues: grow fast);
/// - queue < α: L + log₁₀L;
/// - queue > β: L − log₁₀L;
/// - otherwise unchanged;
/// then clamped to `1...maxLimit` and smoothed: L ← (1 − s)·L + s·new.
///
/// `rttNoLoad` is the least RTT seen, re-probed (reset to the current sample) every
/// `probeMultiplier·L·jitter` samples with jitter uniform in [0.5, 1), so a lasting
/// change of the service's base latency is learnt. The jitter comes from the injected
/// generator (Netflix uses `ThreadLocalRandom`), so a seeded run is reproducible.
/// Samples with an RTT ≤ 0 are ignored (Netflix throws).
public struct VegasLimit<Random: RandomNumberGenerator>: AdaptiveLimitAlgorithm {
    /// The estimate, before truncation to ``limit``.
    public private(set) var estimatedLimit: Double
    /// The highest the limit goes (Netflix's `maxConcurrency`, default 1000).
    public let maxLimit: Int
    /// Weight of a new estimate, in (0, 1] (default 1: no smoothing).
    public let smoothing: Double
    /// Probe for a new no-load RTT about every `probeMultiplier × limit` samples.
    public let probeMultiplier: Int
    /// The no-load RTT in use (nil before the first sample).
    public private(set) var rttNoLoad: Duration?

    private var random: Random
    private var probeCount = 0
    private var probeJitter: Double

    /// Netflix's defaults unless given: initial 20, max 1000, smoothing 1, probe
    /// multiplier 30; probe jitter drawn from `random`.
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(initialLimit: Int = 20, maxLimit: Int = 1000, smoothing: Double = 1,
                probeMultiplier: Int = 30, random: Random) throws(ConfigurationError) {
        let check = ConfigurationCheck("VegasLimit")
        try check.require(maxLimit >= 1, "maxLimit", ">= 1", maxLimit)
        try check.require(smoothing > 0 && smoothing <= 1, "smoothing", "in (0, 1]", smoothing)
        try check.require(probeMultiplier >= 1, "probeMultiplier", ">= 1", probeMultiplier)
        self.maxLimit = maxLimit
        self.smoothing = smoothing
        self.probeMultiplier = probeMultiplier
        self.random = random
        estimatedLimit = Double(Swift.min(maxLimit, Swift.max(1, initialLimit)))
        probeJitter = 0
        probeJitter = nextJitter()
    }

    /// The current limit, ⌊estimate⌋.
    public var limit: Int { Int(estimatedLimit) }

    /// Feeds one sample (see the type's rules).
    public mutating func update(rtt: Duration, inflight: Int, didDrop: Bool) {
        guard rtt > .zero else { return }
        probeCount += 1
        if probeJitter * Double(probeMultiplier) * estimatedLimit <= Double(probeCount) {
            probeJitter = nextJitter()
            probeCount = 0
            rttNoLoad = rtt
            return
        }
        guard let noLoad = rttNoLoad, rtt >= noLoad else {
            rttNoLoad = rtt
            return
        }
        let ratio = noLoad.secondsValue / rtt.secondsValue
        let queue = Int((estimatedLimit * (1 - ratio)).rounded(.up))
        let current = Int(estimatedLimit)
        let log = Self.log10(current)
        var next: Double
        if didDrop {
            next = estimatedLimit - Double(log)
        } else if Double(inflight) * 2 < estimatedLimit {
            return
        } else if queue <= log {
            next = estimatedLimit + Double(6 * log)
        } else if queue < 3 * log {
            next = estimatedLimit + Double(log)
        } else if queue > 6 * log {
            next = estimatedLimit - Double(log)
        } else {
            return
        }
        next = Swift.max(1, Swift.min(Double(maxLimit), next))
        estimatedLimit = (1 - smoothing) * estimatedLimit + smoothing * next
    }

    /// α for the current limit: 3·log₁₀L.
    public var alpha: Int { 3 * Self.log10(limit) }
    /// β for the current limit: 6·log₁₀L.
    public var beta: Int { 6 * Self.log10(limit) }

    /// ⌊log₁₀ n⌋, at least 1 (Netflix's `Log10RootFunction`).
    static func log10(_ n: Int) -> Int {
        var value = n, digits = 0
        while value >= 10 {
            value /= 10
            digits += 1
        }
        return Swift.max(1, digits)
    }

    private mutating func nextJitter() -> Double {
        Double.random(in: 0.5..<1, using: &random)
    }
}

extension VegasLimit: Sendable where Random: Sendable {}

extension VegasLimit where Random == SystemRandomNumberGenerator {
    /// A Vegas limit drawing its probe jitter from the system generator (for servers;
    /// simulations pass a seeded generator).
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(initialLimit: Int = 20, maxLimit: Int = 1000, smoothing: Double = 1, probeMultiplier: Int = 30) throws(ConfigurationError) {
        try self.init(initialLimit: initialLimit, maxLimit: maxLimit, smoothing: smoothing,
                  probeMultiplier: probeMultiplier, random: SystemRandomNumberGenerator())
    }
}
