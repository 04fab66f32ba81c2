import Resilience
import SimKernel
import World

/// The service registry: instances register by heartbeat; a registration expires when
/// no heartbeat renews it for `ttl`. Until then a crashed instance is still listed and
/// keeps receiving calls — the failover delay the documents describe (5 s to 30 s),
/// measured from each crash to the expiry of the dead instance's registration
/// (`registry.failover`).
///
/// Two registries, by world:
/// - **free** (no `registry.workers`, the default): a heartbeat renews its registration
///   the instant it is sent, whatever the number of instances;
/// - **a server** (`registry.workers`): each heartbeat crosses the network and waits for
///   one of the registry's workers (a ``WorkerPoolCore`` with the backlog
///   `registry.queue`; a full backlog refuses it), and renews the registration when a
///   worker has processed it. A heartbeat processed after its registration expired is
///   answered "unknown" and the instance registers again at once (as a Eureka client
///   does on a 404), a heavier request through the same queue; until that registration
///   is processed the healthy instance is not listed and callers cannot reach it. Past
///   the registry's capacity, heartbeats queue and are refused, healthy registrations
///   expire, and their re-registrations add load: the heartbeat storm of the documents.
///
/// The registry keeps each instance's client side too (when it beats next, whether it
/// must register): that is a few lines of the instance's registry client, kept beside the
/// server it talks to.
///
/// ```swift
/// registry.heartbeat("order#0")                       // the instance's periodic beat
/// let listed = registry.isListed("order#0")           // what callers' balancers see
/// ```
///
/// World-confined: only the world's thread touches it.
final class Registry: SimEventHandler, @unchecked Sendable {
    /// A request to the registry server.
    private struct Message {
        enum Kind { case heartbeat, registration }
        var kind: Kind
        /// The instance's index in ``names``.
        var instance: Int
        /// When the instance sent it.
        var sentAt: Int64
        /// Work it costs the registry (drawn when sent: common random numbers).
        var work: Int64
    }

    private enum Event: Int32 {
        /// A message reaches the registry.
        case arrival
        /// A worker has processed a message.
        case processed
        /// The registration of a crashed instance may have expired.
        case failoverCheck
    }

    private let sim: Simulation
    let spec: RegistrySpec
    private let draws: RandomDraws
    private let networkLatency: Distribution

    /// Instance names by index, and the index of each name.
    private var names: [String] = []
    private var indices: [String: Int] = [:]
    /// When each registration was last renewed; nil: not registered (never, or expired
    /// and found so by the server).
    private var renewed: [Int64?] = []
    /// Client side: the instance must register (its registration was found expired, or
    /// it restarted) before its heartbeats count again.
    private var mustRegister: [Bool] = []
    /// Client side: messages sent so far (keys of their random draws).
    private var sent: [UInt64] = []
    /// Client side: heartbeat intervals drawn so far (keys of the jitter draws), and
    /// whether the next is the first of a life (staggered over a whole interval).
    private var beats: [UInt64] = []
    private var firstBeat: [Bool] = []
    /// When each instance crashed (nil while it is up), and its crashes so far (a
    /// failover check belongs to one crash).
    private var crashedAt: [Int64?] = []
    private var crashes: [Int64] = []
    /// Changes whenever an instance may have become listed (a registration renewed after
    /// it lapsed, or set or cleared): a listing otherwise only ends by time passing, so a
    /// caller's list of listed instances stays right, without asking again per call,
    /// while this is unchanged and no listed registration has expired (see ``listing(_:)``).
    private(set) var listingsVersion: UInt64 = 0

    /// The server (nil: a free registry).
    private var server: WorkerPoolCore<Int64, VirtualClock.Instant>?
    /// Messages travelling to the server, waiting in it or being processed, by id.
    private var messages: [Int64: Message] = [:]
    private var nextMessage: Int64 = 0
    private let serverMetrics: ServerMetrics?

    /// The server's metrics (only a world with a registry server has them).
    private struct ServerMetrics {
        let renewals: CounterMetric
        let delay: HistogramMetric
        let refused: CounterMetric
        let expired: CounterMetric
        let registrations: CounterMetric
        let queued: GaugeMetric

        init(_ metrics: Metrics) {
            renewals = metrics.counter("registry.heartbeats")
            delay = metrics.histogram("registry.heartbeat.delay")
            refused = metrics.counter("registry.refused")
            expired = metrics.counter("registry.expired")
            registrations = metrics.counter("registry.registrations")
            queued = metrics.gauge("registry.queued")
        }
    }

