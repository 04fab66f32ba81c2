/// Deadlines that propagate through nested calls, as Go's `context.WithDeadline` and
/// gRPC deadlines do, built on task-local values and structured concurrency.
///
/// ``withDeadline(_:on:_:)`` runs an operation whose task (and every child task it
/// starts) sees the *earliest* enclosing deadline: a nested call can ask for
/// ``remaining(on:)`` to size its own timeouts, check it with ``check(on:)``, and a
/// nested `withDeadline` can only shorten the deadline, never extend it. When the
/// deadline passes, the operation's task is cancelled and the call throws
/// ``DeadlineExceeded``. Every wait in this library reads the same deadline — through
/// ``limit(_:on:)`` in ``RateLimiter``, ``Bulkhead``, ``WorkerPool``'s blocking submit and
/// ``LockClient``, through ``instant(on:)`` in ``ConnectionPool`` and ``Retrier`` — so a request that has run out of
/// time fails fast everywhere, refusing without taking anything, instead of queueing and
/// being cancelled later.
///
/// **How the deadline is stored.** A task-local value needs one concrete type, while the
/// API is generic over `Clock`. The deadline is kept as a small box holding the clock and
/// its instant, tagged by the clock's *type*. A reader asking with the same clock type
/// gets the instant back exactly (no rounding, no conversion — what the simulation's
/// `VirtualClock` needs for bit-for-bit reproducible runs). A reader with another clock
/// type (say a `SuspendingClock` inside a `ContinuousClock` deadline) gets the deadline
/// translated through the time remaining on the original clock, measured at the moment
/// it asks. Deadlines are not comparable across two *instances* of one clock type that
/// disagree on time (two simulated worlds); a task belongs to one world, so this does not
/// arise.
///
/// **Structured.** The timer is a child task in a task group, sleeping on the given clock
/// with `sleep(until:tolerance:)`; the operation is the other child. Nothing outlives the
/// call: when the deadline passes the operation's task is cancelled and the call returns
/// as soon as the operation has unwound (like a Go function that honours `ctx.Done()`,
/// an operation that ignores cancellation delays the return; it is never abandoned).
/// A nested scope whose deadline is not earlier than the enclosing one adds no timer at
/// all: the enclosing timer will cancel it.
public enum TaskDeadline {
    /// The innermost (earliest) deadline of the current task, if any.
    @usableFromInline @TaskLocal static var current: (any TaskDeadlineStorage)?

