/// Probabilistic early refresh ("XFetch", Vattani, Chierichetti and Lowenstein, *Optimal
/// Probabilistic Cache Stampede Prevention*, VLDB 2015): each reader of a live entry
/// decides on its own, at random, to recompute it a little before it expires, with a
/// probability that rises as the expiry approaches and with the cost of recomputing.
///
/// A reader refreshes when `now − δ·β·ln(U) ≥ expiry`, with `δ` the time the last
/// recomputation took, `β` the eagerness (1 is the paper's recommended value; larger
/// refreshes earlier) and `U` uniform in (0, 1]. At a time `g` before expiry, one reader
/// refreshes with probability `exp(−g / (δ·β))`, so in a stream of readers one of them
/// usually refreshes shortly before the expiry and the others keep hitting: the hot key
/// never expires under load, and no lock is needed.
///
/// A pure decision: the random draw comes from the caller's generator.
public struct EarlyRefresh: Sendable, Equatable {
    /// Eagerness β (≥ 0; 0 never refreshes early, 1 is XFetch's recommended value).
    public var beta: Double

    /// An early refresh with eagerness `beta` (default 1; negative values count as 0).
    public init(beta: Double = 1) {
        self.beta = beta.isNaN ? 0 : Swift.max(beta, 0)
    }

    /// Whether a reader at `now` should recompute an entry expiring at `expiresAt` whose
    /// last computation took `recomputeTime`. Always true once expired; never true
    /// before expiry when `recomputeTime` or ``beta`` is zero. Draws one number from
    /// `random` only when the answer is not certain.
    public func shouldRefresh<Instant: InstantProtocol>(
        now: Instant, expiresAt: Instant, recomputeTime: Duration,
        using random: inout some RandomNumberGenerator
    ) -> Bool where Instant.Duration == Duration {
        guard now < expiresAt else { return true }
        let scale = recomputeTime.secondsValue * beta
        guard scale > 0 else { return false }
        let gap = (now.duration(to: expiresAt)).secondsValue
        let head = -scale * CacheMath.log(CacheMath.openUnit(using: &random))
        return head >= gap
    }
}
