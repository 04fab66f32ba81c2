import Resilience
import SimKernel
import Testing

@Suite("WorkerPoolCore, elastic and disciplined")
struct WorkerPoolElasticTests {
    typealias Core = WorkerPoolCore<Int, VirtualClock.Instant>

    private func seconds(_ s: Double) -> VirtualClock.Instant { at(ms: s * 1000) }

    @Test("with a start-up delay, queued jobs ask for workers up to max_workers, and each started worker takes a waiting job")
    func startupDelay() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 2, maxWorkers: 8, queueCapacity: nil,
                                                idleTimeout: .seconds(60), startupDelay: .seconds(20)))
        var asked = 0
        var startedAtOnce: [Int] = []
        for job in 1...10 {
            switch pool.offer(job, at: seconds(0)) {
            case .start(let job, let newWorker):
                #expect(!newWorker)
                startedAtOnce.append(job)
            case .queued(let startingWorker):
                if startingWorker { asked += 1 }
            case .rejected:
                Issue.record("nothing is rejected by an unbounded queue")
            }
        }
        #expect(startedAtOnce == [1, 2])
        #expect(asked == 6, "8 waiting jobs, room for 6 more workers")
        #expect(pool.workers == 2 && pool.starting == 6 && pool.queued == 8)
        let firstJobs = (0..<6).map { _ in pool.workerStarted(at: seconds(20)) }
        #expect(firstJobs == [3, 4, 5, 6, 7, 8])
        #expect(pool.workers == 8 && pool.busy == 8 && pool.queued == 2)
        #expect(pool.statistics.workersStarted == 6 && pool.statistics.maxWorkers == 8)
    }

    @Test("a worker above the core size retires after idle_timeout idle; the core size stays")
    func idleRetirement() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, maxWorkers: 3, queueCapacity: nil, idleTimeout: .seconds(60)))
        for job in 1...3 { _ = pool.offer(job, at: seconds(0)) }
        #expect(pool.workers == 3)
        for _ in 1...3 { _ = pool.finish(at: seconds(10)) }
        #expect(pool.nextRetirement == seconds(70))
        let retired = [pool.retireIdleWorker(at: seconds(69)), pool.retireIdleWorker(at: seconds(70)),
                       pool.retireIdleWorker(at: seconds(70)), pool.retireIdleWorker(at: seconds(500))]
        #expect(retired == [false, true, true, false], "not before 60 s idle, and never below the core size")
        #expect(pool.workers == 1 && pool.statistics.retired == 2 && pool.nextRetirement == nil)
    }

    @Test("the most recently idle worker takes the next job, so surplus workers stay idle and retire")
    func idleWorkersNewestFirst() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, maxWorkers: 2, queueCapacity: nil, idleTimeout: .seconds(60)))
        _ = pool.offer(1, at: seconds(0))
        _ = pool.offer(2, at: seconds(0))
        _ = pool.finish(at: seconds(1)) // idle since 1 s
        _ = pool.finish(at: seconds(30)) // idle since 30 s
        _ = pool.offer(3, at: seconds(40)) // takes the one idle since 30 s
        #expect(pool.nextRetirement == seconds(61))
        let retired = pool.retireIdleWorker(at: seconds(61))
        #expect(retired)
    }

    @Test("utilisation divides busy time by the workers present over the period")
    func utilisationOverWorkersPresent() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, maxWorkers: 2, queueCapacity: nil, idleTimeout: .seconds(1)))
        _ = pool.offer(1, at: seconds(0))
        _ = pool.offer(2, at: seconds(0)) // a second worker, present from 0 s
        _ = pool.finish(at: seconds(1)) // one busy from 1 s
        _ = pool.retireIdleWorker(at: seconds(2)) // one worker present from 2 s
        let load = pool.load(at: seconds(4))
        // busy: 2 × 1 s + 1 × 3 s = 5 s; present: 2 × 2 s + 1 × 2 s = 6 s.
        #expect(load.busyTime == .seconds(5) && load.workerTime == .seconds(6))
        #expect(abs(load.utilisation(since: nil) - 5.0 / 6.0) < 1e-12)
        let later = pool.load(at: seconds(6))
        #expect(later.utilisation(since: load) == 1, "the remaining worker was busy all along")
    }

    @Test("the autoscale rule adds workers when the queue is long and utilisation low, not when utilisation is high")
    func autoscaleRule() throws {
        let rule = try AutoscaleRule(queueAbove: 3, utilisationBelow: 0.7, add: 2, every: .seconds(10))
        let configuration = try WorkerPoolConfiguration(workers: 1, maxWorkers: 4, queueCapacity: nil,
                                                    startupDelay: .seconds(5), growsOnDemand: false)
        // A burst after a quiet period: the queue is long, the last period mostly idle.
        var quiet = Core(configuration, at: seconds(0))
        var quietScaler = WorkerPoolAutoscaler<VirtualClock.Instant>(rule)
        for job in 1...8 {
            if case .queued(let startingWorker) = quiet.offer(job, at: seconds(9)) {
                #expect(!startingWorker, "no growth on demand under an autoscaler")
            }
        }
        let wanted = quietScaler.workersToAdd(quiet.load(at: seconds(10)))
        #expect(wanted == 2 && quietScaler.lastUtilisation.map { $0 < 0.7 } == true)
        let added = quiet.addWorkers(wanted, at: seconds(10))
        #expect(added == 2)
        let firstJobs = [quiet.workerStarted(at: seconds(15)), quiet.workerStarted(at: seconds(15))]
        #expect(firstJobs == [2, 3])
        #expect(quiet.workers == 3)
        // The next period, the queue is still long but the workers were busy all along.
        let later = quietScaler.workersToAdd(quiet.load(at: seconds(20)))
        #expect(later == 0)

        // A pool busy all period long with a long queue: the rule does not fire.
        var busy = Core(configuration, at: seconds(0))
        var busyScaler = WorkerPoolAutoscaler<VirtualClock.Instant>(rule)
        for job in 1...6 { _ = busy.offer(job, at: seconds(0)) }
        let busyWanted = busyScaler.workersToAdd(busy.load(at: seconds(10)))
        #expect(busyWanted == 0)
        #expect(busyScaler.lastUtilisation == 1)
        // And it never adds beyond max_workers.
        let capped = busy.addWorkers(10, at: seconds(10))
        #expect(capped == 3)
    }

    @Test("a CoDel pool sheds queued jobs that waited past the target under overload, serves the newest, and counts what it shed")
    func codelPoolSheds() throws {
        var pool = Core(try WorkerPoolConfiguration(workers: 1, queueCapacity: nil, discipline: .codel(.standard)))
        var shed: [Int] = []
        var servedNewest = 0
        // One job every ms, one served every 2 ms: overload.
        for tick in 0..<300 {
            _ = pool.offer(tick, at: at(ms: Double(tick)))
            if tick % 2 == 1, let next = pool.finish(at: at(ms: Double(tick))), tick >= 250 {
                if next == tick { servedNewest += 1 }
            }
            shed += pool.takeShed()
        }
        #expect(pool.isOverloaded)
        #expect(servedNewest == 25, "overloaded: each freed worker takes the newest job")
        #expect(!shed.isEmpty && pool.statistics.shed == shed.count)
        #expect(pool.statistics.accepted == pool.statistics.started + pool.queued + shed.count)
    }

    @Test("the async pool starts an elastic worker only after the start-up delay")
    func asyncStartupDelay() throws {
        let log = PoolLog()
        let stats = try inWorld { clock async throws -> WorkerPoolStatistics in
            let pool = WorkerPool<Int, VirtualClock>(
                try WorkerPoolConfiguration(workers: 1, maxWorkers: 2, queueCapacity: 10, idleTimeout: .seconds(1),
                                        startupDelay: .milliseconds(50)), clock: clock)
            try await withWorkersInline(pool, log: log, clock: clock, linger: .seconds(2)) {
                for job in 1...2 { try? pool.submit(job) }
            }
            return pool.statistics
        }
        #expect(log.events == ["1@100", "2@150"], "job 2 waits 50 ms for its worker to start")
        #expect(stats.workersStarted == 1 && stats.retired == 1)
    }

    @Test("the async pool hands shed jobs to onShed")
    func asyncShed() throws {
        let shed = ResultsBox()
        let log = PoolLog()
        try inWorld { clock async throws in
            let pool = WorkerPool<Int, VirtualClock>(
                try WorkerPoolConfiguration(workers: 1, queueCapacity: nil, discipline: .codel(.standard)),
                clock: clock, onShed: { shed.add("\($0)") })
            try await withWorkersInline(pool, log: log, clock: clock, work: .milliseconds(20)) {
                // 30 jobs at once, then one every 10 ms: twice what one worker serves.
                for job in 0..<30 { try? pool.submit(job) }
                for job in 30..<60 {
                    try await clock.sleep(until: clock.now.advanced(by: .milliseconds(10)), tolerance: nil)
                    try? pool.submit(job)
                }
            }
        }
        #expect(!shed.items.isEmpty)
        #expect(Set(shed.items).isDisjoint(with: log.done.map(String.init)), "a shed job never runs")
        #expect(shed.items.count + log.done.count == 60, "every job ran or was shed")
    }
}
