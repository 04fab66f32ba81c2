import Foundation
import Platform
import Synchronization
public import World

/// Runs a sweep's runs on `jobs` threads of this process, each simulation on its own
/// executor (a world shares nothing with another, so they run side by side with the
/// results of serial runs). Records come back in the sweep's run order whatever the
/// number of threads or the order runs finish in, so the files are identical at any `-j`.
public struct SweepRunner: Sendable {
    /// The plan.
    public let plan: SweepPlan
    /// Each configuration's world, in grid order (``SweepWorld/specs(for:)``).
    public let specs: [WorldSpec]

    /// A runner for `plan` with its configurations' worlds.
    public init(plan: SweepPlan, specs: [WorldSpec]) {
        precondition(specs.count == plan.configurationCount)
        self.plan = plan
        self.specs = specs
    }

    /// One run of the sweep, by its position in the run order.
    public func record(ofRun index: Int) throws(SweepError) -> RunRecord {
        let (configuration, seed) = plan.run(index)
        let world: PlatformWorld
        do {
            world = try PlatformWorld(spec: specs[configuration], seed: seed)
        } catch {
            throw SweepError("configuration \(plan.label(of: configuration)), seed \(seed): \(error.description)")
        }
        let outcome = world.run()
        let record = RunRecord(outcome: outcome, configuration: configuration, chosen: plan.metrics,
                               warmupDeletion: plan.warmupDeletion)
        world.sim.shutdown()
        return record
    }

    /// Runs the runs at `indices` (positions in the run order) on `jobs` threads and returns
    /// their records in the order of `indices`. `progress(done, total)` is called after
    /// each run, from the thread that finished it. `checkFirst` looks at the first run's
    /// record as soon as it is made; an error from it stops the sweep (the runs already
    /// under way on other threads finish, no new one starts), so a misspelt metric costs
    /// one run's time, not the sweep's, without holding the other threads back.
    public func run(_ indices: [Int], jobs: Int,
                    checkFirst: @escaping @Sendable (RunRecord) throws(SweepError) -> Void = { _ in },
                    progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws(SweepError) -> [RunRecord] {
        let state = SharedState(count: indices.count)
        let threads = max(1, min(jobs, indices.count))
        let finished = DispatchSemaphore(value: 0)
        let runner = self
        for _ in 0..<threads {
            // A thread per job rather than the cooperative pool: a simulation runs
            // synchronously for seconds and must not starve Swift's concurrency threads.
            let thread = Thread {
                while let slot = state.claim() {
                    do throws(SweepError) {
                        let record = try runner.record(ofRun: indices[slot])
                        if slot == 0 { try checkFirst(record) }
                        let done = state.finish(slot, with: record)
                        progress(done, indices.count)
                    } catch {
                        state.fail(error)
                    }
                }
                finished.signal()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        for _ in 0..<threads { finished.wait() }
        return try state.results()
    }

    /// The work queue and results the threads share.
    final class SharedState: Sendable {
        struct Inner {
            var next = 0
            var done = 0
            var records: [RunRecord?]
            var error: SweepError?
        }
        let inner: Mutex<Inner>
        let count: Int

        init(count: Int) {
            self.count = count
            inner = Mutex(Inner(records: Array(repeating: nil, count: count)))
        }

        /// The next slot to run, or nil when none is left or a run failed.
        func claim() -> Int? {
            inner.withLock { state in
                guard state.error == nil, state.next < count else { return nil }
                defer { state.next += 1 }
                return state.next
            }
        }

        func finish(_ slot: Int, with record: RunRecord) -> Int {
            inner.withLock { state in
                state.records[slot] = record
                state.done += 1
                return state.done
            }
        }

        func fail(_ error: SweepError) {
            inner.withLock { state in if state.error == nil { state.error = error } }
        }

        func results() throws(SweepError) -> [RunRecord] {
            let (records, error) = inner.withLock { ($0.records, $0.error) }
            if let error { throw error }
            return records.map { $0! }
        }
    }
}
