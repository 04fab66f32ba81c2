import Resilience
import SimKernel
import World

/// Where a call goes: the world's services and external dependencies by name, reached
/// over the ``Network``. The one thing callers (a service's ``Caller``, a person's app)
/// need from the world they live in.
///
/// Built with the dependencies; the services join once they are built (they need the
/// router for their own calls). Holders keep it `unowned(unsafe)`: the world owns it for
/// its whole life, and a strong reference from a service's caller back to the router that
/// holds the service would be a cycle.
///
/// World-confined: only the world's thread touches it.
final class CallRouter: @unchecked Sendable {
    private let sim: Simulation
    private let network: Network
    private let dependencies: [String: ExternalDependency]
    private var services: [String: Service] = [:]

    init(sim: Simulation, network: Network, dependencies: [String: ExternalDependency]) {
        self.sim = sim
        self.network = network
        self.dependencies = dependencies
    }

    /// What a caller of `callee` waits on, as a stall report says it ("a reply from
    /// order"). Services and dependencies make theirs once, when built: formatted per
    /// call it was an allocation on the hottest path.
    static func replyLabel(callee: String) -> String { "a reply from \(callee)" }

    /// The services, once built (wiring only).
    func register(_ services: [String: Service]) { self.services = services }

    /// Whether `name` is one of the world's services (not a dependency).
    func isService(_ name: String) -> Bool { services[name] != nil }

    /// Sends one call from service `caller` to a service or dependency named `callee`,
    /// picking an instance through the registry. It waits at most `timeout`, and never
    /// past the deadline of the call the sender is handling (``TaskDeadline``); the
    /// request carries the instant it gives up, so the callee can shed it.
    ///
    /// A call to a callee that does not exist, or to a service whose role does not handle
    /// it, is a programming error: it stops the run (``StopReason/failed(_:)``) instead
    /// of passing for a transient failure that retries and breakers would absorb.
    func send(from caller: String, to callee: String, _ call: Call, timeout: Duration?) async -> Result<Reply, Failure> {
        let timeout = TaskDeadline.limit(timeout, on: sim.clock)
        if let dependency = dependencies[callee] {
            return await awaitReply(dependency.replyLabel, timeout: timeout) {
                await network.call(from: caller, to: dependency, call, timeout: timeout)
            }
        }
        guard let service = services[callee], service.spec.role.serves(call) else {
            await misrouted(from: caller, to: callee, call)
        }
        guard let instance = service.isolatedOnWorldThread((), { service, _ in service.pickListed() }) else {
            return .failure(.unavailable)
        }
        let result = await awaitReply(service.replyLabel, timeout: timeout) {
            await network.call(from: caller, to: instance, call, timeout: timeout)
        }
        // Least-outstanding counts calls from the client's side (as Envoy's least_request
        // does): a call ends for the balancer when its caller has an answer or gave up —
        // refused, timed out, lost in a crash or a partition alike.
        let index = instance.index
        service.isolatedOnWorldThread(index) { service, index in service.left(instance: index) }
        return result
    }

    /// Stops the run on a call ``send(from:to:_:timeout:)`` cannot route. Out of line:
    /// the messages' temporaries would take room in the frame of every call `send` makes
    /// (see ``Network/call(from:to:_:timeout:)`` on why its size matters).
    @inline(never)
    private func misrouted(from caller: String, to callee: String, _ call: Call) async -> Never {
        guard let service = services[callee] else {
            await sim.misrouted("\(caller) sent \(call.label) to \"\(callee)\", which is neither a service nor a dependency of this world")
        }
        await sim.misrouted("\(caller) sent \(call.label) to \(callee), whose role (\(service.spec.role.rawValue)) does not handle it")
    }

    /// Waits for a reply, named `label` in a stall report so that it says who waits on
    /// whom, when the wait may last forever. A call with a timeout always has its timer
    /// pending, and a world with a timer pending is not stalled, so no stall report can
    /// show it: naming it would only cost two writes to the task's registry slot, which a
    /// big world has gone cold (2.5% of the last-level misses at ×10).
    private func awaitReply(_ label: String, timeout: Duration?,
                            _ call: () async -> Result<Reply, Failure>) async -> Result<Reply, Failure> {
        guard timeout == nil else { return await call() }
        return await sim.waiting(on: label, call)
    }
}

extension Simulation {
    /// Stops the run on a misrouted call (see ``CallRouter/send(from:to:_:timeout:)``). The
    /// task that made the error goes no further: it parks for good, so nothing it would do
    /// next (a retry, a failure counted against the callee) happens; the run ends after
    /// this step.
    func misrouted(_ message: String) async -> Never {
        fail("misrouted call: " + message)
        // The continuation is never resumed, so the loop never comes round: it only tells
        // the compiler that this function does not return. (Awaiting a continuation of
        // `Never` instead draws a false "will never be executed" for the hop back after
        // the await, swiftlang/swift#86891.)
        while true {
            await waiting(on: "the end of a run stopped by a misrouted call") {
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            }
        }
    }
}
