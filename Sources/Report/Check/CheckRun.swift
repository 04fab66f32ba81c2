public import Platform
import SimKernel
public import World

/// One run of a world for `check`: the figures a baseline keeps, whether the world's own
/// expectations held, and (when asked) the events in a range of trace positions.
public struct CheckRun: Sendable {
    /// The run as a baseline would record it.
    public let baseline: Baseline
    /// Why the run did not pass on its own (failed expectations, a stall, ...); empty if it did.
    public let problems: [String]
    /// Every checkpoint the run took, at ``Baseline/finestCheckpointInterval``.
    public let checkpoints: [Baseline.Checkpoint]
    /// The events whose index lies in the requested range, in order.
    public let events: [TracedEvent]

    /// Runs `spec` (read from `worldText`) to its end, keeping the events with an index in
    /// `capture` (none by default: recording no event keeps the run at full speed).
    public static func run(_ spec: WorldSpec, worldText: String, revision: String,
                           capture: Range<Int>? = nil) throws(PlatformError) -> CheckRun {
        let world = try PlatformWorld(spec: spec)
        let trace = world.sim.trace
        trace.checkpointInterval = Baseline.finestCheckpointInterval
        let collector = EventCollector()
        if let capture {
            trace.sink = { [unowned trace] event in
                if capture.contains(event.index) { collector.events.append(TracedEvent(event, in: trace)) }
            }
        }
        let outcome = world.run()
        trace.sink = nil
        let run = CheckRun(baseline: Baseline(outcome: outcome, trace: trace, worldText: worldText, revision: revision),
                           problems: HumanSummary.problems(outcome) + undeclaredMetrics(outcome.metrics),
                           checkpoints: trace.checkpoints.map { Baseline.Checkpoint(events: $0.count, digest: Trace.hex($0.digest)) },
                           events: collector.events)
        world.sim.shutdown()
        return run
    }
}

extension CheckRun {
    /// A problem naming the metrics the run recorded that the world did not declare
    /// before it ran (none, or the list): a part that forgot to declare what it records,
    /// so `validate` would refuse an expectation on a metric the run makes.
    static func undeclaredMetrics(_ metrics: Metrics) -> [String] {
        let undeclared = metrics.undeclared
        guard !undeclared.isEmpty else { return [] }
        return ["metrics recorded but not declared before the run (expectations on them would be refused): "
                + undeclared.joined(separator: ", ")]
    }
}

/// Events gathered by a trace sink on the world's own thread.
private final class EventCollector: @unchecked Sendable {
    var events: [TracedEvent] = []
}
