import SimKernel
import World

/// The DNS lookup in front of external dependencies: each calling service keeps a
/// resolver cache (nscd, systemd-resolved); a fresh answer costs nothing, a stale one a
/// lookup the call waits for. Calls that find a lookup under way wait for the same one
/// (a caching resolver coalesces them). `slowdown` and `latency` faults on "dns" stretch
/// lookups — the incident where calls time out now and then, traced to a slow lookup.
///
/// With `stale_while_revalidate` (RFC 8767 "serve stale", Unbound's `serve-expired`), an
/// answer past its TTL but within that window is served at once while one lookup in the
/// background refreshes it: a slow lookup then delays nobody but the cold start. (The
/// library's `TTLCache` drops an entry at its expiry, which is exactly what serving stale
/// must not do, so the resolver keeps its own two instants per answer.)
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
        /// When the background refresh of a stale answer under way answers (nil: none).
        var refreshAnswersAt: Int64?
    }

    private let sim: Simulation
    private let spec: DNSSpec
    private let draws: RandomDraws
    private unowned(unsafe) let faults: FaultState
    /// Cached answers, by calling service and host.
    private var cache: [String: [String: Entry]] = [:]
    private let lookups: CounterMetric
    private let lookupTime: HistogramMetric
    /// Time calls waited for an address (only calls that waited).
    private let waits: HistogramMetric
    /// Stale answers served while a refresh runs (nil without serving stale).
    private let staleServed: CounterMetric?

    init(sim: Simulation, spec: DNSSpec, draws: RandomDraws, faults: FaultState) {
        self.sim = sim
        self.spec = spec
        self.draws = draws
        self.faults = faults
        lookups = sim.metrics.counter("dns.lookups")
        lookupTime = sim.metrics.histogram("dns.lookup")
        waits = sim.metrics.histogram("dns.wait")
        staleServed = spec.staleWhileRevalidate > .zero ? sim.metrics.counter("dns.stale") : nil
    }

    /// How long a call from `service` to `host` waits for its address now (0 when the
    /// service's cache has a fresh answer, or a stale one it may serve); starts a lookup
    /// when it has none, or a background refresh of a stale answer.
    func resolve(from service: String, host: String) -> Int64 {
        let now = sim.executor.now
        if var entry = cache[service]?[host] {
            if let refreshed = entry.refreshAnswersAt, now >= refreshed {
                entry = Entry(answersAt: refreshed, expiresAt: refreshed &+ spec.ttl.nanoseconds)
                cache[service]![host] = entry
            }
            if now < entry.expiresAt {
                let wait = max(0, entry.answersAt - now)
                if wait > 0 { waits.record(wait) }
                return wait
            }
            if let staleServed, now < entry.expiresAt &+ spec.staleWhileRevalidate.nanoseconds {
                if entry.refreshAnswersAt == nil {
                    entry.refreshAnswersAt = now &+ lookup()
                    cache[service]![host] = entry
                }
                staleServed.add()
                return 0
            }
        }
        let time = lookup()
        let answersAt = now &+ time
        cache[service, default: [:]][host] = Entry(answersAt: answersAt, expiresAt: answersAt &+ spec.ttl.nanoseconds)
        if time > 0 { waits.record(time) }
        return time
    }

    /// Draws one lookup's time (stretched by faults on "dns") and counts it.
    private func lookup() -> Int64 {
        let time = Double(draws.sample(spec.lookup, for: .dns)) * faults.slowdown("dns")
        let lookup = Int64(saturating: time) &+ faults.extraLatency("dns")
        lookups.add()
        lookupTime.record(lookup)
        return lookup
    }
}
