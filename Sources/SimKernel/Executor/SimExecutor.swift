#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The single-threaded executor that runs one simulated world.
///
/// It is the `SerialExecutor` of every actor in the world, and the world's tasks send it
/// their other jobs too (``TaskRouting``), so every job of the world runs on the thread
/// that calls ``run(until:maxSteps:)`` in the order this type decides:
///
/// 1. jobs in FIFO order, as they were enqueued;
/// 2. when none are left, the earliest timer (ties broken by scheduling order), after
///    moving ``now`` to its instant.
///
/// Same program + same seed therefore means the same execution, to the byte. Nothing in
/// this type is global: many executors can run side by side on different threads.
///
/// Jobs enqueued from a thread other than the running one, and sleeps on a real clock,
/// are determinism bugs; they stop the run with ``LoopExit/violation(_:)`` instead of
/// silently changing the order of events.
public final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// How the world's tasks keep the jobs they send to the global executor (a hop to
    /// nonisolated code, a task group's child, an unstructured `Task {}`) on this
    /// executor. Both ways queue the same jobs at the same moments, so a world runs the
    /// same, to the byte, either way.
    public enum TaskRouting: Sendable, Equatable {
        /// Tasks start without an executor preference; the jobs they send to the global
        /// executor from the world's thread are handed here by the runtime's global-enqueue
        /// hook (``GlobalEnqueueHooks``). The default wherever the hook exists: a task with
        /// a preference pays a lock on its status records at every actor hop (8–9% of a
        /// platform run, measured).
        case adoption
        /// Every task prefers this executor (`Task(executorPreference:)`, SE-0417), so the
        /// runtime sends its nonisolated jobs here itself; child tasks inherit the
        /// preference. Used where the runtime lacks the hook.
        case preference
    }
    enum TimerAction {
        /// A free timer slot.
        case empty
        /// A task asleep in `sleep(until:)`, not yet parked (see `sleep`).
        case unarmed
        case resume(UnsafeContinuation<Void, any Error>)
        case callback(() -> Void)
        case event(any SimEventHandler, SimEvent)
    }

    // The run loop's state is only ever touched from the runner thread (enqueue from
    // elsewhere is diverted above), so the dynamic exclusivity checks Swift would place
    // on every access of these class properties buy nothing; measured at ~20% of a
    // M/M/c run, they are turned off here and only here.
    @exclusivity(unchecked) private var jobs = RingBuffer<UnownedJob>(capacity: 1024)
    @exclusivity(unchecked) private var timers = TimerQueue()
    /// Current virtual time in nanoseconds since the world started.
    @exclusivity(unchecked) public private(set) var now: Int64 = 0

    /// Jobs run so far.
    @exclusivity(unchecked) public private(set) var jobsRun: Int = 0
    /// Timers fired so far (sleeps that ended, callbacks and events run).
    @exclusivity(unchecked) public private(set) var timersFired: Int = 0

    /// The thread running the loop, while it runs.
    private var runner: pthread_t?
    /// Set when a determinism violation is detected; stops the run.
    private var violation: String?
    /// Set when the model reports a programming error; stops the run.
    private var failure: String?
    /// Whether ``failure`` is a limit the world set (``exceedLimit(_:)``), not a programming error.
    private var failureIsLimit = false
    /// Real-clock sleeps' wake-ups; kept (never run) so the sleeper cannot race with the
    /// world on another thread.
    private var quarantined: [UnownedJob] = []
    /// Violations seen from other threads: the only state they may touch.
    private let foreign = Mutex<(message: String?, jobs: [UnownedJob])>((nil, []))
    private let foreignSeen = Atomic<Bool>(false)

    /// When virtual time reaches this instant the run loop calls ``onBoundary`` before
    /// running anything at that time (the metrics use it to close time-series intervals).
    public var boundary: Int64 = .max
    /// Called with the new time when a timer moves time to or past ``boundary``.
    public var onBoundary: ((Int64) -> Void)?

    /// How the world's tasks keep their jobs here.
    public let taskRouting: TaskRouting

    /// Creates an idle executor at virtual time zero, routing tasks by ``TaskRouting/adoption``
    /// where the runtime has the global-enqueue hook, by ``TaskRouting/preference`` elsewhere.
    public convenience init() {
        self.init(taskRouting: GlobalEnqueueHooks.isInstalled ? .adoption : .preference)
    }

    /// Creates an idle executor routing tasks as `taskRouting` says (both give the same
    /// runs; tests compare them). ``TaskRouting/adoption`` needs the runtime's hook.
    init(taskRouting: TaskRouting) {
        GlobalEnqueueHooks.installOnce()
        precondition(taskRouting == .preference || GlobalEnqueueHooks.isInstalled,
                     "task routing by adoption needs the runtime's swift_task_enqueueGlobal_hook")
        self.taskRouting = taskRouting
    }

    // MARK: Executor conformance

    public func enqueue(_ job: consuming ExecutorJob) {
        append(UnownedJob(job))
    }

    /// A job of the world sent to the global executor from a thread marked as the
    /// world's (``GlobalEnqueueHooks``): queued like any other.
    func adopt(_ job: UnownedJob) {
        append(job)
    }

    @inline(__always)
    private func append(_ job: UnownedJob) {
        if let runner, pthread_equal(runner, pthread_self()) == 0 {
            // Another thread reached into the world: its timing would decide the order.
            foreignEnqueue(job)
            return
        }
        jobs.append(job)
    }

    /// Starts an unstructured task whose jobs run here, by ``taskRouting``.
    func startTask(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        switch taskRouting {
        case .adoption:
            // The new task's first job goes to the global executor as it is made. Marked
            // by hand rather than through ``adoptingJobs(_:)``: a closure capturing the
            // `sending` operation could not pass it on to `Task`.
            let previous = GlobalEnqueueHooks.enter(self)
            defer { GlobalEnqueueHooks.leave(previous) }
            return Task(operation: operation)
        case .preference:
            return Task(executorPreference: self, operation: operation)
        }
    }

    /// Runs `body` with the jobs this thread sends to the global executor queued here:
    /// for the moments outside ``run(until:maxSteps:)`` that start or wake world tasks.
    func adoptingJobs<T>(_ body: () throws -> T) rethrows -> T {
        let previous = GlobalEnqueueHooks.enter(self)
        defer { GlobalEnqueueHooks.leave(previous) }
        return try body()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func isIsolatingCurrentContext() -> Bool? {
        isOnRunnerThread
    }

    public func checkIsolated() {
        precondition(isOnRunnerThread, "not on the simulation thread")
    }

    /// Whether the calling thread is the one running this executor's loop.
    public var isOnRunnerThread: Bool {
        guard let runner else { return false }
        return pthread_equal(runner, pthread_self()) != 0
    }

    // MARK: Timers

    /// Number of timers pending (sleeping tasks and scheduled callbacks).
    public var pendingTimers: Int { timers.count }

    /// Number of jobs ready to run.
    public var pendingJobs: Int { jobs.count }

    /// Schedules `action` to run on the simulation thread at virtual time `when`
    /// (nanoseconds; a past instant means "now, after the jobs already queued").
    ///
    /// This is the allocation-light path for model code that needs no task: the action
    /// runs synchronously inside the run loop, isolated to this executor (so
    /// `actor.assumeIsolated` works inside it for actors using this executor).
    ///
    /// A `background` timer (a heartbeat, a housekeeping tick) never keeps a world alive:
    /// when only background timers are left, the world is finished (or stalled, if tasks
    /// that should finish are still waiting).
    @discardableResult
    public func schedule(at when: Int64, background: Bool = false, _ action: @escaping () -> Void) -> TimerHandle {
        timers.insert(at: Swift.max(when, now), .callback(action), background: background)
    }

    /// Schedules `event` for `handler` at virtual time `when` (nanoseconds).
    ///
    /// The cheapest way to model a delay: no task, no continuation and no allocation.
    /// The handler's ``SimEventHandler/handle(_:)`` runs synchronously inside the run
    /// loop on the simulation thread. The executor keeps a strong reference to the
    /// handler until the event fires or is cancelled.
    @discardableResult
    public func schedule(at when: Int64, _ handler: any SimEventHandler, _ event: SimEvent, background: Bool = false) -> TimerHandle {
        timers.insert(at: Swift.max(when, now), .event(handler, event), background: background)
    }

    /// Cancels a callback or sleep scheduled earlier. A sleeping task is resumed with
    /// `CancellationError`. Returns whether anything was pending.
    @discardableResult
    public func cancel(_ handle: TimerHandle) -> Bool {
        guard let action = timers.cancel(handle) else { return false }
        if case .resume(let continuation) = action {
            continuation.resume(throwing: CancellationError())
        }
        return true
    }

    /// Whether the timer behind `handle` is still pending.
    public func isPending(_ handle: TimerHandle) -> Bool { timers.isPending(handle) }

    /// Suspends the calling task until virtual time `when` (nanoseconds).
    ///
    /// Cancelling the task removes its timer at once and throws `CancellationError`.
    ///
    /// The closures below capture `isolation` on purpose: that keeps them isolated to the
    /// caller's actor. Without it the cancellation handler's operation would be treated as
    /// `@concurrent` and every sleep would cost an extra executor hop back to the actor
    /// (measured: 2–3 jobs per sleep instead of 1).
    func sleep(until when: Int64, isolation: isolated (any Actor)? = #isolation) async throws {
        try Task.checkCancellation()
        // The slot is taken before suspending so the cancellation handler can name it
        // without a shared box; it is armed with the continuation a moment later, before
        // the run loop can look at it (this all happens on the simulation thread).
        let handle = timers.insert(at: Swift.max(when, now), .unarmed, background: SimTaskContext.isBackground)
        try await withTaskCancellationHandler(operation: {
            try await withUnsafeThrowingContinuation(isolation: isolation) { (continuation: UnsafeContinuation<Void, any Error>) in
                if Task.isCancelled {
                    _ = timers.cancel(handle)
                    continuation.resume(throwing: CancellationError())
                } else {
                    timers.replacePayload(handle, with: .resume(continuation))
                }
            }
        }, onCancel: {
            self.cancel(handle)
        }, isolation: isolation)
    }

    // MARK: Run loop

    /// Why ``run(until:maxSteps:)`` returned.
    public enum LoopExit: Equatable, Sendable {
        /// No jobs and no timers left, except background chores.
        case idle
        /// The next timer lies after the end time; `now` was moved to the end time.
        case reachedEnd
        /// The step budget ran out.
        case budgetExhausted
        /// A determinism violation (escaped task, foreign-thread enqueue).
        case violation(String)
        /// The model stopped the run on a programming error (see ``fail(_:)``).
        case failed(String)
        /// The world outgrew its limits (see ``exceedLimit(_:)``).
        case overLimit(String)
    }

    /// Runs jobs and timers until nothing is left, the next timer lies beyond `end`
    /// (nanoseconds), `maxSteps` jobs+timers have run, or a violation is seen.
    public func run(until end: Int64 = .max, maxSteps: Int = .max) -> LoopExit {
        precondition(runner == nil, "SimExecutor.run is not reentrant")
        runner = pthread_self()
        let previous = GlobalEnqueueHooks.enter(self)
        defer {
            GlobalEnqueueHooks.leave(previous)
            runner = nil
        }
        let serial = asUnownedSerialExecutor()
        let preferred = asUnownedTaskExecutor()
        // Jobs run as the actors' executor and, when tasks prefer this one, as their task
        // executor too: run as the tasks expect, a task hops only when its isolation
        // changes (run otherwise, every actor call would be a hop to "its" task executor).
        let prefers = taskRouting == .preference
        var steps = 0
        while true {
            while let job = jobs.popFirst() {
                if prefers {
                    job.runSynchronously(isolatedTo: serial, taskExecutor: preferred)
                } else {
                    job.runSynchronously(on: serial)
                }
                jobsRun &+= 1
                steps &+= 1
                if let violation { return .violation(violation) }
                if let failure { return failureIsLimit ? .overLimit(failure) : .failed(failure) }
                if steps >= maxSteps { return .budgetExhausted }
            }
            if foreignSeen.load(ordering: .relaxed) {
                collectForeignViolation()
                if let violation { return .violation(violation) }
            }
            // Background chores alone never keep a world going.
            guard timers.foregroundCount > 0, let when = timers.earliest else { return .idle }
            if when > end {
                now = Swift.max(now, end)
                return .reachedEnd
            }
            var time: Int64 = 0
            let action = timers.popEarliest(&time)
            now = time
            if time >= boundary, let onBoundary { onBoundary(time) }
            timersFired &+= 1
            steps &+= 1
            // Consumed, so a callback's context and an event's handler are called on the
            // reference the timer held rather than on a copy: a copy is a retain and a
            // release, writes to the header of an object a big world has often let go cold.
            switch consume action {
            case .resume(let continuation): continuation.resume()
            case .callback(let body): body()
            case .event(let handler, let event): handler.handle(event)
            case .unarmed, .empty: preconditionFailure("timer fired before its sleeper parked")
            }
            if foreignSeen.load(ordering: .relaxed) { collectForeignViolation() }
            if let violation { return .violation(violation) }
            if let failure { return failureIsLimit ? .overLimit(failure) : .failed(failure) }
            if steps >= maxSteps { return .budgetExhausted }
        }
    }

    private func collectForeignViolation() {
        let message = foreign.withLock { $0.message }
        if violation == nil, let message { violation = message }
    }

    /// Pending timers in firing order, for diagnostics: instant and kind.
    public func pendingTimerSummary() -> [(when: Int64, isSleep: Bool)] {
        timers.pendingInOrder().map { entry in
            if case .resume = entry.payload { return (entry.when, true) }
            return (entry.when, false)
        }
    }

    /// Cancels every pending timer: sleeping tasks are resumed with `CancellationError`,
    /// callbacks are dropped. Used when a finished world is torn down.
    public func cancelAllTimers() {
        var time: Int64 = 0
        while !timers.isEmpty {
            if case .resume(let continuation) = timers.popEarliest(&time) {
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    // MARK: Violations

    /// Stops the run after the current job or timer: the model found a programming error
    /// (a call sent where nothing serves it) that no retry or breaker should absorb.
    /// The first message is kept.
    public func fail(_ message: String) {
        if failure == nil { failure = message }
    }

    /// Stops the run after the current job or timer because the world outgrew a limit it
    /// set itself (a queue or the live tasks past `limits.max_in_flight`): the run ends
    /// with its results so far, rather than the process with a failed allocation. The
    /// message names what grew. The first stop, of either kind, is kept.
    public func exceedLimit(_ message: String) {
        guard failure == nil else { return }
        failure = message
        failureIsLimit = true
    }


    /// A job arrived from a thread other than the runner: its timing, not the model,
    /// would decide the order. Only the lock-protected box and the flag are touched
    /// here; the job is kept, never run, so the foreign code cannot race with the world.
    func foreignEnqueue(_ job: UnownedJob) {
        foreign.withLock { state in
            state.jobs.append(job)
            if state.message == nil {
                state.message = "a job was enqueued on the simulation executor from another thread "
                    + "(a continuation resumed by real I/O, Dispatch or a real clock?); "
                    + "everything a world touches must run on the simulation"
            }
        }
        foreignSeen.store(true, ordering: .relaxed)
    }

    /// Called by the global-executor hooks, on the runner thread, when a task of this
    /// world slept on a real clock.
    func noteEscape(_ message: String, job: UnownedJob) {
        quarantined.append(job)
        if violation == nil { violation = message }
    }
}

extension SimExecutor.TimerAction {
    var isEmpty: Bool {
        if case .empty = self { return true }
        return false
    }

    /// Prefetches the memory firing this timer touches first, for a sleep: the task it
    /// resumes (``Prefetch/task(resumedBy:)``). An event's handler is left alone: taking
    /// it out of the payload retains it, a write that waits for the very line a prefetch
    /// would ask for (measured at ×100: no gain); so is a callback's context, small and
    /// mostly hot.
    @inline(__always)
    func prefetchTask() {
        if case .resume(let continuation) = self {
            Prefetch.task(resumedBy: continuation)
        }
    }

    /// Prefetches, for a sleep, the frame the task resumes into; read from the task's
    /// header, so called a step after ``prefetchTask()`` asked for it.
    @inline(__always)
    func prefetchFrame() {
        if case .resume(let continuation) = self {
            Prefetch.frame(resumedBy: continuation)
        }
    }
}

extension TimerQueue {
    mutating func replacePayload(_ handle: TimerHandle, with payload: Payload) {
        precondition(isPending(handle))
        setPayload(handle, payload)
    }
}
