import Synchronization

/// A pool of worker tasks taking jobs from a bounded queue (FIFO by default): a
/// thread-pool bulkhead, or the goroutine pool of the source documents (workers = cores ×
/// 2, queue 1024, non-blocking submit that rejects when the queue is full, idle timeout
/// 60 s).
///
/// ```swift
/// // Async: worker tasks; elastic workers start after 20 s and retire after 60 s idle.
/// let pool = WorkerPool<Request, ContinuousClock>(
///     try WorkerPoolConfiguration(workers: 2, maxWorkers: 8, startupDelay: .seconds(20)),
///     clock: ContinuousClock(), onShed: { request in request.fail() })
/// async let workers: Void = pool.run { request in await request.handle() }
/// try pool.submit(request)
///
/// // Pure: the same rules, driven with `now` (see WorkerPoolCore).
/// var core = WorkerPoolCore<Request, ContinuousClock.Instant>(pool.configuration)
/// ```
///
/// The decisions are ``WorkerPoolCore``'s (see there); this type runs them with tasks:
///
/// - ``submit(_:)`` rejects at once when the queue is full; ``submit(_:timeout:)`` waits
///   up to `timeout` (and never past the task's ``TaskDeadline``) for room
///   (block-with-timeout), FIFO among blocked submitters.
///   Cancelling a blocked submitter removes it; no slot is leaked.
/// - Workers are tasks of the caller, not of the pool: ``run(_:)`` runs them as child
///   tasks (structured, for a server's lifecycle) and starts elastic workers on demand;
///   ``runWorker(elastic:_:)`` runs one worker loop in the calling task and isolation
///   (start exactly `configuration.workers` of them, plus one per ``onWorkerWanted``).
/// - A new worker asked for by a queued job (with a `startupDelay`) or by
///   ``addWorkers(_:)`` sleeps the delay on the pool's clock before taking work; an
///   elastic worker retires after `idleTimeout` idle (above the core size).
/// - Jobs a CoDel discipline sheds are handed to ``onShed`` (outside any lock).
public final class WorkerPool<Job: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    /// Why a job was not accepted.
    public enum Rejection: Error, Sendable, Equatable {
        /// The queue was full (and, for a blocking submit, stayed full until the timeout).
        case queueFull
        /// The pool was shut down.
        case shutDown
        /// The submitting task was cancelled while it waited for room.
        case cancelled
    }

    private struct Parked {
        var id: UInt64
        var continuation: UnsafeContinuation<Job?, Never>
    }

    private struct Blocked {
        var id: UInt64
        var job: Job
        var continuation: UnsafeContinuation<Result<Void, Rejection>, Never>
    }

    private enum Step {
        case job(Job)
        case stop
        case park(UInt64)
    }

    private struct State {
        var core: WorkerPoolCore<Job, C.Instant>
        /// Workers the core asked to start whose task has not claimed the start yet.
        var pendingStarts = 0
        /// Idle workers waiting for a job.
        var parked = Deque<Parked>()
        /// Jobs the core gave to "an idle worker" while none was parked yet (one was
        /// between finishing and parking, or an elastic worker was still starting).
        var handoff = Deque<Job>()
        var blocked = Deque<Blocked>()
        var shutDown = false
        var nextID: UInt64 = 0
        /// Waits (blocked submitters, parked workers) registered but not parked yet, and
        /// the outcome decided for them in the meantime: on a multi-threaded clock a
        /// timeout or a cancellation can arrive before the waiter has parked.
        var registered: [UInt64: EarlyOutcome] = [:]
    }

    private enum EarlyOutcome {
        case none
        case rejected(Rejection)
        case stop
    }

    /// The pool's sizes and limits.
    public var configuration: WorkerPoolConfiguration { state.withLock { $0.core.configuration } }
    /// The clock for timeouts.
    public let clock: C
    private let state: Mutex<State>
    /// "One more worker, please", from submits to ``run(_:)``. Created with the pool so
    /// requests made before `run` starts are kept, not lost.
    private let elasticRequests: AsyncStream<Void>.Continuation
    private let elasticStream: AsyncStream<Void>
    /// Called (outside any lock) when the pool grew for a job and wants one more worker.
    /// ``run(_:)`` handles this itself; a caller using ``runWorker(elastic:_:)`` starts a
    /// task running `runWorker(elastic: true, ...)`.
    public let onWorkerWanted: (@Sendable () -> Void)?
    /// Called (outside any lock) with each queued job the queue discipline shed (CoDel):
    /// the pool will not run it, so fail it to its submitter.
    public let onShed: (@Sendable (Job) -> Void)?

    /// A pool with the given configuration, timing waits on `clock`.
    public init(_ configuration: WorkerPoolConfiguration, clock: C, onWorkerWanted: (@Sendable () -> Void)? = nil,
                onShed: (@Sendable (Job) -> Void)? = nil) {
        state = Mutex(State(core: WorkerPoolCore(configuration, at: clock.now)))
        (elasticStream, elasticRequests) = AsyncStream<Void>.makeStream()
        self.clock = clock
        self.onWorkerWanted = onWorkerWanted
        self.onShed = onShed
    }

    /// The core's counters.
    public var statistics: WorkerPoolStatistics { state.withLock { $0.core.statistics } }
    /// Workers present now (busy or idle).
    public var workers: Int { state.withLock { $0.core.workers } }
    /// The pool's load now (for an autoscaler, see ``WorkerPoolAutoscaler``).
    public func load() -> WorkerPoolLoad<C.Instant> {
        let now = clock.now
        return state.withLock { $0.core.load(at: now) }
    }

    /// Asks for up to `count` more workers (an autoscaler's decision; never beyond
    /// `maxWorkers`): each starts after the `startupDelay`. Returns how many were asked for.
    @discardableResult
    public func addWorkers(_ count: Int) -> Int {
        let now = clock.now
        let added = state.withLock { state -> Int in
            if state.shutDown { return 0 }
            let added = state.core.addWorkers(count, at: now)
            state.pendingStarts += added
            return added
        }
        for _ in 0..<added { requestWorker() }
        return added
    }
    /// Jobs waiting now.
    public var queued: Int { state.withLock { $0.core.queued } }
    /// Workers running a job now.
    public var busy: Int { state.withLock { $0.core.busy } }
    /// Submitters blocked for room now.
    public var blockedSubmitters: Int { state.withLock { $0.blocked.count } }

    // MARK: Submitting

    /// Hands `job` to an idle worker, or queues it; throws ``Rejection/queueFull`` at once
    /// when the queue is full (the non-blocking submit of the source documents).
    public func submit(_ job: Job) throws(Rejection) {
        var wake: Parked?
        var grew = false
        var shed: [Job] = []
        let now = clock.now
        defer { report(shed) }
        let failure: Rejection? = state.withLock { state in
            if state.shutDown { return .shutDown }
            let admission = state.core.offer(job, at: now)
            shed = state.core.takeShed()
            switch admission {
            case .start(let job, let newWorker):
                grew = newWorker
                if let parked = state.parked.popLast() {
                    wake = parked
                } else {
                    state.handoff.append(job)
                }
                return nil
            case .queued(let startingWorker):
                if startingWorker {
                    state.pendingStarts += 1
                    grew = true
                }
                return nil
            case .rejected:
                return .queueFull
            }
        }
        if let failure { throw failure }
        wake?.continuation.resume(returning: job)
        if grew { requestWorker() }
    }

    /// Like ``submit(_:)``, but when the queue is full waits up to `timeout` for room
    /// (FIFO among blocked submitters). Throws ``Rejection/queueFull`` when the time runs
    /// out and ``Rejection/cancelled`` when the task is cancelled while waiting.
    public func submit(_ job: Job, timeout: Duration) async throws(Rejection) {
        let timeout = TaskDeadline.limit(timeout, on: clock)!
        do {
            try submit(job)
            return
        } catch .queueFull {
            guard timeout > .zero else { throw .queueFull }
        } catch {
            throw error
        }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.registered[state.nextID] = EarlyOutcome.none
            return state.nextID
        }
        let deadline = clock.now.advanced(by: timeout)
        let result: Result<Void, Rejection> = await clock.race(deadline: deadline) {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<Result<Void, Rejection>, Never>) in
                    var admitted = Admitted()
                    let immediate: Result<Void, Rejection>? = state.withLock { state in
                        let early = state.registered.removeValue(forKey: id)
                        if case .rejected(let rejection)? = early { return .failure(rejection) }
                        if state.shutDown { return .failure(.shutDown) }
                        if Task.isCancelled { return .failure(.cancelled) }
                        state.blocked.append(Blocked(id: id, job: job, continuation: continuation))
                        // Room may have freed since the failed submit (on a multi-threaded
                        // clock the last jobs can finish in between): nothing else would
                        // wake this submitter then, so admit it (and anyone ahead) now.
                        if !state.core.isSaturated { admitted = Self.admitBlocked(&state, at: self.clock.now) }
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                    perform(admitted)
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
        let removed = state.withLock { state -> Blocked? in
            if state.registered[id] != nil {
                // Not parked yet: it will see this outcome when it tries to park.
                state.registered[id] = .rejected(rejection)
                return nil
            }
            return state.blocked.remove { $0.id == id }
        }
        removed?.continuation.resume(returning: .failure(rejection))
    }

    /// Moves blocked submitters into the pool while it has room (called after a worker
    /// took a job from the queue). Returns what to do outside the lock.
    private static func admitBlocked(_ state: inout State, at now: C.Instant) -> Admitted {
        var admitted = Admitted()
        while let first = state.blocked.first, !state.core.isSaturated {
            _ = state.blocked.popFirst()
            let admission = state.core.offer(first.job, at: now)
            admitted.shed.append(contentsOf: state.core.takeShed())
            switch admission {
            case .start(let job, let newWorker):
                if let parked = state.parked.popLast() {
                    admitted.wake.append((parked.continuation, job))
                } else {
                    state.handoff.append(job)
                }
                if newWorker { admitted.workersWanted += 1 }
            case .queued(let startingWorker):
                if startingWorker {
                    state.pendingStarts += 1
                    admitted.workersWanted += 1
                }
            case .rejected:
                // Only offered while the core has room, so a refusal here would be a bug
                // in this wrapper (an invariant), not a configuration the caller chose.
                preconditionFailure("a pool that is not saturated rejected a job")
            }
            admitted.submitters.append(first.continuation)
        }
        return admitted
    }

    private struct Admitted {
        var submitters: [UnsafeContinuation<Result<Void, Rejection>, Never>] = []
        var wake: [(UnsafeContinuation<Job?, Never>, Job)] = []
        var workersWanted = 0
        var shed: [Job] = []
    }

    // MARK: Working

    /// Runs one worker loop in the calling task until the pool shuts down and its queue
    /// is empty, or the task is cancelled. An `elastic` worker also retires after
    /// `idleTimeout` without work (if the pool is above its core size).
    ///
    /// A worker the core asked to start (after a queued job or ``addWorkers(_:)``) first
    /// sleeps the `startupDelay`, then takes the job waiting for it.
    public func runWorker(elastic: Bool = false, _ handler: (Job) async -> Void) async {
        var next: Job?
        if elastic, state.withLock({ state in
            guard state.pendingStarts > 0 else { return false }
            state.pendingStarts -= 1
            return true
        }) {
            let delay = configuration.startupDelay
            if delay > .zero { try? await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil) }
            let now = clock.now
            let (first, shed) = state.withLock { state in (state.core.workerStarted(at: now), state.core.takeShed()) }
            report(shed)
            next = first
        }
        if next == nil { next = await takeJob(elastic: elastic) }
        while let job = next {
            await handler(job)
            next = finishAndTakeNext(elastic: elastic)
            if next == nil { next = await takeJob(elastic: elastic) }
        }
    }

    /// Runs the core workers (and elastic ones on demand) as child tasks until the pool
    /// shuts down and drains, or the calling task is cancelled.
    ///
    /// Cancelling the calling task shuts the pool down (no worker is left to run a job, so
    /// later submits are refused with ``Rejection/shutDown`` rather than accepted and
    /// never run); jobs still queued stay there for ``drainQueue()``. Call it once per pool.
    public func run(_ handler: @escaping @Sendable (Job) async -> Void) async {
        let requests = elasticStream
        let coreWorkers = configuration.workers
        await withDiscardingTaskGroup { group in
            for _ in 0..<coreWorkers {
                group.addTask { await self.runWorker(handler) }
            }
            // Ends when shutdown() finishes the stream or the task is cancelled.
            for await _ in requests {
                group.addTask { await self.runWorker(elastic: true, handler) }
            }
        }
        shutdown()
    }

    /// Stops accepting jobs. Queued jobs still run (graceful); idle workers exit, and
    /// blocked submitters are rejected with ``Rejection/shutDown``.
    public func shutdown() {
        let (idle, blocked) = state.withLock { state -> ([Parked], [Blocked]) in
            state.shutDown = true
            let blocked = state.blocked.removeAll()
            if state.core.queued == 0 && state.handoff.isEmpty { return (state.parked.removeAll(), blocked) }
            return ([], blocked)
        }
        for worker in idle { worker.continuation.resume(returning: nil) }
        for submitter in blocked { submitter.continuation.resume(returning: .failure(.shutDown)) }
        elasticRequests.finish()
    }

    /// Drops every queued job and returns them (a crash of the process that owns the
    /// pool loses them); the pool keeps accepting work.
    ///
    /// Blocked submitters move into the freed room, in order.
    public func drainQueue() -> [Job] {
        let now = clock.now
        let (drained, admitted) = state.withLock { state -> ([Job], Admitted) in
            let drained = state.core.drainQueue()
            return (drained, state.blocked.isEmpty ? Admitted() : Self.admitBlocked(&state, at: now))
        }
        perform(admitted)
        return drained
    }

    /// Hands shed jobs to ``onShed``.
    private func report(_ shed: [Job]) {
        guard let onShed else { return }
        for job in shed { onShed(job) }
    }

    private func requestWorker() {
        elasticRequests.yield()
        onWorkerWanted?()
    }

    /// The job just handled is done: the next queued job for this worker, or nil when the
    /// worker went idle.
    private func finishAndTakeNext(elastic: Bool) -> Job? {
        let now = clock.now
        let (next, admitted) = state.withLock { state -> (Job?, Admitted) in
            let next = state.core.finish(at: now)
            let shed = state.core.takeShed()
            var admitted = state.blocked.isEmpty ? Admitted() : Self.admitBlocked(&state, at: now)
            admitted.shed.insert(contentsOf: shed, at: 0)
            return (next, admitted)
        }
        perform(admitted)
        return next
    }

    /// Resumes, outside the lock, what ``admitBlocked(_:)`` decided.
    private func perform(_ admitted: Admitted) {
        for (worker, job) in admitted.wake { worker.resume(returning: job) }
        for submitter in admitted.submitters { submitter.resume(returning: .success(())) }
        for _ in 0..<admitted.workersWanted { requestWorker() }
        report(admitted.shed)
    }

    /// Waits, as an idle worker, for a job; nil means "stop".
    private func takeJob(elastic: Bool) async -> Job? {
        while true {
            let step: Step = state.withLock { state in
                if let job = state.handoff.popFirst() { return .job(job) }
                if state.shutDown || Task.isCancelled { return .stop }
                state.nextID += 1
                state.registered[state.nextID] = EarlyOutcome.none
                return .park(state.nextID)
            }
            switch step {
            case .job(let job): return job
            case .stop: return nil
            case .park(let id):
                guard elastic else { return await park(id) }
                let deadline = clock.now.advanced(by: configuration.idleTimeout)
                let timedOut = Mutex(false)
                let job = await clock.race(deadline: deadline) {
                    await park(id)
                } onTimeout: {
                    timedOut.withLock { $0 = true }
                    self.unpark(id)
                }
                if let job { return job }
                guard timedOut.withLock({ $0 }) else { return nil }
                let now = clock.now
                if state.withLock({ $0.core.retireIdleWorker(at: now) }) { return nil }
            }
        }
    }

    private func park(_ id: UInt64) async -> Job? {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Job?, Never>) in
                let job: Job?? = state.withLock { state in
                    let early = state.registered.removeValue(forKey: id)
                    if let job = state.handoff.popFirst() { return .some(job) }
                    if case .stop? = early { return .some(nil) }
                    if state.shutDown || Task.isCancelled { return .some(nil) }
                    state.parked.append(Parked(id: id, continuation: continuation))
                    return nil
                }
                if let job { continuation.resume(returning: job) }
            }
        } onCancel: {
            self.unpark(id)
        }
    }

    /// Removes a parked worker from the waiting line and tells it to stop.
    private func unpark(_ id: UInt64) {
        let worker = state.withLock { state -> Parked? in
            if state.registered[id] != nil {
                state.registered[id] = .stop
                return nil
            }
            return state.parked.remove { $0.id == id }
        }
        worker?.continuation.resume(returning: nil)
    }
}
