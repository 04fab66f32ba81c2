/// The timing rules ``LockClient`` and ``Redlock`` share: how far a client trusts a grant
/// (the drift allowance) and which retry timings make sense. One definition, so the single
/// store and the quorum cannot come to disagree on what a valid lease or configuration is.
enum LockTiming {
    /// What a client takes off a lease of `ttl` for clock drift between itself and the
    /// store: `ttl·driftFactor + minimumDrift` (Redlock's 1 % + 2 ms by default).
    static func drift(ttl: Duration, driftFactor: Double, minimumDrift: Duration) -> Duration {
        ttl * driftFactor + minimumDrift
    }
}

extension ConfigurationCheck {
    /// Throws for the first invalid retry timing: `maxWait >= 0`, `initialDelay > 0`,
    /// `maxDelay >= initialDelay`.
    func requireLockRetry(maxWait: Duration, initialDelay: Duration, maxDelay: Duration) throws(ConfigurationError) {
        try require(maxWait >= .zero, "maxWait", ">= 0", maxWait)
        try require(initialDelay > .zero, "initialDelay", "> 0", initialDelay)
        try require(maxDelay >= initialDelay, "maxDelay", ">= initialDelay (\(initialDelay))", maxDelay)
    }

    /// Throws for the first invalid drift allowance: a finite `driftFactor >= 0`,
    /// `minimumDrift >= 0`, and an allowance that leaves a lease of `ttl` some validity.
    func requireLockDrift(ttl: Duration, driftFactor: Double, minimumDrift: Duration) throws(ConfigurationError) {
        try require(driftFactor >= 0 && driftFactor.isFinite, "driftFactor", "finite and >= 0", driftFactor)
        try require(minimumDrift >= .zero, "minimumDrift", ">= 0", minimumDrift)
        let drift = LockTiming.drift(ttl: ttl, driftFactor: driftFactor, minimumDrift: minimumDrift)
        try require(drift < ttl, "ttl", "> the drift allowance (\(drift)), or no validity is left", ttl)
    }
}
