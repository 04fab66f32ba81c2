/// A task that was waiting when a world stalled.
public struct WaitingTask: Sendable, Equatable, CustomStringConvertible {
    /// The name it was spawned with ("customer-17", "order#1.worker[3]").
    public var name: String
    /// What it declared it waits on, if it did (see ``Simulation/waiting(on:_:)``).
    public var waitingOn: String?
    /// Whether it is a daemon (a server loop that may wait forever).
    public var daemon: Bool

    /// A waiting task's description.
    public init(name: String, waitingOn: String?, daemon: Bool) {
        self.name = name
        self.waitingOn = waitingOn
        self.daemon = daemon
    }

    public var description: String {
        "\(name)\(daemon ? " (daemon)" : "") waiting on \(waitingOn ?? "an unlabelled continuation")"
    }
}

/// The evidence of a stall: the world had nothing left to run, no timer pending, yet
/// tasks that should finish were still suspended.
public struct StallReport: Sendable, Equatable, CustomStringConvertible {
    /// Virtual time of the stall, nanoseconds.
    public var time: Int64
    /// Non-daemon tasks first (the ones that cannot finish), then daemons, each in
    /// start order.
    public var waiting: [WaitingTask]

    /// A report of a stall at `time` (nanoseconds) with `waiting` tasks.
    public init(time: Int64, waiting: [WaitingTask]) {
        self.time = time
        self.waiting = waiting
    }

    /// Kinds of waiting task shown per section; the rest are summed in one line.
    static let kindsShown = 12

    /// The stuck tasks, then the daemons, each grouped by kind (the same name and wait
    /// once numbers are set aside: `customer-17` and `customer-203` waiting on a reply
    /// from the gateway are one kind), with counts that add up to each section's total.
    public var description: String {
        let stuck = waiting.filter { !$0.daemon }
        let daemons = waiting.filter(\.daemon)
        var lines = ["world stalled at \(Duration.nanoseconds(time).formattedShort): "
            + "\(stuck.count) task(s) can never resume"]
        lines += Self.grouped(stuck)
        if !daemons.isEmpty {
            lines.append("and \(daemons.count) daemon(s) waiting, as server loops may:")
            lines += Self.grouped(daemons)
        }
        return lines.joined(separator: "\n")
    }

    /// `tasks` grouped by kind in order of first appearance, one line per kind, naming
    /// its first task and how many more are like it.
    static func grouped(_ tasks: [WaitingTask]) -> [String] {
        var kinds: [(key: String, first: WaitingTask, count: Int)] = []
        var index: [String: Int] = [:]
        for task in tasks {
            let key = kind(task.name) + "\u{0}" + kind(task.waitingOn ?? "")
            if let position = index[key] {
                kinds[position].count += 1
            } else {
                index[key] = kinds.count
                kinds.append((key, task, 1))
            }
        }
        var lines = kinds.prefix(kindsShown).map { entry in
            "  - \(entry.first)" + (entry.count > 1 ? " (and \(entry.count - 1) more like it)" : "")
        }
        if kinds.count > kindsShown {
            let rest = kinds.dropFirst(kindsShown)
            lines.append("  - \(rest.reduce(0) { $0 + $1.count }) more, of \(rest.count) other kind(s)")
        }
        return lines
    }

    /// A name with each run of digits replaced by `#` (`order#12.worker[3]` → `order##.worker[#]`).
    static func kind(_ text: String) -> String {
        var result = ""
        var inDigits = false
        for character in text {
            if character.isASCII && character.isNumber {
                if !inDigits { result.append("#") }
                inDigits = true
            } else {
                result.append(character)
                inDigits = false
            }
        }
        return result
    }
}

/// Why a run ended.
public enum StopReason: Sendable, Equatable {
    /// Nothing left to do: every non-daemon task finished and no timer is pending.
    case completed
    /// The world's end time was reached with work still scheduled.
    case reachedEndTime
    /// The step budget ran out (a guard against runaway worlds).
    case budgetExhausted(steps: Int)
    /// Tasks wait on something nobody will provide; see the report.
    case stalled(StallReport)
    /// Determinism was violated (a task escaped the executor, another thread
    /// enqueued work); the message says what.
    case violation(String)
    /// The model found a programming error (a misrouted call) and stopped the run; the
    /// message says what.
    case failed(String)

    /// Whether the run ended normally (completed or reached its end time).
    public var isSuccess: Bool {
        switch self {
        case .completed, .reachedEndTime: return true
        default: return false
        }
    }

    /// One word for summaries: completed, end-time, budget, stalled, violation, failed.
    public var label: String {
        switch self {
        case .completed: return "completed"
        case .reachedEndTime: return "end-time"
        case .budgetExhausted: return "budget"
        case .stalled: return "stalled"
        case .violation: return "violation"
        case .failed: return "failed"
        }
    }
}

/// What a run did, in figures that are identical for identical worlds and seeds.
public struct RunResult: Sendable, Equatable {
    /// Why it stopped.
    public var stop: StopReason
    /// Virtual time at the stop, nanoseconds.
    public var endTime: Int64
    /// Executor jobs run (task slices: a task runs until its next suspension).
    public var jobs: Int
    /// Timers fired (sleeps ended, callbacks run).
    public var timers: Int
    /// Model events recorded in the trace.
    public var events: Int
    /// Digest of the event trace.
    public var digest: UInt64

    /// ``digest`` as 16 hex digits.
    public var digestHex: String { Trace.hex(digest) }
}
