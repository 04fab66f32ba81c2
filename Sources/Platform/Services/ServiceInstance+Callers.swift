import Resilience
import SimKernel
import World

/// Calls this instance makes, each through the ``Caller`` for its callee (made on first use).
extension ServiceInstance {
    /// Calls `callee` (a service or an external dependency) with this service's policy
    /// for it: timeout, retries, circuit breaker.
    func call(_ callee: String, _ call: Call) async -> Result<Reply, Failure> {
        let caller: Caller
        if let existing = callers[callee] {
            caller = existing
        } else {
            do {
                caller = try Caller(caller: service, instance: name, callee: callee,
                                    policy: spec.calls.policy(for: callee), environment: environment.callers)
            } catch {
                sim.fail(Simulation.readerBug("\(service)'s calls to \(callee)", error))
                return .failure(.error)
            }
            callers[callee] = caller
        }
        let result = await caller.perform(call)
        await checkpoint()
        return result
    }
}
