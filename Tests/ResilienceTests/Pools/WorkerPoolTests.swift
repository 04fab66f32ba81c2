import Resilience
import SimKernel
import Testing

/// Records what the workers did, from inside a world (single-threaded).
final class PoolLog: @unchecked Sendable {
    var events: [String] = []
    var running = 0
    var maxRunning = 0
    var done: [Int] = []
}

@Suite("WorkerPool")
struct WorkerPoolTests {
    typealias Pool = WorkerPool<Int, VirtualClock>

    @Test("c workers serve a burst in FIFO order, c at a time")
    func fifoBurst() throws {
        let log = PoolLog()
        try inWorld { clock async throws in
            let pool = Pool(try WorkerPoolConfiguration(workers: 2, queueCapacity: nil), clock: clock)
            try await withWorkersInline(pool, log: log, clock: clock) {
                for job in 1...5 { try? pool.submit(job) }
            }
        }
        #expect(log.events == ["1@100", "2@100", "3@200", "4@200", "5@300"])
        #expect(log.maxRunning == 2)
    }

    @Test("a full queue rejects a non-blocking submit at once")
    func rejectsWhenFull() throws {
        let outcome = try inWorld { clock -> [String] in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 1), clock: clock)
            var results: [String] = []
            for job in 1...3 {
                do { try pool.submit(job); results.append("ok") } catch { results.append("\(error)") }
            }
            pool.shutdown()
            _ = pool.drainQueue()
            return results
        }
        // No worker runs here: the first job is handed to "an idle worker" (the core's
        // view), the second queues, the third is refused.
        #expect(outcome == ["ok", "ok", "queueFull"])
    }

    @Test("a blocking submit waits for room, and gives up at its timeout")
    func blockingSubmit() throws {
        let log = PoolLog()
        let results = try inWorld { clock async throws -> [String] in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 1), clock: clock)
            let outcomes = ResultsBox()
            try await withWorkersInline(pool, log: log, clock: clock) {
                try? pool.submit(1) // runs 0..100ms
                try? pool.submit(2) // queued
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { // room appears at 100 ms, within its 150 ms timeout
                        do { try await pool.submit(3, timeout: .milliseconds(150)); outcomes.add("3 admitted at \(Int(clock.ms))") }
                        catch { outcomes.add("3 \(error)") }
                    }
                    group.addTask { // behind 3; the next room is at 200 ms, after its 120 ms timeout
                        try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(1)), tolerance: nil)
                        do { try await pool.submit(4, timeout: .milliseconds(120)); outcomes.add("4 admitted") }
                        catch { outcomes.add("4 \(error) at \(Int(clock.ms))") }
                    }
                }
            }
            return outcomes.items
        }
        #expect(results.sorted() == ["3 admitted at 100", "4 queueFull at 121"])
        #expect(log.done == [1, 2, 3])
    }

    @Test("a submitter that blocks just as the last job finishes is admitted, not left waiting")
    func blockedAsThePoolEmpties() throws {
        let log = PoolLog()
        let results = try inWorld { clock async throws -> [String] in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 0), clock: clock)
            let outcomes = ResultsBox()
            try await withWorkersInline(pool, log: log, clock: clock) {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Wakes at 100 ms just before job 1's worker does: its submit finds
                        // the pool full, and the worker finishes before it has parked.
                        try? await clock.sleep(until: at(ms: 100), tolerance: nil)
                        do { try await pool.submit(2, timeout: .seconds(1)); outcomes.add("2 admitted at \(Int(clock.ms))") }
                        catch { outcomes.add("2 \(error) at \(Int(clock.ms))") }
                    }
                    try? pool.submit(1)
                }
            }
            return outcomes.items
        }
        #expect(results == ["2 admitted at 100"])
        #expect(log.events == ["1@100", "2@200"])
    }

    @Test("draining the queue lets blocked submitters in, in order, ahead of later submits")
    func drainAdmitsBlocked() throws {
        let results = try inWorld { clock -> [String] in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 2), clock: clock)
            try? pool.submit(1) // handed to "a worker" (none runs here)
            try? pool.submit(2)
            try? pool.submit(3) // the queue is full
            let outcomes = ResultsBox()
            await withTaskGroup(of: Void.self) { group in
                for job in [4, 5] {
                    group.addTask {
                        do { try await pool.submit(job, timeout: .seconds(1)); outcomes.add("\(job) admitted at \(Int(clock.ms))") }
                        catch { outcomes.add("\(job) \(error)") }
                    }
                    try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(1)), tolerance: nil)
                }
                #expect(pool.blockedSubmitters == 2)
                let drained = pool.drainQueue()
                outcomes.add("drained \(drained)")
                do { try pool.submit(6); outcomes.add("6 admitted") } catch { outcomes.add("6 \(error)") }
            }
            outcomes.add("queued \(pool.drainQueue())")
            pool.shutdown()
            return outcomes.items
        }
        #expect(results == ["drained [2, 3]", "6 queueFull", "4 admitted at 2", "5 admitted at 2", "queued [4, 5]"])
    }

    @Test("cancelling run shuts the pool: later submits are refused, not accepted and lost")
    func cancellingRunShutsDown() throws {
        let outcome = try inWorld { clock -> String in
            let pool = Pool(try WorkerPoolConfiguration(workers: 2, queueCapacity: 4), clock: clock)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await pool.run { _ in } }
                try? await clock.sleep(until: at(ms: 1), tolerance: nil)
                group.cancelAll()
            }
            do { try pool.submit(1); return "accepted" } catch { return "\(error)" }
        }
        #expect(outcome == "shutDown")
    }

    @Test("a blocking submit never waits past the task's deadline")
    func submitHonoursDeadline() throws {
        let outcome = try inWorld { clock -> String in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 0), clock: clock)
            try? pool.submit(1)
            do {
                try await TaskDeadline.withTimeout(.milliseconds(30), on: clock) {
                    try await pool.submit(2, timeout: .seconds(10))
                }
                return "admitted"
            } catch {
                return "\(error) at \(Int(clock.ms))"
            }
        }
        #expect(outcome == "deadline exceeded at 30")
    }

    @Test("cancelling a blocked submitter removes it from the line")
    func cancelBlocked() throws {
        let results = try inWorld { clock -> [String] in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, queueCapacity: 0), clock: clock)
            try? pool.submit(1)
            let outcome = ResultsBox()
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await pool.submit(2, timeout: .seconds(10)) } catch { outcome.add("\(error) at \(Int(clock.ms))") }
                }
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(5)), tolerance: nil)
                #expect(pool.blockedSubmitters == 1)
                group.cancelAll()
            }
            #expect(pool.blockedSubmitters == 0)
            pool.shutdown()
            return outcome.items
        }
        #expect(results == ["cancelled at 5"])
    }

    @Test("an elastic pool adds workers under load and retires them after the idle timeout")
    func elasticWorkers() throws {
        let log = PoolLog()
        let stats = try inWorld { clock async throws -> WorkerPoolStatistics in
            let pool = Pool(try WorkerPoolConfiguration(workers: 1, maxWorkers: 3, queueCapacity: 10,
                                                    idleTimeout: .seconds(1)), clock: clock)
            try await withWorkersInline(pool, log: log, clock: clock, linger: .seconds(3)) {
                for job in 1...6 { try? pool.submit(job) }
            }
            return pool.statistics
        }
        #expect(log.maxRunning == 3)
        #expect(log.done.sorted() == [1, 2, 3, 4, 5, 6])
        #expect(stats.maxWorkers == 3)
        #expect(stats.retired == 2, "both extra workers retire after 1 s idle")
    }

    @Test("over random schedules every accepted job runs exactly once and limits hold")
    func properties() throws {
        try forEachSchedule("worker-pool", count: 300) { random in
            let workers = random.int(in: 1...3)
            let maxWorkers = workers + random.int(in: 0...2)
            let capacity = random.int(in: 0...4)
            var plan: [(delay: Duration, blocking: Duration?, cancelAfter: Duration?)] = []
            for _ in 0..<random.int(in: 1...25) {
                plan.append((random.milliseconds(in: 0...30),
                             random.chance(0.5) ? random.milliseconds(in: 1...80) : nil,
                             random.chance(0.2) ? random.milliseconds(in: 0...40) : nil))
            }
            let work = random.milliseconds(in: 5...40)
            let steps = plan
            let log = PoolLog()
            let accepted = ResultsBox()
            let pool = try inWorld { clock async throws -> Pool in
                let pool = Pool(try WorkerPoolConfiguration(workers: workers, maxWorkers: maxWorkers,
                                                        queueCapacity: capacity, idleTimeout: .milliseconds(50)), clock: clock)
                try await withWorkersInline(pool, log: log, clock: clock, work: work, linger: .seconds(1)) {
                    await withTaskGroup(of: Void.self) { group in
                        for (index, step) in steps.enumerated() {
                            group.addTask {
                                try? await clock.sleep(until: clock.now.advanced(by: step.delay), tolerance: nil)
                                let submit: @Sendable () async -> Void = {
                                    do {
                                        if let timeout = step.blocking { try await pool.submit(index, timeout: timeout) }
                                        else { try pool.submit(index) }
                                        accepted.add("\(index)")
                                    } catch {}
                                }
                                if let cancelAfter = step.cancelAfter {
                                    await withTaskGroup(of: Void.self) { inner in
                                        inner.addTask { await submit() }
                                        try? await clock.sleep(until: clock.now.advanced(by: cancelAfter), tolerance: nil)
                                        inner.cancelAll()
                                    }
                                } else {
                                    await submit()
                                }
                            }
                        }
                    }
                }
                return pool
            }
            try require(log.maxRunning <= maxWorkers, "ran \(log.maxRunning) at once with max \(maxWorkers)")
            try require(log.done.map(String.init).sorted() == accepted.items.sorted(),
                        "accepted \(accepted.items.sorted()) but ran \(log.done.sorted())")
            try require(pool.blockedSubmitters == 0 && pool.queued == 0 && pool.busy == 0, "pool not empty at the end")
        }
    }

    @Test("works on a real clock")
    func continuousClock() async throws {
        let pool = WorkerPool<Int, ContinuousClock>(try WorkerPoolConfiguration(workers: 2, queueCapacity: 8), clock: ContinuousClock())
        let done = ResultsBox()
        await withDiscardingTaskGroup { group in
            group.addTask {
                await pool.run { job in
                    try? await Task.sleep(for: .milliseconds(5))
                    done.add("\(job)")
                }
            }
            for job in 1...6 { try? pool.submit(job) }
            while done.items.count < 6 { try? await Task.sleep(for: .milliseconds(5)) }
            pool.shutdown()
        }
        #expect(done.items.sorted() == ["1", "2", "3", "4", "5", "6"])
    }
}

