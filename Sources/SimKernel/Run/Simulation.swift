/// One simulated world: its executor, clock, random streams, trace and metrics.
///
/// Nothing here is global, so any number of simulations can run side by side, one per
/// thread. Everything a world does happens inside ``run(until:maxSteps:)`` on the calling
/// thread; the type is `Sendable` only so that actors of the world can hold it, and must
/// not be used from another thread while it runs.
///
/// ```swift
/// let sim = Simulation(seed: 42)
/// sim.spawn("hello") { [clock = sim.clock] in
///     try? await clock.sleep(for: .seconds(1))
/// }
/// let result = sim.run()
/// // result.endTime == 1_000_000_000, result.stop == .completed
/// ```
public final class Simulation: @unchecked Sendable {
    /// The world seed every random stream derives from.
    public let seed: UInt64
    /// The executor of every actor and task of the world.
    public let executor: SimExecutor
    /// The world's clock.
    public let clock: VirtualClock
    /// The ordered event trace and its digest.
    public let trace: Trace
    /// Counters, histograms, gauges and their time series.
    public let metrics: Metrics
    let tasks = TaskRegistry()

    /// A new world at time zero.
    public convenience init(seed: UInt64) {
        self.init(seed: seed, executor: SimExecutor())
    }

    /// A new world whose tasks keep to its executor as `taskRouting` says (tests compare
    /// the two ways; both give the same run).
    convenience init(seed: UInt64, taskRouting: SimExecutor.TaskRouting) {
        self.init(seed: seed, executor: SimExecutor(taskRouting: taskRouting))
    }

    private init(seed: UInt64, executor: SimExecutor) {
        self.seed = seed
        self.executor = executor
        clock = VirtualClock(executor: executor)
        trace = Trace(executor: executor)
        metrics = Metrics(executor: executor)
    }

    /// Current virtual time.
    public var now: VirtualClock.Instant { clock.now }

    /// The random stream named `name` (an actor's stable id) under the world seed.
    public func random(_ name: String) -> RandomStream {
        RandomStream(seed: seed, name: name)
    }

    /// The executor as actors return it from `unownedExecutor`.
    public var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Starts a task of the world. It runs on the world's executor, and so do its child
    /// tasks (task groups, `async let`) and any unstructured task it starts
    /// (``SimExecutor/TaskRouting``).
    ///
    /// Returns the task, so the model can cancel it (a crashed server's request handlers).
    ///
    /// A *daemon* task (a server loop, a worker, a queue consumer) may wait forever
    /// without the world counting as stalled; the world completes when every
    /// non-daemon task has finished and nothing is scheduled.
    ///
    /// A *background* task's sleeps are chores (housekeeping, periodic relays): like
    /// background timers, they never keep the world alive (see ``inForeground(_:)`` for
    /// the parts of such a task that are real work).
    ///
    /// `busy` tells, for a daemon whose owner already keeps track of its work, what it is
    /// busy with now (nil: idle); it is asked only when the world runs out of things to
    /// do or a report names its tasks. A busy daemon is work that must finish, as inside
    /// ``working(named:_:)``, without declaring each job: a server's worker serving call
    /// after call would otherwise read its task's context and write its registry entry
    /// twice per call, both far from cached in a big world.
    ///
    /// ```swift
    /// sim.spawn("handler", daemon: true, busy: { worker.current.map { "serving \($0)" } }) {
    ///     await worker.serveForever()
    /// }
    /// ```
    @discardableResult
    public func spawn(_ name: String, daemon: Bool = false, background: Bool = false,
                      busy: (() -> String?)? = nil,
                      _ body: sending @escaping () async -> Void) -> Task<Void, Never> {
        let id = register(name, daemon: daemon, busy: busy)
        let registry = tasks
        let task = executor.startTask {
            await SimTaskContext.$current.withValue(SimTaskContext(id: id, background: background)) {
                await body()
            }
            registry.finish(id)
        }
        tasks.attach(task, to: id)
        return task
    }

