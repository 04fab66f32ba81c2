/// The tasks a world has started and not yet seen finish, with what each waits on.
///
/// Only the run thread touches it. The registry is what turns "the run loop has nothing
/// to do" into either *quiescent* (only daemon tasks — servers, worker loops, consumers
/// — are waiting for work that will not come) or *stalled* (a task that should finish,
/// such as a customer's journey, is waiting on something nobody will ever provide).
final class TaskRegistry {
    struct Entry {
        var name: String
        var daemon: Bool
        var waitingOn: String?
        var task: Task<Void, Never>?
        /// When it started, among the world's tasks (the order of a stall report).
        var started: Int
    }

    /// Live tasks by id: an id is a slot, reused once its task finishes. Every wait a
    /// task declares reads and writes its entry, and a big world has hundreds of
    /// thousands alive: a slot is one indexed load, where a dictionary keyed by a
    /// start number hashed and probed a table as large as the world.
    private var slots: ContiguousArray<Entry?> = []
    private var freeSlots: [Int] = []
    private var started = 0
    private(set) var liveNonDaemon = 0
    private(set) var liveCount = 0

    func register(_ name: String, daemon: Bool) -> Int {
        let entry = Entry(name: name, daemon: daemon, started: started)
        started += 1
        liveCount += 1
        if !daemon { liveNonDaemon += 1 }
        if let id = freeSlots.popLast() {
            slots[id] = entry
            return id
        }
        slots.append(entry)
        return slots.count - 1
    }

    func attach(_ task: Task<Void, Never>, to id: Int) {
        slots[id]?.task = task
    }

    func finish(_ id: Int) {
        guard let entry = slots[id] else { return }
        slots[id] = nil
        freeSlots.append(id)
        liveCount -= 1
        if !entry.daemon { liveNonDaemon -= 1 }
    }

    /// Sets what task `id` waits on; returns the previous label.
    func setWaitLabel(_ id: Int, _ label: String?) -> String? {
        guard slots[id] != nil else { return nil }
        let previous = slots[id]!.waitingOn
        slots[id]!.waitingOn = label
        return previous
    }

    /// Live tasks in start order (a dictionary's order must never leak out).
    func snapshot() -> [(id: Int, entry: Entry)] {
        slots.indices.compactMap { id in slots[id].map { (id, $0) } }.sorted { $0.entry.started < $1.entry.started }
    }

    func cancelAll() {
        for (_, entry) in snapshot() { entry.task?.cancel() }
    }
}

/// What the current task is, inside a world: set by ``Simulation/spawn(_:daemon:background:_:)``.
enum SimTaskContext {
    @TaskLocal static var id: Int?
    /// Whether the task's sleeps are background chores (inherited by child tasks).
    @TaskLocal static var background = false
}
