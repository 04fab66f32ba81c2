import SimKernel
import World

/// Something calls can be sent to: a service instance or an external dependency.
protocol Endpoint: AnyObject, Sendable {
    /// The service (or dependency) it belongs to, for partitions.
    nonisolated var service: String { get }
    /// Its name in the trace ("order#0", "payment_gateway").
    nonisolated var traceName: TraceName { get }
    /// Takes delivery of a request (on the world's thread, inside the run loop).
    nonisolated func deliver(_ envelope: Envelope)
}

/// A request on its way to an instance, or being served there.
struct Envelope: Sendable {
    /// Unique per call.
    var id: UInt64
    /// The call's identity for random draws (common random numbers): derived from the
    /// work that sent it, not from the order calls happen in (see ``RandomDraws``).
    var key: UInt64
    /// The calling service's name ("customer" for the app), for partitions and metrics.
    var from: String
    var call: Call
    /// When the caller gives up (virtual nanoseconds): its timeout or the deadline it
    /// inherited, whichever is sooner; nil when it waits forever. The callee sheds the
    /// call if no worker took it by then, and its own calls honour it.
    var deadline: Int64?
}

/// The simulated network: one-way delays, partitions, and the calls waiting for replies.
///
/// A call is a message to an instance and a reply back, each delayed by the network's
/// latency. The caller waits on a continuation with a timeout scheduled on the world's
/// timer queue (no task per call); a reply that arrives after the timeout is dropped, as
/// a late TCP response to an abandoned request is. A message across a partition, or to
/// an instance that has crashed, is simply never answered: the caller's timeout decides.
///
/// World-confined: only the world's thread touches it.
final class Network: SimEventHandler, @unchecked Sendable {
    private struct Pending {
        var continuation: UnsafeContinuation<Result<Reply, Failure>, Never>
        var timeout: TimerHandle?
        /// The call's key (for the reply's delay).
        var key: UInt64
    }

    private enum Event: Int32 {
        case request, reply, timeout
    }

    private let sim: Simulation
    private let traceNames: TraceVocabulary
    private let latency: Distribution
    private let draws: RandomDraws
    private var nextID: UInt64 = 0
    /// Calls sent outside keyed work, per sending service (their keys).
    private var unkeyedCalls: [String: UInt64] = [:]
    private var pending: [UInt64: Pending] = [:]
    private var travellingRequests: [UInt64: (Envelope, any Endpoint)] = [:]
    private var travellingReplies: [UInt64: Result<Reply, Failure>] = [:]
    /// Severed links, as sorted name pairs.
    private var partitions: [String: Int] = [:]

    /// The DNS lookup in front of external dependencies (nil: none).
    private let resolver: NameResolver?

    init(sim: Simulation, latency: Distribution, draws: RandomDraws, faults: FaultState, dns: DNSSpec?) {
        self.sim = sim
        traceNames = sim.traceNames
        self.latency = latency
        self.draws = draws
        resolver = dns.map { NameResolver(sim: sim, spec: $0, draws: draws, faults: faults) }
    }

    /// The one-way delay of message `key` in direction `purpose` (request or reply): a
    /// draw keyed by the message, so it is the same whatever else travels meanwhile.
    private func delay(_ purpose: RandomDraws.Purpose, _ key: UInt64) -> Int64 {
        if case .constant = latency { return latency.sampleNanoseconds(&unused) }
        var stream = draws.stream(purpose, key: key)
        return latency.sampleNanoseconds(&stream)
    }
    /// Never drawn from (a constant distribution takes no draws).
    private var unused = RandomStream(rawSeed: 0)

    /// The key of a message from `from` to `to`: the next message to `to` of the work the
    /// sending task is doing, or (outside keyed work) the sender's next unkeyed message.
    private func messageKey(from: String, to: String, origin: WorkOrigin?) -> UInt64 {
        let destination = StableHash.of(to)
        if let origin { return origin.next(destination) }
        let count = unkeyedCalls[from, default: 0]
        unkeyedCalls[from] = count + 1
        return StableHash.combine(StableHash.combine(StableHash.of(from), destination), count)
    }

