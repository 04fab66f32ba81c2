import Synchronization

/// A pool of workers taking jobs from a bounded FIFO queue: a thread-pool bulkhead, or
/// the goroutine pool of the source documents (workers = cores × 2, queue 1024,
/// non-blocking submit that rejects when the queue is full, idle timeout 60 s).
///
/// - **Fixed or bounded-elastic.** `workers` core workers run for the life of the pool.
///   When a job arrives, no worker is idle and fewer than `maxWorkers` run, the pool asks
///   for one more (see ``run(_:)`` and ``onWorkerWanted``); such extra workers retire
///   after `idleTimeout` without work.
/// - **Bounded queue.** Jobs wait in FIFO order, at most `queueCapacity` of them
///   (`nil` = unbounded, as in M/M/c). A job submitted to an idle worker skips the queue.
/// - **Overflow policy.** ``submit(_:)`` rejects at once when the queue is full;
///   ``submit(_:timeout:)`` waits up to `timeout` for room (block-with-timeout).
///   Cancelling a blocked submitter removes it; no slot is leaked.
///
/// Workers are tasks of the caller, not of the pool: ``run(_:)`` runs them as child
/// tasks (structured, for a server's lifecycle), and ``runWorker(_:)`` runs one worker
/// loop in the calling task and isolation. The second form lets a simulation actor run
/// its workers isolated to itself, so a job costs no executor hop.
public final class WorkerPool<Job: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    /// Sizes and limits of a pool.
    public struct Configuration: Sendable, Equatable {
        /// Workers that always run.
        public var workers: Int
        /// Upper bound on workers, extra ones started on demand (≥ `workers`).
        public var maxWorkers: Int
        /// Jobs that may wait; `nil` means unbounded.
        public var queueCapacity: Int?
        /// How long an extra (elastic) worker stays without work before it retires.
        public var idleTimeout: Duration

        /// A pool of `workers` workers (and up to `maxWorkers`), a queue of
        /// `queueCapacity` (nil = unbounded) and a 60 s idle timeout for extra workers.
        public init(workers: Int, maxWorkers: Int? = nil, queueCapacity: Int? = 1024, idleTimeout: Duration = .seconds(60)) {
            precondition(workers >= 0, "workers must be >= 0")
            self.workers = workers
            self.maxWorkers = Swift.max(maxWorkers ?? workers, workers)
            self.queueCapacity = queueCapacity
            self.idleTimeout = idleTimeout
        }
    }

    /// Why a job was not accepted.
    public enum Rejection: Error, Sendable, Equatable {
        /// The queue was full (and, for a blocking submit, stayed full until the timeout).
        case queueFull
        /// The pool was shut down.
        case shutDown
        /// The submitting task was cancelled while it waited for room.
        case cancelled
    }

    /// Counters describing the pool's life so far.
    public struct Statistics: Sendable, Equatable {
        /// Jobs accepted.
        public var accepted = 0
        /// Jobs rejected because the queue was full.
        public var rejectedFull = 0
        /// Jobs handed to a worker (directly or from the queue).
        public var started = 0
        /// Jobs that finished in a worker.
        public var completed = 0
        /// Jobs waiting now.
        public var queued = 0
        /// Most jobs ever waiting at once.
        public var maxQueued = 0
        /// Workers running now (busy or idle).
        public var workers = 0
        /// Workers running a job now.
        public var busy = 0
        /// Most workers ever running at once.
        public var maxWorkers = 0
        /// Submitters blocked for room now.
        public var blockedSubmitters = 0
    }

    private struct QueuedJob {
        var job: Job
        var enqueuedAt: C.Instant
    }

    private struct Waiter {
        var id: UInt64
        var continuation: UnsafeContinuation<Job?, Never>
    }

    private struct BlockedSubmitter {
        var id: UInt64
        var job: Job
        var continuation: UnsafeContinuation<Result<Void, Rejection>, Never>
    }

    private enum Next {
        case job(Job, waited: Duration)
        case stop
        case wait(UInt64)
    }

    private struct State {
        var queue = Deque<QueuedJob>()
        var idle = Deque<Waiter>()
        var blocked = Deque<BlockedSubmitter>()
        var stats = Statistics()
        var shutDown = false
        var nextID: UInt64 = 0
        var pendingWorkerRequests = 0
    }

    /// The pool's configuration.
    public let configuration: Configuration
    /// The clock for timeouts and queue-wait measurements.
    public let clock: C
    private let state = Mutex(State())
    private let queueWait = Mutex<(count: Int, total: Duration, max: Duration)>((0, .zero, .zero))
    /// Called (outside any lock) when the pool wants one more elastic worker. ``run(_:)``
    /// handles this itself; a caller using ``runWorker(_:)`` may start a task running
    /// ``runWorker(_:elastic:)``.
    public let onWorkerWanted: (@Sendable () -> Void)?

    /// A pool with the given configuration, timing waits on `clock`.
    public init(_ configuration: Configuration, clock: C, onWorkerWanted: (@Sendable () -> Void)? = nil) {
        self.configuration = configuration
        self.clock = clock
        self.onWorkerWanted = onWorkerWanted
    }

    /// A snapshot of the pool's counters.
    public var statistics: Statistics { state.withLock { $0.stats } }

    /// Number, total and maximum of the time jobs spent queued before a worker took them.
    public var queueWaitSummary: (count: Int, total: Duration, max: Duration) { queueWait.withLock { $0 } }

    // MARK: Submitting

    /// Hands `job` to an idle worker, or queues it; throws ``Rejection/queueFull`` at once
    /// when the queue is full (the non-blocking submit of the source documents).
    public func submit(_ job: Job) throws(Rejection) {
        let now = clock.now
        var wantWorker = false
        let outcome: Result<UnsafeContinuation<Job?, Never>?, Rejection> = state.withLock { state in
            if state.shutDown { return .failure(.shutDown) }
            if let waiter = state.idle.popFirst() {
                state.stats.accepted += 1
                state.stats.started += 1
                state.stats.busy += 1
                return .success(waiter.continuation)
            }
            if let capacity = configuration.queueCapacity, state.queue.count >= capacity {
                state.stats.rejectedFull += 1
                return .failure(.queueFull)
            }
            state.queue.append(QueuedJob(job: job, enqueuedAt: now))
            state.stats.accepted += 1
            state.stats.queued = state.queue.count
            state.stats.maxQueued = Swift.max(state.stats.maxQueued, state.queue.count)
            wantWorker = Self.claimElasticSlot(&state, configuration)
            return .success(nil)
        }
        switch outcome {
        case .failure(let rejection): throw rejection
        case .success(let worker?):
            recordQueueWait(.zero)
            worker.resume(returning: job)
        case .success(nil):
            if wantWorker {
                elasticRequests.withLock { _ = $0?.yield() }
                onWorkerWanted?()
            }
        }
    }

    /// Like ``submit(_:)``, but when the queue is full waits up to `timeout` for room
    /// (FIFO among blocked submitters). Throws ``Rejection/queueFull`` when the time runs
    /// out and ``Rejection/cancelled`` when the task is cancelled while waiting.
    public func submit(_ job: Job, timeout: Duration) async throws(Rejection) {
        do {
            try submit(job)
            return
        } catch .queueFull {
            // fall through to waiting
        } catch {
            throw error
        }
        guard timeout > .zero else { throw .queueFull }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let deadline = clock.now.advanced(by: timeout)
        let result: Result<Void, Rejection> = await clock.race(deadline: deadline) {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Void, Rejection>, Never>) in
                    let immediate: Result<Void, Rejection>? = state.withLock { state in
                        if state.shutDown { return .failure(.shutDown) }
                        if Task.isCancelled { return .failure(.cancelled) }
                        state.blocked.append(BlockedSubmitter(id: id, job: job, continuation: continuation))
                        state.stats.blockedSubmitters = state.blocked.count
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                self.abandonBlocked(id, with: .cancelled)
            }
        } onTimeout: {
            self.abandonBlocked(id, with: .queueFull)
        }
        try result.get()
    }

    private func abandonBlocked(_ id: UInt64, with rejection: Rejection) {
        let removed = state.withLock { state -> BlockedSubmitter? in
            let removed = state.blocked.remove { $0.id == id }
            state.stats.blockedSubmitters = state.blocked.count
            if removed != nil, rejection == .queueFull { state.stats.rejectedFull += 1 }
            return removed
        }
        removed?.continuation.resume(returning: .failure(rejection))
    }

    // MARK: Working

    /// Runs one worker loop in the calling task until the pool shuts down and its queue
    /// is empty, or the task is cancelled. An `elastic` worker also retires after
    /// `idleTimeout` without work.
    public func runWorker(elastic: Bool = false, _ handler: (Job) async -> Void) async {
        state.withLock { state in
            if elastic { state.pendingWorkerRequests = Swift.max(0, state.pendingWorkerRequests - 1) }
            state.stats.workers += 1
            state.stats.maxWorkers = Swift.max(state.stats.maxWorkers, state.stats.workers)
        }
        defer { state.withLock { $0.stats.workers -= 1 } }
        var finishedOne = false
        while let job = await nextJob(afterFinishing: finishedOne, elastic: elastic) {
            await handler(job)
            finishedOne = true
        }
    }

    /// Runs the core workers (and elastic ones on demand) as child tasks until the pool
    /// shuts down and drains, or the calling task is cancelled.
    public func run(_ handler: @escaping @Sendable (Job) async -> Void) async {
        let (requests, continuation) = AsyncStream<Void>.makeStream()
        elasticRequests.withLock { $0 = continuation }
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.workers {
                group.addTask { await self.runWorker(handler) }
            }
            // Ends when shutdown() finishes the stream or the task is cancelled.
            for await _ in requests {
                group.addTask { await self.runWorker(elastic: true, handler) }
            }
        }
    }

    private let elasticRequests = Mutex<AsyncStream<Void>.Continuation?>(nil)

    /// Stops accepting jobs. Queued jobs still run (graceful); idle workers exit, and
    /// blocked submitters are rejected with ``Rejection/shutDown``.
    public func shutdown() {
        let (idle, blocked) = state.withLock { state -> ([Waiter], [BlockedSubmitter]) in
            state.shutDown = true
            let blocked = state.blocked.removeAll()
            state.stats.blockedSubmitters = 0
            if state.queue.isEmpty { return (state.idle.removeAll(), blocked) }
            return ([], blocked)
        }
        for waiter in idle { waiter.continuation.resume(returning: nil) }
        for submitter in blocked { submitter.continuation.resume(returning: .failure(.shutDown)) }
        elasticRequests.withLock { $0?.finish() }
    }

    /// Drops every queued job and returns them (a crash of the process that owns the
    /// pool loses them); the pool keeps accepting work.
    public func drainQueue() -> [Job] {
        state.withLock { state in
            let jobs = state.queue.removeAll().map(\.job)
            state.stats.queued = 0
            return jobs
        }
    }

    private static func claimElasticSlot(_ state: inout State, _ configuration: Configuration) -> Bool {
        guard state.stats.workers + state.pendingWorkerRequests < configuration.maxWorkers else { return false }
        state.pendingWorkerRequests += 1
        return true
    }

    /// Takes the next job, waiting if none is queued; nil means "stop".
    private func nextJob(afterFinishing finished: Bool, elastic: Bool) async -> Job? {
        let now = clock.now
        var admitted: BlockedSubmitter?
        let next: Next = state.withLock { state in
            if finished {
                state.stats.completed += 1
                state.stats.busy -= 1
            }
            if let queued = state.queue.popFirst() {
                state.stats.started += 1
                state.stats.busy += 1
                // Room freed in the queue: admit the longest-blocked submitter.
                if let blocked = state.blocked.popFirst() {
                    state.queue.append(QueuedJob(job: blocked.job, enqueuedAt: now))
                    state.stats.accepted += 1
                    state.stats.blockedSubmitters = state.blocked.count
                    admitted = blocked
                }
                state.stats.queued = state.queue.count
                return .job(queued.job, waited: queued.enqueuedAt.duration(to: now))
            }
            if state.shutDown || Task.isCancelled { return .stop }
            state.nextID += 1
            return .wait(state.nextID)
        }
        admitted?.continuation.resume(returning: .success(()))
        switch next {
        case .job(let job, let waited):
            recordQueueWait(waited)
            return job
        case .stop:
            return nil
        case .wait(let id):
            if elastic {
                let deadline = clock.now.advanced(by: configuration.idleTimeout)
                return await clock.race(deadline: deadline) {
                    await parkIdle(id)
                } onTimeout: {
                    self.releaseIdle(id)
                }
            }
            return await parkIdle(id)
        }
    }

    private func parkIdle(_ id: UInt64) async -> Job? {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Job?, Never>) in
                let stop = state.withLock { state -> Bool in
                    if state.shutDown || Task.isCancelled { return true }
                    state.idle.append(Waiter(id: id, continuation: continuation))
                    return false
                }
                if stop { continuation.resume(returning: nil) }
            }
        } onCancel: {
            self.releaseIdle(id)
        }
    }

    /// Removes an idle worker from the waiting line and tells it to stop.
    private func releaseIdle(_ id: UInt64) {
        let waiter = state.withLock { $0.idle.remove { $0.id == id } }
        waiter?.continuation.resume(returning: nil)
    }

    private func recordQueueWait(_ waited: Duration) {
        queueWait.withLock { summary in
            summary.count += 1
            summary.total += waited
            if waited > summary.max { summary.max = waited }
        }
    }
}
