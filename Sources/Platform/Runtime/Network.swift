import SimKernel

/// Something calls can be sent to: a service instance or an external dependency.
protocol Endpoint: AnyObject, Sendable {
    /// The service (or dependency) it belongs to, for partitions.
    nonisolated var service: String { get }
    /// Takes delivery of a request (on the world's thread, inside the run loop).
    nonisolated func deliver(_ envelope: Envelope)
}

/// A request on its way to an instance, or being served there.
struct Envelope: Sendable {
    /// Unique per call.
    var id: UInt64
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
    }

    private enum Event: Int32 {
        case request, reply, timeout
    }

    private let sim: Simulation
    private let latency: Distribution
    private var random: RandomStream
    private var nextID: UInt64 = 0
    private var pending: [UInt64: Pending] = [:]
    private var travellingRequests: [UInt64: (Envelope, any Endpoint)] = [:]
    private var travellingReplies: [UInt64: Result<Reply, Failure>] = [:]
    /// Severed links, as sorted name pairs.
    private var partitions: [String: Int] = [:]

    init(sim: Simulation, latency: Distribution) {
        self.sim = sim
        self.latency = latency
        random = sim.random("network")
    }

    private func delay() -> Int64 { latency.sampleNanoseconds(&random) }

    private static func link(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    /// Cuts (or, with `false`, restores) the link between two services. Cuts nest.
    func partition(_ a: String, _ b: String, _ cut: Bool) {
        partitions[Self.link(a, b), default: 0] += cut ? 1 : -1
    }

    func isPartitioned(_ a: String, _ b: String) -> Bool {
        (partitions[Self.link(a, b)] ?? 0) > 0
    }

    /// Sends `call` from service `from` to `instance` and waits for the reply, at most
    /// `timeout` (nil: forever); the request carries the instant the caller gives up.
    func call(from: String, to instance: any Endpoint, _ call: Call, timeout: Duration?) async -> Result<Reply, Failure> {
        nextID += 1
        let id = nextID
        let envelope = Envelope(id: id, from: from, call: call, deadline: timeout.map { sim.executor.now &+ $0.nanoseconds })
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Reply, Failure>, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: .failure(.deadline))
                    return
                }
                var entry = Pending(continuation: continuation, timeout: nil)
                if let timeout {
                    entry.timeout = sim.executor.schedule(
                        at: sim.executor.now &+ timeout.nanoseconds, self, SimEvent(Event.timeout.rawValue, Int64(id)))
                }
                pending[id] = entry
                if !isPartitioned(from, instance.service) {
                    travellingRequests[id] = (envelope, instance)
                    sim.executor.schedule(at: sim.executor.now &+ delay(), self, SimEvent(Event.request.rawValue, Int64(id)))
                }
            }
        } onCancel: { [self] in
            // The caller gave up (its own deadline, or the world is shutting down).
            resolve(id, .failure(.deadline))
        }
    }

    /// An instance answers call `id` (from service `to`) with `result`.
    func reply(_ id: UInt64, from service: String, to caller: String, _ result: Result<Reply, Failure>) {
        guard pending[id] != nil, !isPartitioned(service, caller) else { return }
        travellingReplies[id] = result
        sim.executor.schedule(at: sim.executor.now &+ delay(), self, SimEvent(Event.reply.rawValue, Int64(id)))
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
        if let timeout = entry.timeout { sim.executor.cancel(timeout) }
        entry.continuation.resume(returning: result)
    }

    /// Calls waiting for a reply now.
    var waitingCalls: Int { pending.count }
}