/// Thread-safe list of strings for tests that may run on a real clock.
final class ResultsBox: @unchecked Sendable {
    private let lock = NSLockLike()
    private var storage: [String] = []
    func add(_ item: String) { lock.withLock { storage.append(item) } }
    var items: [String] { lock.withLock { storage } }
}

/// A tiny lock so the box works off the simulation thread too.
final class NSLockLike: @unchecked Sendable {
    private var flag = pthread_mutex_t()
    init() { pthread_mutex_init(&flag, nil) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&flag)
        defer { pthread_mutex_unlock(&flag) }
        return body()
    }
}

/// Runs the pool's workers beside `body` in the current world task, then lets the
/// workers finish what was accepted (and `linger` longer, for idle timeouts) and shuts
/// the pool down.
func withWorkersInline(
    _ pool: WorkerPool<Int, VirtualClock>, log: PoolLog, clock: VirtualClock,
    work: Duration = .milliseconds(100), linger: Duration = .zero,
    _ body: @escaping @Sendable () async throws -> Void
) async throws {
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
            await pool.run { job in
                log.running += 1
                log.maxRunning = max(log.maxRunning, log.running)
                try? await clock.sleep(until: clock.now.advanced(by: work), tolerance: nil)
                log.running -= 1
                log.done.append(job)
                log.events.append("\(job)@\(Int(clock.ms))")
            }
        }
        try await body()
        // Wait until the queue is empty and nobody is busy, then linger, then stop.
        while pool.queued > 0 || pool.busy > 0 || pool.blockedSubmitters > 0 {
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(1)), tolerance: nil)
        }
        try await clock.sleep(until: clock.now.advanced(by: linger), tolerance: nil)
        pool.shutdown()
    }
}

#if canImport(Glibc)
import Glibc
#endif
