/// The tasks a world has started and not yet seen finish, with what each waits on.
///
/// Only the run thread touches it. The registry is what turns "the run loop has nothing
/// to do" into either *quiescent* (only daemon tasks — servers, worker loops, consumers
/// — are waiting for work that will not come) or *stalled* (a task that should finish,
/// such as a customer's journey, is waiting on something nobody will ever provide).
final class TaskRegistry {
    struct Entry {
        var name: String
        /// Whether a live task holds the slot (a free slot keeps no name, label or task).
        var occupied: Bool
        var daemon: Bool
        var waitingOn: String?
        /// What a daemon is busy with ("order#0 handling create_order": a server's worker
        /// serving a call), named when asked: while set, the task counts as work that
        /// must finish, and a stall report names it so.
        var activity: (() -> String)?
        /// What a daemon is busy with, asked only when needed (nil from it: idle): set
        /// when it starts, for daemons whose owner tracks their work
        /// (``Simulation/spawn(_:daemon:background:busy:_:)``).
        var busy: (() -> String?)?
        var task: Task<Void, Never>?
        /// When it started, among the world's tasks (the order of a stall report).
        var started: Int

        /// Whether the task is counted in ``TaskRegistry/liveWork``: not a daemon, or a
        /// daemon busy by ``TaskRegistry/setActivity(_:_:)``.
        var isCountedWork: Bool { !daemon || activity != nil }
        /// Whether the task is work that must finish: not a daemon, or a busy one.
        var isWork: Bool { isCountedWork || busy?() != nil }
        /// How a stall report names it: a busy daemon by what it is busy with.
        var shownName: String { activity?() ?? busy?() ?? name }
    }

    /// Live tasks by id: an id is a slot, reused once its task finishes. Every wait a
    /// task declares reads and writes its entry, and a big world has hundreds of
    /// thousands alive: a slot is one indexed load, where a dictionary keyed by a
    /// start number hashed and probed a table as large as the world. Slots are not
    /// optional, so a wait and a finish change the fields they mean in place, never
    /// copying (and retaining) the whole entry.
    private var slots: ContiguousArray<Entry> = []
    private var freeSlots: [Int] = []
    /// Tasks registered so far.
    private(set) var started = 0
    /// Live tasks that must finish: non-daemons, and daemons busy by ``setActivity(_:_:)``
    /// (daemons that tell when asked are counted by ``hasLiveWork``).
    private(set) var liveWork = 0
    private(set) var liveCount = 0

    /// Whether a live task must still finish: one counted in ``liveWork``, or a daemon
    /// whose `busy` says it is busy (asked here, when the world has nothing left to run:
    /// O(tasks)).
    var hasLiveWork: Bool {
        liveWork > 0 || slots.contains { $0.occupied && $0.isWork }
    }

    func register(_ name: String, daemon: Bool, busy: (() -> String?)? = nil) -> Int {
        let entry = Entry(name: name, occupied: true, daemon: daemon, busy: busy, started: started)
        started += 1
        liveCount += 1
        if !daemon { liveWork += 1 }
        if let id = freeSlots.popLast() {
            slots[id] = entry
            return id
        }
        slots.append(entry)
        return slots.count - 1
    }

    func attach(_ task: Task<Void, Never>, to id: Int) {
        if slots[id].occupied { slots[id].task = task }
    }

    func finish(_ id: Int) {
        guard slots[id].occupied else { return }
        slots[id].occupied = false
        // Releases what the task held now, not when the slot is next taken.
        slots[id].task = nil
        slots[id].name = ""
        slots[id].waitingOn = nil
        if slots[id].isCountedWork { liveWork -= 1 }
        slots[id].activity = nil
        slots[id].busy = nil
        freeSlots.append(id)
        liveCount -= 1
    }

    /// Sets what daemon task `id` is busy with (nil: idle again). A busy daemon is
    /// counted among the tasks that must finish, as a non-daemon is.
    func setActivity(_ id: Int, _ activity: (() -> String)?) {
        guard slots[id].occupied, slots[id].daemon else { return }
        let wasWork = slots[id].isCountedWork
        slots[id].activity = activity
        liveWork += (slots[id].isCountedWork ? 1 : 0) - (wasWork ? 1 : 0)
    }

    /// Sets what task `id` waits on; returns the previous label.
    func setWaitLabel(_ id: Int, _ label: String?) -> String? {
        guard slots[id].occupied else { return nil }
        var previous = label
        swap(&previous, &slots[id].waitingOn)
        return previous
    }

    /// Live tasks in start order (slot order is reuse order, which must not leak out).
    func snapshot() -> [Entry] {
        slots.filter(\.occupied).sorted { $0.started < $1.started }
    }

    /// The live tasks' addresses (``GlobalEnqueueHooks/taskAddress(_:)``), in slot order.
    func liveTaskAddresses() -> [UnsafeRawPointer] {
        slots.compactMap { $0.occupied ? $0.task.map(GlobalEnqueueHooks.taskAddress) : nil }
    }

    func cancelAll() {
        for entry in snapshot() { entry.task?.cancel() }
    }
}

/// What the current task is, inside a world: set by ``Simulation/spawn(_:daemon:background:_:)``.
///
/// One task-local holds both, so a spawn binds one value (a binding is a record in the
/// task's allocator, copied into every task it starts) and a read walks to one binding.
struct SimTaskContext: Sendable {
    /// The task's slot in the ``TaskRegistry``.
    let id: Int
    /// Whether the task's sleeps are background chores (inherited by child tasks).
    let background: Bool

    /// The current task's context (nil outside a world's tasks).
    @TaskLocal static var current: SimTaskContext?

    /// Whether the current task's sleeps are background chores.
    static var isBackground: Bool { current?.background ?? false }
}
