/// How much work a world may hold at once (`limits`): a guard that turns a world growing
/// without bound (one worker, 10,000 customers a second, an unbounded queue) into a run
/// that stops with reason `budget`, names what grew and writes its results so far,
/// instead of a process killed by a failed allocation.
public struct LimitsSpec: Sendable, Equatable {
    /// The most requests one service instance may hold waiting in its queue, and the
    /// most tasks (customers, handlers, workers) the world may have alive at once.
    /// The default, 2,000,000, keeps a run within a few gigabytes of memory.
    public var maxInFlight: Int

    /// Limits with the given bound.
    public init(maxInFlight: Int = LimitsSpec.defaultMaxInFlight) {
        self.maxInFlight = maxInFlight
    }

    /// The default bound on work in flight.
    public static let defaultMaxInFlight = 2_000_000
}

extension LimitsSpec {
    /// Reads the `limits` object.
    static let reader = ValueReader<LimitsSpec>.object { o in
        LimitsSpec(maxInFlight: o.optional("max_in_flight", .integer(in: 1...1_000_000_000), default: LimitsSpec.defaultMaxInFlight))
    }
}