    /// Registers a task about to start, stopping the run past ``maxInFlight``.
    private func register(_ name: String, daemon: Bool, busy: (() -> String?)? = nil) -> Int {
        let id = tasks.register(name, daemon: daemon, busy: busy)
        if let maxInFlight, tasks.liveCount > maxInFlight {
            exceedLimit("\(tasks.liveCount) tasks alive at once (the latest \"\(name)\"), past limits.max_in_flight (\(maxInFlight))")
        }
        return id
    }

    /// Starts a task of the world whose whole body is isolated to `actor`: it starts on
    /// the actor and ends there.
    ///
    /// ```swift
    /// // Inside an actor of the world:
    /// sim.spawn("merchant-3 order 7", on: self) { merchant in await merchant.decide(order: 7) }
    /// ```
    ///
    /// One job, as a sleeping task's resumption is, where ``spawn(_:daemon:background:_:)``
    /// with a closure calling into the actor takes four: the world's executor runs every
    /// job as the actors' executor, so nonisolated code (binding the task's context, or
    /// the registry's bookkeeping after the actor's part) is a hop back through the
    /// queue, behind whatever was queued meanwhile. Not a daemon, not a background chore.
    public func spawn<A: Actor>(_ name: String, on actor: isolated A, _ body: @escaping @Sendable (isolated A) async -> Void) {
        let id = register(name, daemon: false)
        nonisolated(unsafe) let registry = tasks
        // The task's whole life is the actor's, its bookkeeping included: a task body that
        // ran code of its own after the actor's would hop back through the queue for it.
        let life: @Sendable (isolated A) async -> Void = { actor in
            await body(actor)
            registry.finish(id)
        }
        // Bound here, the context is copied into the task as it is made; bound inside
        // the task, binding it would be the task's first hop. The task is the actor's
        // from its first job, which goes to the actor's executor (the world's); a
        // preference is still needed where jobs it sends to the global executor would not
        // be adopted.
        let task = SimTaskContext.$current.withValue(SimTaskContext(id: id, background: false)) {
            switch executor.taskRouting {
            case .adoption: Task { [actor] in await life(actor) }
            case .preference: Task(executorPreference: executor) { [actor] in await life(actor) }
            }
        }
        tasks.attach(task, to: id)
    }

    /// Starts a task of the world isolated to `actor` (see ``spawn(_:on:_:)``) `delay` from
    /// now: until then the world holds a timer, not a suspended task.
    ///
    /// ```swift
    /// // Inside a rider: it rides for five minutes, then goes on as a new task.
    /// sim.spawn("rider-3 delivering 7", after: .seconds(300), on: self) { rider in
    ///     await rider.collect(order: 7)
    /// }
    /// ```
    ///
    /// For model work that waits long between short bursts of calls (a merchant cooking,
    /// a rider on the road, a customer between two looks at the app): a task that sleeps
    /// keeps every slab its deepest call ever took, since Swift's task allocator frees a
    /// task's slabs only when the task ends (~3 KB for a task that has made a network
    /// call), and a big world's sleepers filled the heap with them. Ending the task and
    /// starting the next burst here keeps the order of events a sleep would have given,
    /// to the byte: called in `actor` where its task would have called
    /// `clock.sleep(for: delay)`, as the task's last step, the timer is queued where the
    /// sleep's would have been, and when it fires the new task's first job is queued
    /// where the sleeper's resumption would have been. Task-locals are not carried over:
    /// bind what the burst needs in `body`.
    public func spawn<A: Actor>(_ name: String, after delay: Duration, on actor: A,
                                _ body: @escaping @Sendable (isolated A) async -> Void) {
        executor.schedule(at: executor.now.addingClamped(delay.nanoseconds)) { [self] in
            actor.isolatedOnWorldThread(()) { actor, _ in self.spawn(name, on: actor, body) }
        }
    }

    /// Runs `operation`, declaring that the current task waits on `label` meanwhile, so a
    /// stall report can say what each task was stuck on ("pool db.connections",
    /// "response from order#1").
    public func waiting<T>(on label: String, _ operation: () async throws -> T) async rethrows -> T {
        guard let id = SimTaskContext.current?.id else { return try await operation() }
        let previous = tasks.setWaitLabel(id, label)
        defer { _ = tasks.setWaitLabel(id, previous) }
        return try await operation()
    }

