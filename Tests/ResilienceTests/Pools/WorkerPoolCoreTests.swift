import Resilience
import SimKernel
import Testing

@Suite("WorkerPoolCore")
struct WorkerPoolCoreTests {
    typealias Core = WorkerPoolCore<Int, VirtualClock.Instant>
    /// The instant of every operation in these time-free tests (an idle timeout of 60 s
    /// has passed at `later`).
    let now = VirtualClock.Instant(nanoseconds: 0)
    let later = VirtualClock.Instant(nanoseconds: 61_000_000_000)

    @Test("jobs go to idle workers first, then wait in FIFO order, then are rejected")
    func admissionOrder() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 2, queueCapacity: 2))
        var started: [Int] = []
        var rejected: [Int] = []
        for job in 1...5 {
            switch pool.offer(job, at: now) {
            case .start(let job, let newWorker):
                #expect(!newWorker)
                started.append(job)
            case .queued: break
            case .rejected(let job): rejected.append(job)
            }
        }
        #expect(started == [1, 2])
        #expect(pool.waitingJobs == [3, 4])
        #expect(rejected == [5])
        #expect(pool.isSaturated)
        let next = [pool.finish(at: now), pool.finish(at: now), pool.finish(at: now), pool.finish(at: now)]
        #expect(next == [3, 4, nil, nil])
        #expect(pool.busy == 0 && pool.idle == 2)
        #expect(pool.statistics.accepted == 4 && pool.statistics.rejected == 1)
        #expect(pool.statistics.completed == 4 && pool.statistics.maxQueued == 2)
    }

    @Test("an unbounded queue never rejects")
    func unbounded() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, queueCapacity: nil))
        for job in 0..<10_000 {
            if case .rejected = pool.offer(job, at: now) { Issue.record("rejected \(job)") }
        }
        #expect(pool.queued == 9_999)
    }

    @Test("a zero-capacity queue hands jobs only to idle workers")
    func zeroQueue() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, queueCapacity: 0))
        guard case .start = pool.offer(1, at: now) else { Issue.record("first job should start"); return }
        guard case .rejected = pool.offer(2, at: now) else { Issue.record("second job should be rejected"); return }
    }

    @Test("a bounded-elastic pool grows to its maximum before queueing and retires extra idle workers")
    func elastic() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, maxWorkers: 3, queueCapacity: 1))
        var grew = 0
        for job in 1...3 {
            if case .start(_, let newWorker) = pool.offer(job, at: now), newWorker { grew += 1 }
        }
        #expect(grew == 2 && pool.workers == 3)
        guard case .queued = pool.offer(4, at: now) else { Issue.record("4 should queue"); return }
        guard case .rejected = pool.offer(5, at: now) else { Issue.record("5 should be rejected"); return }
        let afterFirst = [pool.finish(at: now), pool.finish(at: now)]
        #expect(afterFirst == [4, nil])
        let retired = [pool.retireIdleWorker(at: later), pool.retireIdleWorker(at: later)]
        #expect(retired == [true, false], "only one worker is idle")
        let afterRest = [pool.finish(at: now), pool.finish(at: now)]
        #expect(afterRest == [nil, nil])
        let retiredMore = [pool.retireIdleWorker(at: later), pool.retireIdleWorker(at: later)]
        #expect(retiredMore == [true, false], "never below the core size")
        #expect(pool.workers == 1 && pool.statistics.retired == 2 && pool.statistics.maxWorkers == 3)
    }

    @Test("a queued job can be withdrawn and the queue can be drained")
    func withdrawAndDrain() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, queueCapacity: nil))
        for job in 1...5 { _ = pool.offer(job, at: now) }
        let withdrawn = [pool.removeQueued { $0 == 3 }, pool.removeQueued { $0 == 3 }]
        #expect(withdrawn == [3, nil])
        let drained = pool.drainQueue()
        #expect(drained == [2, 4, 5])
        let last = pool.finish(at: now)
        #expect(last == nil)
    }

    @Test("over random schedules: limits hold, every job is accounted for, FIFO order is kept")
    func properties() throws {
        try forEachSchedule("worker-pool-core", count: 1_000) { random in
            let workers = random.int(in: 0...4)
            let maxWorkers = workers + random.int(in: 0...3)
            let capacity: Int? = random.chance(0.3) ? nil : random.int(in: 0...5)
            var pool = Core(try WorkerPoolConfiguration(workers: workers, maxWorkers: maxWorkers, queueCapacity: capacity))
            var running: [Int] = []
            var finished: [Int] = []
            var rejected = 0, withdrawn = 0
            var startOrder: [Int] = []
            for job in 0..<random.int(in: 1...80) {
                switch random.int(in: 0...9) {
                case 0...5:
                    switch pool.offer(job, at: now) {
                    case .start(let job, _): running.append(job); startOrder.append(job)
                    case .queued: break
                    case .rejected: rejected += 1
                    }
                case 6...7 where !running.isEmpty:
                    let done = running.remove(at: random.int(in: 0...(running.count - 1)))
                    finished.append(done)
                    if let next = pool.finish(at: now) { running.append(next); startOrder.append(next) }
                case 8:
                    if let first = pool.waitingJobs.first, pool.removeQueued(where: { $0 == first }) != nil { withdrawn += 1 }
                default:
                    _ = pool.retireIdleWorker(at: later)
                }
                try require(pool.workers <= maxWorkers && pool.workers >= workers, "workers \(pool.workers) outside bounds")
                try require(pool.busy == running.count, "busy \(pool.busy) vs running \(running.count)")
                try require(pool.busy <= pool.workers, "more busy than workers")
                if let capacity { try require(pool.queued <= capacity, "queue over capacity") }
                try require(pool.statistics.accepted == finished.count + running.count + pool.queued + withdrawn,
                            "an accepted job went missing")
                try require(startOrder == startOrder.sorted(), "jobs started out of FIFO order: \(startOrder)")
            }
        }
    }
}
