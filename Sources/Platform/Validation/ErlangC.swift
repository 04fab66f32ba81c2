/// The exact steady-state figures of an M/M/c queue (Erlang C), used to check the
/// simulator against theory.
public struct ErlangC: Sendable, Equatable {
    /// Servers.
    public let servers: Int
    /// Arrival rate λ, per second.
    public let arrivalRate: Double
    /// Service rate μ of one server, per second.
    public let serviceRate: Double

    /// An M/M/c queue with `servers` servers, arrival rate λ and service rate μ (per second).
    public init(servers: Int, arrivalRate: Double, serviceRate: Double) {
        self.servers = servers
        self.arrivalRate = arrivalRate
        self.serviceRate = serviceRate
    }

    /// Offered load A = λ/μ, in Erlangs.
    public var offeredLoad: Double { arrivalRate / serviceRate }
    /// Utilisation ρ = A/c; the queue is stable only when ρ < 1.
    public var utilisation: Double { offeredLoad / Double(servers) }
    /// Whether the queue has a steady state.
    public var isStable: Bool { utilisation < 1 }

    /// P(wait > 0): the probability an arrival finds every server busy.
    ///
    /// Computed through Erlang B's recursion, B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)),
    /// then C = c·B / (c − A·(1 − B)). Every step stays in [0, 1], so it is exact to a
    /// few ulps at any size — summing A^k/k! in doubles overflows past about 710 Erlangs
    /// (and reports P(wait) = 0, then NaN). O(c) steps.
    public var probabilityOfWaiting: Double {
        precondition(isStable, "an unstable M/M/c queue (ρ ≥ 1) has no steady state")
        let a = offeredLoad, c = Double(servers)
        var blocking = 1.0
        for k in 1...servers {
            blocking = a * blocking / (Double(k) + a * blocking)
        }
        return c * blocking / (c - a * (1 - blocking))
    }

    /// Mean wait in queue, Wq = P(wait) / (cμ − λ), seconds.
    public var meanWait: Double { probabilityOfWaiting / (Double(servers) * serviceRate - arrivalRate) }
    /// Mean time in system, W = Wq + 1/μ, seconds.
    public var meanSojourn: Double { meanWait + 1 / serviceRate }
    /// Mean number waiting, Lq = λ·Wq.
    public var meanQueueLength: Double { arrivalRate * meanWait }
    /// Mean number in system, L = λ·W (Little's law).
    public var meanInSystem: Double { arrivalRate * meanSojourn }
}