    /// Runs `operation` as work a daemon task must finish: a server's worker is a daemon
    /// while it waits for a job (the world may end around it), but a job it never
    /// finishes is a stall. A stall report names the task by `activity` meanwhile.
    /// Outside a daemon task it only runs `operation`.
    public func working<T>(on activity: String, _ operation: () async throws -> T) async rethrows -> T {
        try await working(named: { activity }, operation)
    }

    /// ``working(on:_:)`` with the activity's name made only when something asks for it
    /// (a stall report, ``liveTaskNames``): a server's handler declares every call it
    /// serves, and formatting "order#3 handling create_order" for each cost a string and
    /// an allocation per call that nearly always went unread.
    public func working<T>(named activity: @escaping () -> String, _ operation: () async throws -> T) async rethrows -> T {
        guard let id = SimTaskContext.current?.id else { return try await operation() }
        tasks.setActivity(id, activity)
        defer { tasks.setActivity(id, nil) }
        return try await operation()
    }

    /// Runs `operation` with its sleeps counted as real work, inside a background task
    /// (opening a connection for a waiting caller is work, though the pool's runner that
    /// does it is a background chore).
    public func inForeground<T>(_ operation: () async throws -> T) async rethrows -> T {
        // Outside a background task the sleeps are real work already: nothing to bind.
        guard let context = SimTaskContext.current, context.background else { return try await operation() }
        return try await SimTaskContext.$current.withValue(SimTaskContext(id: context.id, background: false)) {
            try await operation()
        }
    }

    /// Stops the run with ``StopReason/failed(_:)`` after the current job: the model hit a
    /// programming error (a misrouted call) that must not pass for a transient failure.
    public func fail(_ message: String) { executor.fail(message) }

    /// Stops the run with ``StopReason/overLimit(_:)`` after the current job: the world
    /// outgrew a limit it set itself; `message` names what grew.
    public func exceedLimit(_ message: String) { executor.exceedLimit(message) }

    /// The most work one place of the world may hold at once (nil: no limit): the tasks
    /// alive, checked here at each spawn, and the items waiting in one queue, which the
    /// model checks where it queues. Past it the run stops with
    /// ``StopReason/overLimit(_:)``, naming what grew, instead of growing until an
    /// allocation fails.
    public var maxInFlight: Int?

    /// Number of tasks started and not finished.
    public var liveTasks: Int { tasks.liveCount }

    /// The names of the tasks alive now, in start order (a busy daemon by its activity).
    public var liveTaskNames: [String] { tasks.snapshot().map(\.shownName) }

    /// Number of tasks started so far.
    public var tasksStarted: Int { tasks.started }

    /// Runs the world until it completes, reaches `end`, spends `maxSteps` jobs and
    /// timers, stalls, or violates determinism.
    public func run(until end: Duration? = nil, maxSteps: Int? = nil) -> RunResult {
        wakeRestingTasks()
        defer { listRestingTasks() }
        let endNanos = end.map { $0.nanoseconds } ?? .max
        let metrics = self.metrics, executor = self.executor
        // A later slice of the same run: the partial row the last slice closed is reopened.
        // A run that cannot advance time (the invariant check after a world's end) is
        // not a slice: the partial row stays closed, and what it records stays out of it.
        if endNanos > executor.now { metrics.resume() } else { metrics.keepClosed() }
        executor.boundary = metrics.nextBoundary
        executor.onBoundary = { [unowned metrics, unowned executor] time in
            metrics.advance(to: time)
            executor.boundary = metrics.nextBoundary
        }
        let exit = runObserved(until: endNanos, maxSteps: maxSteps ?? .max)
        executor.onBoundary = nil
        metrics.finish(at: executor.now)
        let stop: StopReason
        switch exit {
        case .idle:
            if tasks.hasLiveWork {
                stop = .stalled(stallReport())
            } else {
                stop = .completed
            }
        case .reachedEnd: stop = .reachedEndTime
        case .budgetExhausted: stop = .budgetExhausted(steps: executor.jobsRun + executor.timersFired)
        case .violation(let message): stop = .violation(message)
        case .failed(let message): stop = .failed(message)
        case .overLimit(let message): stop = .overLimit(message)
        }
        return RunResult(
            stop: stop, endTime: executor.now, jobs: executor.jobsRun, timers: executor.timersFired,
            events: trace.count, digest: trace.digest)
    }

