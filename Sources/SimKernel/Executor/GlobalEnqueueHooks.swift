#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The runtime's global-executor hooks, as a world uses them: they keep every job a
/// world's thread sends to the global executor in that world, and stop a world that sleeps
/// on a real clock.
///
/// Code that leaves an actor for nonisolated `@concurrent` code, a task group's child, an
/// `async let` or an unstructured `Task {}` sends its job to the global executor, whose
/// pool would run it on another thread at a time the machine decides. The Swift runtime
/// exports hooks (`swift_task_enqueueGlobal_hook` and its delayed variants) that see every
/// such job on the thread that sends it. Installed once per process, the enqueue hook
/// hands a job sent from a thread marked as a world's (``enter(_:)``: while the world runs,
/// and while ``Simulation`` starts a task or tears the world down) to that world's
/// ``SimExecutor``, which queues it behind the jobs already there: the order stays the
/// program's, whatever kind of task sent it. Jobs from threads no world has marked pass
/// through untouched, so tests and tools around a world keep working.
///
/// This is how a world's tasks stay on its executor without a task-executor preference
/// (``SimExecutor/TaskRouting``): a task that prefers an executor pays a lock on its status
/// records at every actor hop (measured at 8–9% of a platform run), and the hooks route
/// the same jobs to the same queue at the same moments, so runs are identical either way.
///
/// A sleep on a real clock (`Task.sleep`, `ContinuousClock.sleep`) inside a world is a
/// determinism bug, not a job to adopt: the delayed hooks quarantine it and stop the run.
/// Swift 6.3's `Task.sleep` schedules its wake-up without these hooks, though; such a task
/// shows up instead as a stall (virtual time cannot wake it) or, if the real timer fires
/// while the world runs, as an enqueue from a foreign thread. Either way the run does not
/// pass silently.
@usableFromInline enum GlobalEnqueueHooks {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void
    typealias DelayOriginal = @convention(thin) (UInt64, UnownedJob) -> Void
    typealias DelayHook = @convention(thin) (UInt64, UnownedJob, DelayOriginal) -> Void
    typealias DeadlineOriginal = @convention(thin) (Int64, Int64, Int64, Int64, Int32, UnownedJob) -> Void
    typealias DeadlineHook = @convention(thin) (Int64, Int64, Int64, Int64, Int32, UnownedJob, DeadlineOriginal) -> Void

    /// Per-thread pointer to the executor that marked the thread (``enter(_:)``), if any.
    private static let runningKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// Whether the runtime's global-enqueue hook was found and installed (the delayed
    /// ones may be missing).
    static let isInstalled: Bool = install()

    static func installOnce() { _ = isInstalled }

    /// Marks this thread as `executor`'s: jobs it sends to the global executor go to
    /// `executor` until ``leave(_:)``. Returns the mark it replaced, for ``leave(_:)``.
    static func enter(_ executor: SimExecutor) -> UnsafeMutableRawPointer? {
        let previous = pthread_getspecific(runningKey)
        pthread_setspecific(runningKey, Unmanaged.passUnretained(executor).toOpaque())
        return previous
    }

    /// Restores the mark ``enter(_:)`` replaced.
    static func leave(_ previous: UnsafeMutableRawPointer?) {
        pthread_setspecific(runningKey, previous)
    }

    /// Whether the calling thread is running a world right now.
    @usableFromInline static var isOnRunningWorldThread: Bool {
        current?.isOnRunnerThread == true
    }

    /// The executor whose thread this is now, if any.
    static var current: SimExecutor? {
        marked?.takeUnretainedValue()
    }

    /// ``current``, not retained: the mark stands only while its executor runs the thread
    /// (``enter(_:)`` to ``leave(_:)``), so the executor outlives any use of it made on
    /// the thread meanwhile. For the enqueue hook, which runs for every job a world sends
    /// to the global executor: it retained and released the executor per job, for nothing.
    private static var marked: Unmanaged<SimExecutor>? {
        pthread_getspecific(runningKey).map { Unmanaged<SimExecutor>.fromOpaque($0) }
    }

    // MARK: Worlds between two runs

    /// The suspended tasks of worlds between two runs, by address, with their world's
    /// executor. Code that wakes one from outside a run (a test resuming a continuation
    /// or cancelling a task between two slices) sends its job to the global executor from
    /// a thread no world has marked; it goes to its world all the same and runs when the
    /// world runs next, as it would if it preferred the world's executor. Only tasks the
    /// world started (``Simulation/spawn(_:daemon:background:_:)``) are listed: child
    /// and unstructured tasks are woken from inside the world.
    /// (Addresses as plain numbers: pointers are not `Sendable`, and the table never
    /// dereferences them.)
    private static let resting = Mutex<[UInt: UInt]>([:])
    /// How many tasks `resting` lists, read without its lock: nearly every job from an
    /// unmarked thread is not a world's, and while no world rests none takes the lock.
    private static let restingCount = Atomic<Int>(0)

