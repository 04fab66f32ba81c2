import Platform
import Sweep

/// `run --batch-means METRIC`: a confidence interval for a metric's steady-state mean
/// from one long run, by the method of batch means over its per-interval series, after
/// MSER-5 has deleted the initial transient.
enum RunBatchMeans {
    /// The lines to print for `metrics`, or an error naming a metric the run does not have.
    static func lines(_ outcome: WorldOutcome, metrics: [String]) throws(InputError) -> [String] {
        guard !metrics.isEmpty else { return [] }
        let record = RunRecord(outcome: outcome, configuration: 0, chosen: metrics, warmupDeletion: true)
        var lines: [String] = []
        for steady in record.steady {
            guard record.values[steady.metric] != nil || record.counters.contains(steady.metric) else {
                let near = Arguments.nearest(steady.metric, in: record.values.keys.sorted()).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw InputError(nil, "--batch-means: no metric named \"\(steady.metric)\" in this run\(near)")
            }
            guard let mean = steady.batchMean, let half = steady.batchHalfWidth else {
                lines.append("batch means \(steady.metric): the time series is too short (set a finer metrics.interval)")
                continue
            }
            lines.append("batch means \(steady.metric): \(format(mean)) ± \(format(half)) (95%, \(BatchMeans.defaultBatches) batches of the per-interval values after MSER-5 deleted the first \(format(steady.deletedSeconds)) s)")
        }
        return lines
    }

    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 100 || value == value.rounded() { return String(Int64(value.rounded())) }
        var text = "\(Double(Int64((value * 1000).rounded())) / 1000)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