    /// Runs `operation` with `deadline` (an instant of `clock`), or the enclosing
    /// deadline if that is earlier.
    ///
    /// - Throws: ``DeadlineExceeded`` if the effective deadline has already passed (the
    ///   operation is not started) or passes while it runs (its task is cancelled);
    ///   otherwise whatever `operation` throws.
    public static func withDeadline<C: Clock, T: Sendable>(
        _ deadline: C.Instant,
        on clock: C,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T where C.Duration == Duration {
        let enclosing = instant(on: clock)
        let effective = enclosing.map { Swift.min($0, deadline) } ?? deadline
        guard clock.now < effective else { throw DeadlineExceeded() }
        if let enclosing, enclosing <= deadline, let box = current as? TaskDeadlineBox<C>, box.isEnforced {
            // The enclosing scope's timer will cancel us; translate the cancellation it
            // causes into the error callers expect from a deadline.
            do {
                return try await operation()
            } catch {
                if clock.now >= effective { throw DeadlineExceeded() }
                throw error
            }
        }
        return try await $current.withValue(TaskDeadlineBox(clock: clock, instant: effective, isEnforced: true)) {
            try await race(operation, deadline: effective, on: clock)
        }
    }

    /// Runs `operation` with `deadline` (or the enclosing deadline if that is earlier)
    /// visible to every wait and nested call it makes, *without* a timer: the operation
    /// itself is not cancelled when the deadline passes. `nil` runs it unchanged.
    ///
    /// This is the server side of deadline propagation (Finagle's broadcast `Deadline`
    /// context, a gRPC server handler's incoming deadline): a request handler learns
    /// when its caller will give up, so its own calls time out no later than that
    /// (``remaining(on:)``), its retries stop (``Retrier``), its waits for a permit, a
    /// slot or a connection end then (``limit(_:on:)``, ``instant(on:)``), and work not
    /// yet started can be shed (``check(on:)``); work already under way runs to its
    /// end, as a handler that does not poll its context does.
    ///
    /// ```swift
    /// // A service handling a call whose caller waits until `callerDeadline`:
    /// let reply = await TaskDeadline.withPropagatedDeadline(callerDeadline, on: clock) {
    ///     await handle(request) // nested calls and pool waits see the deadline
    /// }
    /// ```
    /// A nested ``withDeadline(_:on:_:)`` inside such a scope arms its own timer (no
    /// enclosing timer will cancel it).
    @inlinable public static func withPropagatedDeadline<C: Clock, T>(
        _ deadline: C.Instant?,
        on clock: C,
        _ operation: () async throws -> T
    ) async rethrows -> T where C.Duration == Duration {
        guard let deadline else { return try await operation() }
        // An earlier enclosing deadline already governs (and keeps its timer, if any).
        if let enclosing = instant(on: clock), enclosing <= deadline { return try await operation() }
        return try await withCurrent(TaskDeadlineBox(clock: clock, instant: deadline, isEnforced: false), operation)
    }

    /// Runs `operation` with `deadline` as the current task's deadline (the task-local's
    /// binding, reachable from the inlinable scopes above).
    @usableFromInline static func withCurrent<T>(_ deadline: (any TaskDeadlineStorage)?, _ operation: () async throws -> T) async rethrows -> T {
        try await $current.withValue(deadline) { try await operation() }
    }

    /// Runs `operation` with no deadline at all, whatever encloses the caller: for starting
    /// work that outlives the request that started it (Go's `context.WithoutCancel`).
    ///
    /// Task-local values are copied into unstructured tasks when they are created, so a
    /// task started while a request is handled (a callback sent later, a delivery under
    /// way, the next queued request taken by the same worker) would otherwise inherit
    /// that request's deadline and find every later wait already out of time. Create
    /// such tasks inside this scope; it is synchronous, so it costs the new task nothing:
    /// ```swift
    /// let later = TaskDeadline.withoutDeadline {
    ///     Task { await sendCallback() } // sees no deadline
    /// }
    /// ```
    /// It only hides the deadline from readers; it does not shield `operation` from the
    /// cancellation of an enclosing ``withDeadline(_:on:_:)`` scope's task.
    public static func withoutDeadline<T>(_ operation: () throws -> T) rethrows -> T {
        guard current != nil else { return try operation() }
        return try $current.withValue(nil) { try operation() }
    }

    /// Runs `operation` with no deadline at all, inside a task that may have inherited one
    /// (see the synchronous form, preferred where the task is created).
    public static func withoutDeadline<T>(_ operation: () async throws -> T) async rethrows -> T {
        guard current != nil else { return try await operation() }
        return try await $current.withValue(nil) { try await operation() }
    }

    /// Runs `operation` with a deadline `timeout` from now on `clock` (or the enclosing
    /// deadline if that is earlier). See ``withDeadline(_:on:_:)``.
    public static func withTimeout<C: Clock, T: Sendable>(
        _ timeout: Duration,
        on clock: C,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T where C.Duration == Duration {
        try await withDeadline(clock.now.advanced(by: timeout), on: clock, operation)
    }

    /// The current task's effective deadline as an instant of `clock`, or `nil` when no
    /// deadline encloses the caller. Exact for the clock type the deadline was set with;
    /// translated through the remaining time for any other.
    @inlinable public static func instant<C: Clock>(on clock: C) -> C.Instant? where C.Duration == Duration {
        guard let stored = current else { return nil }
        if let same = stored as? TaskDeadlineBox<C> { return same.instant }
        return clock.now.advanced(by: stored.remaining())
    }

    /// Time left until the current task's deadline (zero once it has passed), or `nil`
    /// when no deadline encloses the caller: pass it on as the timeout of a nested call.
    @inlinable public static func remaining<C: Clock>(on clock: C) -> Duration? where C.Duration == Duration {
        guard let deadline = instant(on: clock) else { return nil }
        return Swift.max(.zero, clock.now.duration(to: deadline))
    }

    /// The smaller of `maxWait` and the time left until the current task's deadline (nil
    /// when neither limits the wait): how long a nested wait (a permit, a token, a slot,
    /// a lock) may last, so a request that has run out of time stops waiting everywhere.
    @inlinable public static func limit<C: Clock>(_ maxWait: Duration?, on clock: C) -> Duration? where C.Duration == Duration {
        guard let remaining = remaining(on: clock) else { return maxWait }
        return maxWait.map { Swift.min($0, remaining) } ?? remaining
    }

    /// Throws ``DeadlineExceeded`` if the current task's deadline has passed: a cheap
    /// check before starting expensive work.
    @inlinable public static func check<C: Clock>(on clock: C) throws(DeadlineExceeded) where C.Duration == Duration {
        if let deadline = instant(on: clock), clock.now >= deadline { throw DeadlineExceeded() }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
        case timerCancelled
    }

    /// Runs `operation` and a timer as two children; the first to finish decides.
    private static func race<C: Clock, T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T,
        deadline: C.Instant,
        on clock: C
    ) async throws -> T where C.Duration == Duration {
        try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .finished(try await operation()) }
            group.addTask {
                do {
                    try await clock.sleep(until: deadline, tolerance: nil)
                    return .timedOut
                } catch {
                    return .timerCancelled
                }
            }
            // An error thrown by `next()` is the operation's: leaving the closure cancels
            // the timer and waits for it.
            while let outcome = try await group.next() {
                switch outcome {
                case .finished(let value):
                    group.cancelAll()
                    return value
                case .timedOut:
                    group.cancelAll()
                    throw DeadlineExceeded()
                case .timerCancelled:
                    // The caller was cancelled: the operation will end on its own.
                    continue
                }
            }
            throw CancellationError()
        }
    }
}

/// A deadline in the task-local slot: its clock type is known to the box only.
@usableFromInline protocol TaskDeadlineStorage: Sendable {
    /// Time left on the deadline's own clock.
    func remaining() -> Duration
}

/// A deadline on a clock of type `C`.
@usableFromInline final class TaskDeadlineBox<C: Clock>: TaskDeadlineStorage where C.Duration == Duration {
    let clock: C
    @usableFromInline let instant: C.Instant
    /// Whether a timer cancels the scope's task at `instant` (``TaskDeadline/withDeadline(_:on:_:)``),
    /// or the deadline is only made known (``TaskDeadline/withPropagatedDeadline(_:on:_:)``).
    let isEnforced: Bool

    @usableFromInline init(clock: C, instant: C.Instant, isEnforced: Bool) {
        self.clock = clock
        self.instant = instant
        self.isEnforced = isEnforced
    }

    @usableFromInline func remaining() -> Duration { clock.now.duration(to: instant) }
}