    /// Lists `tasks` (their addresses, ``taskAddress(_:)``) as `executor`'s, resting.
    static func rest(_ tasks: [UnsafeRawPointer], in executor: SimExecutor) {
        guard !tasks.isEmpty else { return }
        let world = UInt(bitPattern: Unmanaged.passUnretained(executor).toOpaque())
        resting.withLock { table in
            for task in tasks { table[UInt(bitPattern: task)] = world }
            restingCount.store(table.count, ordering: .relaxed)
        }
    }

    /// Takes `tasks` off the list: their world runs again (or is gone).
    static func wake(_ tasks: [UnsafeRawPointer]) {
        guard !tasks.isEmpty else { return }
        resting.withLock { table in
            for task in tasks { table[UInt(bitPattern: task)] = nil }
            restingCount.store(table.count, ordering: .relaxed)
        }
    }

    /// The world `job` is a resting task of, if any.
    private static func restingWorld(of job: UnownedJob) -> SimExecutor? {
        guard restingCount.load(ordering: .relaxed) > 0 else { return nil }
        let address = UInt(bitPattern: unsafeBitCast(job, to: UnsafeRawPointer.self))
        guard let world = resting.withLock({ $0[address] }), let pointer = UnsafeRawPointer(bitPattern: world) else { return nil }
        return Unmanaged<SimExecutor>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// A task's address, the same as its jobs' (a task is the job the runtime enqueues).
    static func taskAddress(_ task: Task<Void, Never>) -> UnsafeRawPointer {
        unsafeBitCast(task, to: UnsafeRawPointer.self)
    }

    // MARK: Installing

    private struct Slots: @unchecked Sendable {
        var enqueue: UnsafeMutablePointer<Hook?>?
        var delay: UnsafeMutablePointer<DelayHook?>?
        var deadline: UnsafeMutablePointer<DeadlineHook?>?
    }

    /// The hook variables, and the hooks someone else installed before us (chained to,
    /// so a test harness or another tool that hooks the global executor keeps working).
    private static let slots: Slots = {
        guard let process = dlopen(nil, RTLD_NOW) else { return Slots() }
        return Slots(
            enqueue: dlsym(process, "swift_task_enqueueGlobal_hook")?.assumingMemoryBound(to: Hook?.self),
            delay: dlsym(process, "swift_task_enqueueGlobalWithDelay_hook")?.assumingMemoryBound(to: DelayHook?.self),
            deadline: dlsym(process, "swift_task_enqueueGlobalWithDeadline_hook")?.assumingMemoryBound(to: DeadlineHook?.self))
    }()
    private struct Previous: @unchecked Sendable {
        var enqueue: Hook?
        var delay: DelayHook?
        var deadline: DeadlineHook?
    }
    private static let previous = Previous(
        enqueue: slots.enqueue?.pointee, delay: slots.delay?.pointee, deadline: slots.deadline?.pointee)

    private static func install() -> Bool {
        _ = runningKey
        _ = previous
        var armed = false
        if let slot = slots.enqueue {
            slot.pointee = { job, original in
                if let marked = GlobalEnqueueHooks.marked {
                    marked._withUnsafeGuaranteedRef { $0.adopt(job) }
                } else if let executor = GlobalEnqueueHooks.restingWorld(of: job) {
                    executor.adopt(job)
                } else if let earlier = GlobalEnqueueHooks.previous.enqueue {
                    earlier(job, original)
                } else {
                    original(job)
                }
            }
            armed = true
        }
        if let slot = slots.delay {
            slot.pointee = { delay, job, original in
                if let executor = GlobalEnqueueHooks.current {
                    executor.noteEscape(
                        "a task slept on a real clock inside the world (Task.sleep without the "
                            + "world's VirtualClock)", job: job)
                } else if let earlier = GlobalEnqueueHooks.previous.delay {
                    earlier(delay, job, original)
                } else {
                    original(delay, job)
                }
            }
        }
        if let slot = slots.deadline {
            slot.pointee = { s, ns, ts, tns, clock, job, original in
                if let executor = GlobalEnqueueHooks.current {
                    executor.noteEscape(
                        "a task slept on a real clock inside the world (Task.sleep or "
                            + "ContinuousClock.sleep without the world's VirtualClock)", job: job)
                } else if let earlier = GlobalEnqueueHooks.previous.deadline {
                    earlier(s, ns, ts, tns, clock, job, original)
                } else {
                    original(s, ns, ts, tns, clock, job)
                }
            }
        }
        return armed
    }
}
