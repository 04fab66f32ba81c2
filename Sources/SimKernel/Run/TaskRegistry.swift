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
    }

    private var entries: [Int: Entry] = [:]
    private var nextID = 0
    private(set) var liveNonDaemon = 0

    var liveCount: Int { entries.count }

    func register(_ name: String, daemon: Bool) -> Int {
        let id = nextID
        nextID += 1
        entries[id] = Entry(name: name, daemon: daemon)
        if !daemon { liveNonDaemon += 1 }
        return id
    }

    func attach(_ task: Task<Void, Never>, to id: Int) {
        entries[id]?.task = task
    }

    func finish(_ id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if !entry.daemon { liveNonDaemon -= 1 }
    }

    /// Sets what task `id` waits on; returns the previous label.
    func setWaitLabel(_ id: Int, _ label: String?) -> String? {
        let previous = entries[id]?.waitingOn
        entries[id]?.waitingOn = label
        return previous
    }

    /// Live tasks in start order (a dictionary's order must never leak out).
    func snapshot() -> [(id: Int, entry: Entry)] {
        entries.keys.sorted().map { ($0, entries[$0]!) }
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
