import SimKernel
import World

/// The DNS lookup in front of external dependencies: each calling service keeps a
/// resolver cache (nscd, systemd-resolved); a fresh answer costs nothing, a stale one a
/// lookup the call waits for. Calls that find a lookup under way wait for the same one
/// (a caching resolver coalesces them). `slowdown` and `latency` faults on "dns" stretch
/// lookups — the incident where calls time out now and then, traced to a slow lookup.
///
/// ```swift
/// let wait = resolver.resolve(from: "payment", host: "payment_gateway") // ns to wait
/// ```
///
/// World-confined: only the world's thread touches it.
final class NameResolver: @unchecked Sendable {
    private struct Entry {
        /// When the lookup under way answers.
        var answersAt: Int64
        /// When the answer goes stale.
        var expiresAt: Int64
    }

    private let sim: Simulation
    private let spec: DNSSpec
    private let draws: RandomDraws
    private unowned(unsafe) let faults: FaultState
    /// Cached answers, by calling service and host.
    private var cache: [String: [String: Entry]] = [:]
    private let lookups: CounterMetric
    private let lookupTime: HistogramMetric

    init(sim: Simulation, spec: DNSSpec, draws: RandomDraws, faults: FaultState) {
        self.sim = sim
        self.spec = spec
        self.draws = draws
        self.faults = faults
        lookups = sim.metrics.counter("dns.lookups")
        lookupTime = sim.metrics.histogram("dns.lookup")
    }

    /// How long a call from `service` to `host` waits for its address now (0 when the
    /// service's cache has a fresh answer); starts a lookup when it has none.
    func resolve(from service: String, host: String) -> Int64 {
        let now = sim.executor.now
        if let entry = cache[service]?[host], now < entry.expiresAt {
            return max(0, entry.answersAt - now)
        }
        let time = Double(draws.sample(spec.lookup, for: .dns)) * faults.slowdown("dns")
        let lookup = Int64(saturating: time) &+ faults.extraLatency("dns")
        lookups.add()
        lookupTime.record(lookup)
        let answersAt = now &+ lookup
        cache[service, default: [:]][host] = Entry(answersAt: answersAt, expiresAt: answersAt &+ spec.ttl.nanoseconds)
        return lookup
    }
}