    private static func link(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    /// Cuts in force (the hot paths skip the lookup when there are none).
    private var cuts = 0

    /// Whether any link is cut now: asked first by checks that must learn who is calling
    /// (a task-local read) before they can ask ``isPartitioned(_:_:)``.
    var hasCuts: Bool { cuts > 0 }

    /// Cuts (or, with `false`, restores) the link between two services. Cuts nest.
    func partition(_ a: String, _ b: String, _ cut: Bool) {
        partitions[Self.link(a, b), default: 0] += cut ? 1 : -1
        cuts += cut ? 1 : -1
    }

    func isPartitioned(_ a: String, _ b: String) -> Bool {
        cuts > 0 && (partitions[Self.link(a, b)] ?? 0) > 0
    }

    /// Sends `call` from service `from` to `instance` and waits for the reply, at most
    /// `timeout` (nil: forever); the request carries the instant the caller gives up.
    ///
    /// Never inlined: ``CallRouter/send(from:to:_:timeout:)`` calls it from two places, and
    /// inlined into both it took that function's frame to 1,120 bytes, past the 984 a
    /// slab of the task allocator holds. Such a frame gets a slab of its own, allocated
    /// with `malloc` in every task that makes a call (each customer, each report of a
    /// rider or merchant) and kept for the task's life. Out of line, `send` needs 464
    /// bytes and this function 336, and the whole call path packs into ordinary slabs:
    /// measured at ×100, 8% less peak memory and about 4% less CPU for the same run
    /// (`scripts/async-frames` lists a build's frames).
    @inline(never)
    func call(from: String, to instance: any Endpoint, _ call: Call, timeout: Duration?) async -> Result<Reply, Failure> {
        nextID += 1
        let id = nextID
        // Read once: a task-local read walks the task's bindings, and in a big world they
        // are far from cached.
        let origin = WorkOrigin.current
        let envelope = Envelope(id: id, key: messageKey(from: from, to: instance.service, origin: origin), from: from,
                                call: call, deadline: timeout.map { sim.executor.now &+ $0.nanoseconds })
        // Linked to the call its sender is serving: the trace's flow from caller to callee.
        sim.trace.record(traceNames.call, instance.traceName, Int64(id), Int64(origin?.call ?? 0),
                         detail: traceNames.label(call))
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Reply, Failure>, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: .failure(.deadline))
                    return
                }
                var entry = Pending(continuation: continuation, timeout: nil, key: envelope.key)
                if let timeout {
                    entry.timeout = sim.executor.schedule(
                        at: sim.executor.now &+ timeout.nanoseconds, self, SimEvent(Event.timeout.rawValue, Int64(id)))
                }
                pending[id] = entry
                if !isPartitioned(from, instance.service) {
                    travellingRequests[id] = (envelope, instance)
                    // An external dependency is called by host name: its address first.
                    let lookup = instance is ExternalDependency ? resolver?.resolve(from: from, host: instance.service) ?? 0 : 0
                    sim.executor.schedule(at: sim.executor.now &+ lookup &+ delay(.request, envelope.key), self,
                                          SimEvent(Event.request.rawValue, Int64(id)))
                }
            }
        } onCancel: { [self] in
            // The caller gave up (its own deadline, or the world is shutting down).
            resolve(id, .failure(.deadline))
        }
    }

    /// An instance answers call `id` (from service `to`) with `result`.
    func reply(_ id: UInt64, from service: String, to caller: String, _ result: Result<Reply, Failure>) {
        guard let entry = pending[id], !isPartitioned(service, caller) else { return }
        travellingReplies[id] = result
        // The waiting task resumes when the reply lands, a network delay (dozens of
        // steps) from now; in a big world it has gone cold meanwhile. Its header (flags,
        // status, where to resume) starts loading now (see ``Prefetch``).
        Prefetch.task(resumedBy: entry.continuation)
        sim.executor.schedule(at: sim.executor.now &+ delay(.reply, entry.key), self, SimEvent(Event.reply.rawValue, Int64(id)))
    }

    /// One command from service `from` to infrastructure `to` (the lock server, the cache,
    /// the broker) and its reply, in the calling task: the command travels `there`
    /// nanoseconds, `serve` runs at the server (nil: the server is down and never
    /// answers), the reply travels `back`. A partition in either direction, a server that
    /// is down, or a reply later than `timeout` all end as "no reply" (nil) at the
    /// timeout, as a client's socket timeout would.
    ///
    /// A cancelled caller gets nil at once, unless `deliverWhenCancelled` (a lock's
    /// release, the cleanup a cancelled task still sends): its command then still travels
    /// and runs, without waiting for a reply.
    func exchange<T: Sendable>(from: String, to: String, timeout: Duration, there: Int64, back: Int64,
                               deliverWhenCancelled: Bool = false, _ serve: () async -> T?) async -> T? {
        let deadline = sim.executor.now &+ timeout.nanoseconds
        if Task.isCancelled {
            guard deliverWhenCancelled, !isPartitioned(from, to) else { return nil }
            return await serve()
        }
        func giveUp() async -> T? {
            try? await sim.clock.sleep(until: .init(nanoseconds: deadline))
            return nil
        }
        guard !isPartitioned(from, to), sim.executor.now &+ there <= deadline else { return await giveUp() }
        if there > 0 {
            do { try await sim.clock.sleep(for: .nanoseconds(there)) } catch {
                return deliverWhenCancelled ? await serve() : nil
            }
        }
        guard let result = await serve() else { return await giveUp() }
        guard !isPartitioned(from, to), sim.executor.now &+ back <= deadline else { return await giveUp() }
        if back > 0 { try? await sim.clock.sleep(for: .nanoseconds(back)) }
        return result
    }

    func handle(_ event: SimEvent) {
        let id = UInt64(event.value)
        switch Event(rawValue: event.code)! {
        case .request:
            guard let (envelope, instance) = travellingRequests.removeValue(forKey: id) else { return }
            // A caller that already gave up still sends its bytes: the server works anyway.
            instance.deliver(envelope)
        case .reply:
            guard let result = travellingReplies.removeValue(forKey: id) else { return }
            resolve(id, result)
        case .timeout:
            if let entry = pending.removeValue(forKey: id) {
                entry.continuation.resume(returning: .failure(.deadline))
            }
        }
    }

    private func resolve(_ id: UInt64, _ result: Result<Reply, Failure>) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        // Its header was asked for when the reply left; its frame, where the reply is
        // written and the caller goes on, is asked for now, before the timeout's cancel.
        Prefetch.frame(resumedBy: entry.continuation)
        if let timeout = entry.timeout { sim.executor.cancel(timeout) }
        entry.continuation.resume(returning: result)
    }

    /// Calls waiting for a reply now.
    var waitingCalls: Int { pending.count }
}
