public import SimKernel

/// A run's trace checkpoints as CSV (`checkpoints.csv`): `events,digest`, one line per
/// checkpoint (the digest of the first `events` events, every
/// ``Trace/checkpointInterval`` events), then the whole trace's `events,digest`.
///
/// Two runs of the same world agree on every line up to the first window in which
/// their traces differ, so comparing two files line by line (`diff`, or `check`)
/// locates that window without the events themselves.
public enum TraceCheckpointsCSV {
    /// The CSV text for `trace`'s checkpoints so far, ending with its current digest.
    public static func text(_ trace: Trace) -> String {
        var lines = ["events,digest"]
        for checkpoint in trace.checkpoints { lines.append("\(checkpoint.count),\(Trace.hex(checkpoint.digest))") }
        if trace.checkpoints.last?.count != trace.count { lines.append("\(trace.count),\(trace.digestHex)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