    /// The tasks alive when the last run returned, listed with the global-enqueue hooks
    /// so that waking one from outside a run queues it here (``SimExecutor/TaskRouting/adoption``).
    private var restingTasks: [UnsafeRawPointer] = []

    private func listRestingTasks() {
        guard executor.taskRouting == .adoption else { return }
        restingTasks = tasks.liveTaskAddresses()
        GlobalEnqueueHooks.rest(restingTasks, in: executor)
    }

    private func wakeRestingTasks() {
        GlobalEnqueueHooks.wake(restingTasks)
        restingTasks = []
    }

    deinit {
        GlobalEnqueueHooks.wake(restingTasks)
    }

    /// Where a running world has got to, for a progress display outside the world.
    public struct Progress: Sendable, Equatable {
        /// Virtual time, nanoseconds.
        public var now: Int64
        /// Jobs and timers run so far.
        public var steps: Int
        /// Model events recorded so far.
        public var events: Int
    }

    /// Called during ``run(until:maxSteps:)`` after every ``progressSteps`` jobs and
    /// timers, on the running thread, between two steps. It only reads: the run loop is
    /// resumed exactly where it paused, so a world runs the same, digest included, with
    /// or without an observer. Nil (the default) runs the loop without pausing.
    public var progressObserver: ((Progress) -> Void)?
    /// Steps between two calls of ``progressObserver``.
    public var progressSteps = 100_000

    /// The executor's run loop, paused every ``progressSteps`` steps to call the
    /// observer when there is one, and to give the heap grown meanwhile huge pages when
    /// ``HugePageHeap`` is enabled. Pausing is returning with `budgetExhausted` and
    /// running again: the loop keeps all its state in the executor.
    private func runObserved(until end: Int64, maxSteps: Int) -> SimExecutor.LoopExit {
        let observer = progressObserver, hugePages = HugePageHeap.isEnabled
        guard observer != nil || hugePages else { return executor.run(until: end, maxSteps: maxSteps) }
        var remaining = maxSteps
        let chunk = Swift.max(progressSteps, 1)
        while true {
            if hugePages { HugePageHeap.adviseGrowth() }
            let steps = Swift.min(remaining, chunk)
            let exit = executor.run(until: end, maxSteps: steps)
            remaining -= steps
            guard exit == .budgetExhausted, remaining > 0 else { return exit }
            observer?(Progress(now: executor.now, steps: executor.jobsRun + executor.timersFired, events: trace.count))
        }
    }

    func stallReport() -> StallReport {
        let live = tasks.snapshot().map { WaitingTask(name: $0.shownName, waitingOn: $0.waitingOn, daemon: !$0.isWork) }
        return StallReport(time: executor.now, waiting: live.filter { !$0.daemon } + live.filter(\.daemon))
    }

    /// Runs `body` inside the world when it is torn down (``shutdown(maxSteps:)``),
    /// after every task is cancelled: for tasks cancellation cannot reach, such as a
    /// server's idle workers parked on a continuation until their next job.
    public func atShutdown(_ body: @escaping () -> Void) { shutdownHooks.append(body) }
    private var shutdownHooks: [() -> Void] = []

    /// Tears a finished world down: cancels every live task and pending timer and runs
    /// what that unblocks (without recording events, and leaving every metric as the run
    /// left it), so a process running many worlds
    /// does not keep their suspended tasks alive. Tasks parked on continuations that
    /// ignore cancellation stay parked; ``liveTasks`` tells how many.
    public func shutdown(maxSteps: Int = 1_000_000) {
        wakeRestingTasks()
        trace.isRecording = false
        // The run has ended: what its cancelled tasks record on their way out is not
        // part of it.
        metrics.keepingValues {
            // Cancelling wakes tasks from outside the run loop: their jobs are the world's.
            executor.adoptingJobs {
                tasks.cancelAll()
                executor.cancelAllTimers()
            }
            for hook in shutdownHooks { executor.schedule(at: executor.now, hook) }
            shutdownHooks.removeAll()
            _ = executor.run(until: executor.now, maxSteps: maxSteps)
        }
    }
}
