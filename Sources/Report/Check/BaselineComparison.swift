/// How a run differs from its baseline, in the figures both keep: the digest, the moved
/// metrics, and the window of trace positions holding the first differing event.
public struct BaselineComparison: Sendable {
    /// One metric whose value moved (nil: absent on that side).
    public struct Change: Sendable, Equatable {
        /// The metric's name.
        public var name: String
        /// Its value in the baseline.
        public var baseline: Double?
        /// Its value in this run.
        public var run: Double?
    }

    /// Whether the digests differ (the traces differ).
    public let digestDiffers: Bool
    /// Metrics whose values differ, sorted by name.
    public let changes: [Change]
    /// Trace positions `[from, to)` holding the first event that differs, when the
    /// digests differ: from the last checkpoint both agree on to the first they do not
    /// (or to the end of the longer trace).
    public let window: Range<Int>?

    /// Compares `run` (taken with checkpoints at ``Baseline/finestCheckpointInterval``)
    /// with `baseline`.
    public init(baseline: Baseline, run: CheckRun) {
        let ran = run.baseline
        digestDiffers = ran.digest != baseline.digest || ran.events != baseline.events
        changes = Self.changes(baseline.metrics, ran.metrics)
        guard digestDiffers else { window = nil; return }
        // The run's checkpoints at the baseline's interval, by position.
        let comparable = run.checkpoints.filter { $0.events % baseline.checkpointInterval == 0 }
        var from = 0
        var to: Int?
        for (position, checkpoint) in baseline.checkpoints.enumerated() {
            if position < comparable.count, comparable[position] == checkpoint {
                from = checkpoint.events
            } else {
                to = checkpoint.events
                break
            }
        }
        window = from..<max(from + 1, to ?? max(baseline.events, ran.events))
    }

    /// The metrics that moved between two sorted lists.
    static func changes(_ baseline: [Baseline.Metric], _ run: [Baseline.Metric]) -> [Change] {
        var result: [Change] = []
        var i = 0, j = 0
        func before(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        while i < baseline.count || j < run.count {
            if j == run.count || (i < baseline.count && before(baseline[i].name, run[j].name)) {
                result.append(Change(name: baseline[i].name, baseline: baseline[i].value, run: nil))
                i += 1
            } else if i == baseline.count || before(run[j].name, baseline[i].name) {
                result.append(Change(name: run[j].name, baseline: nil, run: run[j].value))
                j += 1
            } else {
                if baseline[i].value != run[j].value {
                    result.append(Change(name: run[j].name, baseline: baseline[i].value, run: run[j].value))
                }
                i += 1
                j += 1
            }
        }
        return result
    }
}