    init(sim: Simulation, spec: RegistrySpec, draws: RandomDraws, networkLatency: Distribution) {
        self.sim = sim
        self.spec = spec
        self.draws = draws
        self.networkLatency = networkLatency
        if let serverSpec = spec.server {
            let configuration = sim.configured("the registry server's worker pool", { () throws(ConfigurationError) in
                try WorkerPoolConfiguration(workers: serverSpec.workers, queueCapacity: serverSpec.queueCapacity)
            }, fallback: { try! WorkerPoolConfiguration(workers: 1) }) // `try!`: one worker is valid.
            server = WorkerPoolCore(configuration, at: VirtualClock.Instant(nanoseconds: sim.executor.now))
            serverMetrics = ServerMetrics(sim.metrics)
        } else {
            serverMetrics = nil
        }
    }

    /// The index of `instance`, adding it on first sight.
    private func index(of instance: String) -> Int {
        if let index = indices[instance] { return index }
        let index = names.count
        names.append(instance)
        indices[instance] = index
        renewed.append(nil)
        mustRegister.append(false)
        sent.append(0)
        beats.append(0)
        firstBeat.append(true)
        crashedAt.append(nil)
        crashes.append(0)
        return index
    }

    // MARK: The instances' side

    /// A heartbeat from `instance` now (also sent when it boots). An instance the world
    /// starts with is registered from the start; one restarting after a crash registers.
    func heartbeat(_ instance: String) {
        let i = index(of: instance)
        let restarted = crashedAt[i] != nil
        crashedAt[i] = nil
        guard server != nil else {
            renew(i)
            return
        }
        if renewed[i] == nil, sent[i] == 0, !restarted {
            // Registered before the world started.
            renew(i)
            return
        }
        if restarted {
            mustRegister[i] = true
            firstBeat[i] = true
        }
        send(mustRegister[i] ? .registration : .heartbeat, from: i, after: 0)
    }

    /// How long `instance` waits before its next heartbeat: `heartbeat`, spread by
    /// `jitter` (a draw keyed by the instance and its beat, so it does not depend on
    /// what else happens meanwhile). With jitter, the first beat of a life is staggered
    /// uniformly over one interval (as Consul staggers a new check), so instances that
    /// boot together do not beat in step.
    func heartbeatInterval(for instance: String) -> Int64 {
        let interval = spec.heartbeat.nanoseconds
        guard spec.jitter > 0 else { return interval }
        let i = index(of: instance)
        beats[i] &+= 1
        var stream = draws.stream(.registry, key: StableHash.combine(StableHash.of(instance), beats[i] | 1 << 40))
        let unit = stream.nextUnit()
        let factor = firstBeat[i] ? 1 - unit : 1 + spec.jitter * (2 * unit - 1)
        firstBeat[i] = false
        return max(1, Int64((Double(interval) * factor).rounded()))
    }

    /// `instance` crashed now: it beats no more; its registration lives until it expires
    /// (or the instance restarts), and the time until then is the failover time.
    func crashed(_ instance: String) {
        let i = index(of: instance)
        let now = sim.executor.now
        crashedAt[i] = now
        crashes[i] += 1
        // Already expired: callers had stopped sending to it before it died.
        guard let last = renewed[i], now - last <= spec.ttl.nanoseconds else { return }
        scheduleFailoverCheck(i, after: last)
    }

    /// Whether `instance` is listed now.
    func isListed(_ instance: String) -> Bool {
        guard let i = indices[instance] else { return false }
        return isListed(i, at: sim.executor.now)
    }

    /// The registry's index of `instance`, for ``listing(_:)`` (stable for the run).
    func registryIndex(of instance: String) -> Int { index(of: instance) }

    /// Which of `instances` (registry indices) are listed now, as positions in
    /// `instances`, and the last instant at which that answer certainly still holds if
    /// ``listingsVersion`` does not change: the earliest expiry among them (`Int64.max`
    /// when none is listed). A balancer keeps the answer until then instead of asking
    /// per call, so picking an instance does not cost a look at every instance.
    func listing(_ instances: [Int]) -> (listed: [Int], validUntil: Int64) {
        let now = sim.executor.now
        var listed: [Int] = []
        var validUntil = Int64.max
        for (position, i) in instances.enumerated() where isListed(i, at: now) {
            listed.append(position)
            validUntil = min(validUntil, renewed[i]! &+ spec.ttl.nanoseconds)
        }
        return (listed, validUntil)
    }

    private func isListed(_ i: Int, at now: Int64) -> Bool {
        guard let last = renewed[i] else { return false }
        return now - last <= spec.ttl.nanoseconds
    }

    /// Renews instance `i`'s registration now; a renewal of a listed instance only
    /// extends its listing, anything else may change who is listed.
    private func renew(_ i: Int) {
        if !isListed(i, at: sim.executor.now) { listingsVersion &+= 1 }
        renewed[i] = sim.executor.now
    }

