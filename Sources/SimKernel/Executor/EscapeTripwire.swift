#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Catches jobs that leave a running world for the global executor.
///
/// An unstructured `Task {}` (even one started inside an actor: its first job goes to the
/// global executor) or a `Task.detached` inside a world runs on the global pool, where
/// its timing depends on the machine: the world silently stops being deterministic. The
/// Swift runtime exports hooks (`swift_task_enqueueGlobal_hook` and its delayed variants)
/// that see every such job. The tripwire installs them once per process and, when the
/// enqueuing thread is currently running a ``SimExecutor``, hands the job to that
/// executor, which quarantines it and stops the run with a clear message. Jobs from
/// threads that run no world pass through untouched, so tests and tools around a world
/// keep working.
///
/// `Task.sleep` on a real clock is *not* seen by these hooks on Swift 6.3 (the standard
/// library schedules the wake-up without them); such a task shows up instead as a stall
/// (virtual time cannot wake it) or, if the real timer fires while the world runs, as an
/// enqueue from a foreign thread. Either way the run does not pass silently.
@usableFromInline enum EscapeTripwire {
    typealias Original = @convention(thin) (UnownedJob) -> Void
    typealias Hook = @convention(thin) (UnownedJob, Original) -> Void
    typealias DelayOriginal = @convention(thin) (UInt64, UnownedJob) -> Void
    typealias DelayHook = @convention(thin) (UInt64, UnownedJob, DelayOriginal) -> Void
    typealias DeadlineOriginal = @convention(thin) (Int64, Int64, Int64, Int64, Int32, UnownedJob) -> Void
    typealias DeadlineHook = @convention(thin) (Int64, Int64, Int64, Int64, Int32, UnownedJob, DeadlineOriginal) -> Void

    /// Per-thread pointer to the executor running on that thread, if any.
    private static let runningKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed")
        return key
    }()

    /// Whether the runtime hooks were found and installed.
    static let isArmed: Bool = install()

    static func installOnce() { _ = isArmed }

    /// Marks `executor` as running on this thread; returns what was there before.
    static func enter(_ executor: SimExecutor) -> UnsafeMutableRawPointer? {
        let previous = pthread_getspecific(runningKey)
        pthread_setspecific(runningKey, Unmanaged.passUnretained(executor).toOpaque())
        return previous
    }

    static func leave(_ previous: UnsafeMutableRawPointer?) {
        pthread_setspecific(runningKey, previous)
    }

    /// Whether the calling thread is running a world right now.
    @usableFromInline static var isOnRunningWorldThread: Bool {
        current?.isOnRunnerThread == true
    }

    /// The executor running on the calling thread, if any.
    static var current: SimExecutor? {
        guard let raw = pthread_getspecific(runningKey) else { return nil }
        return Unmanaged<SimExecutor>.fromOpaque(raw).takeUnretainedValue()
    }

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
                if let executor = EscapeTripwire.current {
                    executor.noteEscape(
                        "a task escaped the simulation executor (an unstructured Task {} from "
                            + "nonisolated code, or Task.detached): start world tasks with "
                            + "Simulation.spawn so they prefer the world's executor", job: job)
                } else if let earlier = EscapeTripwire.previous.enqueue {
                    earlier(job, original)
                } else {
                    original(job)
                }
            }
            armed = true
        }
        if let slot = slots.delay {
            slot.pointee = { delay, job, original in
                if let executor = EscapeTripwire.current {
                    executor.noteEscape(
                        "a task slept on a real clock inside the world (Task.sleep without the "
                            + "world's VirtualClock)", job: job)
                } else if let earlier = EscapeTripwire.previous.delay {
                    earlier(delay, job, original)
                } else {
                    original(delay, job)
                }
            }
        }
        if let slot = slots.deadline {
            slot.pointee = { s, ns, ts, tns, clock, job, original in
                if let executor = EscapeTripwire.current {
                    executor.noteEscape(
                        "a task slept on a real clock inside the world (Task.sleep or "
                            + "ContinuousClock.sleep without the world's VirtualClock)", job: job)
                } else if let earlier = EscapeTripwire.previous.deadline {
                    earlier(s, ns, ts, tns, clock, job, original)
                } else {
                    original(s, ns, ts, tns, clock, job)
                }
            }
        }
        return armed
    }
}
