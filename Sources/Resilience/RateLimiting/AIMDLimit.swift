/// Additive-increase, multiplicative-decrease limit (Netflix's `AIMDLimit`): on a drop
/// or an RTT above `timeout` the limit shrinks to ⌊limit·`backoffRatio`⌋; otherwise, when
/// the limit is actually being used (`inflight·2 ≥ limit`), it grows by one. Always
/// within `minLimit...maxLimit`.
///
/// Defaults are Netflix's: min 20, initial 20, max 200, backoff 0.9, timeout 5 s. Note
/// that with min = initial = 20 a drop at the start changes nothing (⌊18⌋ clamps to 20):
/// the limit must have grown before it can back off.
public struct AIMDLimit: AdaptiveLimitAlgorithm, Sendable, Equatable {
    /// The current limit.
    public private(set) var limit: Int
    /// The lowest the limit goes.
    public let minLimit: Int
    /// The highest the limit goes.
    public let maxLimit: Int
    /// Factor applied on a drop or a slow call, in [0.5, 1).
    public let backoffRatio: Double
    /// An RTT above this counts as a drop.
    public let timeout: Duration

    /// Netflix's defaults unless given: initial 20 (clamped into the bounds), min 20,
    /// max 200 (≥ min ≥ 1), backoff 0.9 (in [0.5, 1)), timeout 5 s.
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter.
    public init(initialLimit: Int = 20, minLimit: Int = 20, maxLimit: Int = 200,
                backoffRatio: Double = 0.9, timeout: Duration = .seconds(5)) throws(ConfigurationError) {
        let check = ConfigurationCheck("AIMDLimit")
        try check.require(minLimit >= 1, "minLimit", ">= 1", minLimit)
        try check.require(maxLimit >= minLimit, "maxLimit", ">= minLimit (\(minLimit))", maxLimit)
        try check.require(backoffRatio >= 0.5 && backoffRatio < 1, "backoffRatio", "in [0.5, 1)", backoffRatio)
        self.minLimit = minLimit
        self.maxLimit = maxLimit
        self.backoffRatio = backoffRatio
        self.timeout = timeout
        limit = Swift.min(maxLimit, Swift.max(minLimit, initialLimit))
    }

    /// Backs off on a drop or an RTT over ``timeout``; grows by one when in use.
    public mutating func update(rtt: Duration, inflight: Int, didDrop: Bool) {
        var next = limit
        if didDrop || rtt > timeout {
            next = Int(Double(limit) * backoffRatio)
        } else if inflight * 2 >= limit {
            next = limit + 1
        }
        limit = Swift.min(maxLimit, Swift.max(minLimit, next))
    }
}
