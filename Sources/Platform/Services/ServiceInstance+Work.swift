import Resilience
import SimKernel
import World

/// Work and pauses, for the handlers and the role's logic: service times keyed by the
/// request (common random numbers), draws within the current work, and the pause checkpoint.
extension ServiceInstance {
    /// Sleeps `nanoseconds` of virtual time (work, think time), then honours a pause.
    func sleep(nanoseconds: Int64) async {
        if nanoseconds > 0 {
            try? await sim.clock.sleep(until: .init(nanoseconds: sim.executor.now &+ nanoseconds))
        }
        await checkpoint()
    }

    /// The service time of the request or call keyed `key` (common random numbers: the
    /// same whichever instance serves it, whenever).
    func workTime(key: UInt64) -> Int64 {
        var stream = environment.draws.stream(.work, key: StableHash.combine(workDraws, key))
        let work = self.work.sampleNanoseconds(&stream)
        environment.draws.recorder?.serviceTimes["\(service):\(key)"] = work
        return work
    }

    /// Draws a duration from `distribution` within the work this task is doing.
    func sample(_ distribution: Distribution) -> Int64 { environment.draws.sample(distribution, for: .work) }

    /// A uniform draw in [0, 1) within the work this task is doing.
    func unit() -> Double { environment.draws.unit(for: .work) }

    /// Waits while the instance is paused (a GC stop halts every thread of the process).
    func checkpoint() async {
        guard pausedUntil != nil else { return }
        await withUnsafeContinuation { pauseWaiters.append($0) }
    }
}
