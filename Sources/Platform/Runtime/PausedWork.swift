import Resilience
import SimKernel

/// Work that waits without a task: the current work's ``WorkOrigin``, kept so the work can
/// go on later as a new task that draws and keys its calls as the task that paused it
/// would have.
///
/// ```swift
/// // Inside a merchant: the order cooks for `prepare`, then the food is ready. The task
/// // ends here; the timer alone waits.
/// PausedWork.current.resume(in: sim, name, after: prepare, on: self) { merchant in
///     await merchant.cooked(order)
/// }
/// // An order waiting for a stove is kept as data, and goes on when one frees:
/// kitchenQueue.append((order, PausedWork.current))
/// let (next, work) = kitchenQueue.removeFirst()
/// work.resume(in: sim, name, on: self) { merchant in merchant.cook(next) }
/// ```
///
/// Why: a task asleep keeps every slab its deepest call took (see
/// ``Simulation/spawn(_:after:on:_:)``), and people spend most of a delivery waiting.
/// Resuming where the sleeping task would have (its last step, or where its continuation
/// would have been resumed) keeps the order of events, to the byte.
struct PausedWork: Sendable {
    /// The work's origin when it paused (nil: the work was not keyed).
    let origin: WorkOrigin?

    /// The current task's work.
    static var current: PausedWork { PausedWork(origin: WorkOrigin.current) }

    /// Goes on as a new task of `actor` named `name`, `delay` from now: call it as a
    /// task's last step, where it would have slept for `delay`.
    func resume<A: Actor>(in sim: Simulation, _ name: String, after delay: Duration, on actor: A,
                          _ body: @escaping @Sendable (isolated A) async -> Void) {
        sim.spawn(name, after: delay, on: actor, bound(body))
    }

    /// Goes on as a new task of `actor` named `name` now, queued behind the jobs already
    /// waiting: where a task parked on a continuation would go on when resumed from here.
    /// The task is the paused work's, not the current one's: it carries the paused
    /// origin (none, if it had none) and no deadline of the current task.
    func resume<A: Actor>(in sim: Simulation, _ name: String, on actor: isolated A,
                          _ body: @escaping @Sendable (isolated A) async -> Void) {
        // Bound around the start, so the task is made with them (see `Simulation.spawn(_:on:_:)`).
        TaskDeadline.withoutDeadline {
            WorkOrigin.$current.withValue(origin) { sim.spawn(name, on: actor, body) }
        }
    }

    /// `body` with the origin bound (as the paused task had it inherited): a task started
    /// by a timer inherits no task-locals.
    private func bound<A: Actor>(_ body: @escaping @Sendable (isolated A) async -> Void) -> @Sendable (isolated A) async -> Void {
        guard let origin else { return body }
        return { actor in await WorkOrigin.$current.withValue(origin) { await body(actor) } }
    }
}
