import Resilience
import SimKernel
import World

/// Calls this instance makes, each through the ``Caller`` for its callee (made on first use).
extension ServiceInstance {
    /// Calls `callee` (a service or an external dependency) with this service's policy
    /// for it: timeout, retries, circuit breaker.
    func call(_ callee: String, _ call: Call) async -> Result<Reply, Failure> {
        let caller: Caller
        if let existing = callers.caller(for: callee) {
            caller = existing
        } else {
            do {
                caller = try Caller(caller: service, instance: name, callee: callee,
                                    policy: spec.calls.policy(for: callee), environment: environment.callers)
            } catch {
                sim.fail(Simulation.readerBug("\(service)'s calls to \(callee)", error))
                return .failure(.error)
            }
            callers.add(caller, for: callee)
            listArrivalRegions()
        }
        let result = await caller.perform(call)
        await checkpoint()
        return result
    }
}

/// An instance's callers by callee name: a handful (three at most for the platform's
/// roles), looked up on every call the instance makes.
///
/// A short list searched in order rather than a dictionary: comparing a few short names
/// costs less than hashing one (a string's hash is a SipHash over its bytes), and the
/// lookup reads one small buffer.
struct CallerTable {
    private var entries: ContiguousArray<(callee: String, caller: Caller)> = []

    /// The caller made for `callee`, if any.
    func caller(for callee: String) -> Caller? {
        for entry in entries where entry.callee == callee { return entry.caller }
        return nil
    }

    /// Records the caller made for `callee` (which has none yet).
    mutating func add(_ caller: Caller, for callee: String) {
        entries.append((callee, caller))
    }

    /// Lines of each caller an arriving call asks for: its header (which the call's
    /// retain writes) and the properties after it. Measured: moving the properties a
    /// call reads to the front, to ask for three lines instead, and asking for the
    /// retrier, breaker and metrics as each call went out, cost more than it saved (×100
    /// 1.2% slower than this, ×1 0.2%).
    static let callerLines = 4

    /// Lists what a lookup touches: the list's buffer (its header, then the entries) and
    /// the first ``callerLines`` of each caller.
    func list(into regions: inout Prefetch.Regions) {
        entries.withUnsafeBufferPointer { buffer in
            // The buffer's header (its count) sits just before the first entry.
            guard let base = buffer.baseAddress else { return }
            let header = 32
            let bytes = header + buffer.count * MemoryLayout<(callee: String, caller: Caller)>.stride
            regions.add(UnsafeRawPointer(base) - header, lines: (bytes + Prefetch.lineSize - 1) / Prefetch.lineSize + 1)
        }
        for entry in entries { regions.add(entry.caller, lines: Self.callerLines) }
    }
}