    // MARK: The server

    /// Sends a message from instance `i`, leaving it `after` nanoseconds from now: it
    /// reaches the registry one network delay later, with its work drawn.
    private func send(_ kind: Message.Kind, from i: Int, after delay: Int64) {
        guard let serverSpec = spec.server else { return }
        sent[i] &+= 1
        var stream = draws.stream(.registry, key: StableHash.combine(StableHash.of(names[i]), sent[i]))
        let travel = networkLatency.sampleNanoseconds(&stream)
        let work = (kind == .heartbeat ? serverSpec.heartbeatWork : serverSpec.registrationWork).sampleNanoseconds(&stream)
        let now = sim.executor.now
        nextMessage += 1
        messages[nextMessage] = Message(kind: kind, instance: i, sentAt: now &+ delay, work: work)
        sim.executor.schedule(at: now &+ delay &+ travel, self, SimEvent(Event.arrival.rawValue, nextMessage),
                              background: true)
    }

    func handle(_ event: SimEvent) {
        switch Event(rawValue: event.code)! {
        case .arrival: arrive(event.value)
        case .processed: processed(event.value)
        case .failoverCheck: checkFailover(Int(event.value & 0xffff_ffff), crash: event.value >> 32)
        }
    }

    private var now: VirtualClock.Instant { VirtualClock.Instant(nanoseconds: sim.executor.now) }

    private func arrive(_ id: Int64) {
        guard server != nil else { return }
        switch server!.offer(id, at: now) {
        case .start(let id, _):
            startWork(id)
        case .queued:
            serverMetrics?.queued.set(Double(server!.queued))
        case .rejected(let id):
            // The client sees an error and beats again at its next interval (a refused
            // registration is sent again then, since it still must register).
            messages[id] = nil
            serverMetrics?.refused.add()
        }
    }

    private func startWork(_ id: Int64) {
        let work = messages[id]?.work ?? 0
        sim.executor.schedule(at: sim.executor.now &+ work, self, SimEvent(Event.processed.rawValue, id),
                              background: true)
    }

    private func processed(_ id: Int64) {
        if let message = messages.removeValue(forKey: id) { apply(message) }
        if let next = server!.finish(at: now) { startWork(next) }
        serverMetrics?.queued.set(Double(server!.queued))
    }

    /// The registry's answer to one message, at the instant a worker finished it.
    private func apply(_ message: Message) {
        let i = message.instance
        let current = sim.executor.now
        switch message.kind {
        case .registration:
            renew(i)
            mustRegister[i] = false
            serverMetrics?.registrations.add()
        case .heartbeat:
            if let last = renewed[i], current - last <= spec.ttl.nanoseconds {
                renew(i)
                serverMetrics?.renewals.add()
                serverMetrics?.delay.record(current - message.sentAt)
                return
            }
            // Unknown: the registration expired (or was never there). A live instance
            // learns it from the reply and registers again at once.
            renewed[i] = nil
            listingsVersion &+= 1
            guard crashedAt[i] == nil, !mustRegister[i] else { return }
            serverMetrics?.expired.add()
            mustRegister[i] = true
            var stream = draws.stream(.registry, key: StableHash.combine(StableHash.of(names[i]), sent[i] | 1 << 41))
            send(.registration, from: i, after: networkLatency.sampleNanoseconds(&stream))
        }
    }

    // MARK: Failover

    /// Checks just after the registration of crashed instance `i`, renewed at `last`,
    /// would expire.
    private func scheduleFailoverCheck(_ i: Int, after last: Int64) {
        sim.executor.schedule(at: last &+ spec.ttl.nanoseconds &+ 1, self,
                              SimEvent(Event.failoverCheck.rawValue, Int64(i) | crashes[i] << 32), background: true)
    }

    /// Records the failover time of crashed instance `i` once its registration expired;
    /// looks again later if a heartbeat sent before the crash renewed it meanwhile.
    private func checkFailover(_ i: Int, crash number: Int64) {
        // Restarted meanwhile (and perhaps crashed again: that crash has its own check).
        guard let crash = crashedAt[i], crashes[i] == number else { return }
        if let last = renewed[i], sim.executor.now - last <= spec.ttl.nanoseconds {
            scheduleFailoverCheck(i, after: last)
            return
        }
        let expiry = renewed[i].map { $0 &+ spec.ttl.nanoseconds &+ 1 } ?? sim.executor.now
        sim.metrics.histogram(Self.failoverName).record(max(0, expiry - crash))
    }
}

extension Registry {
    /// The histogram of failover times, made at the first crash whose registration
    /// expires (declared when the registry is built).
    static let failoverName = "registry.failover"
}
