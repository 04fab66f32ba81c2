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

    public var description: String {
        let stuck = waiting.filter { !$0.daemon }
        var lines = ["world stalled at \(Duration.nanoseconds(time).formattedShort): "
            + "\(stuck.count) task(s) can never resume"]
        for task in waiting.prefix(20) { lines.append("  - \(task)") }
        if waiting.count > 20 { lines.append("  ... and \(waiting.count - 20) more") }
        return lines.joined(separator: "\n")
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
    /// The world outgrew a limit it set on work in flight (a queue, the live tasks); the
    /// message names what grew and how far.
    case overLimit(String)
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
        case .budgetExhausted, .overLimit: return "budget"
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
