/// Joining the folders of a sharded sweep: every folder must hold the same plan, the
/// shards 1..N of one split each exactly once, and together every run of the sweep once.
public enum SweepMerge {
    /// The plan and all records, in run order.
    public static func join(_ parts: [(folder: String, plan: SweepPlan, shard: Shard?, records: [RunRecord])])
        throws(SweepError) -> (plan: SweepPlan, records: [RunRecord]) {
        guard let first = parts.first else { throw SweepError("sweep merge needs the shards' folders") }
        guard let count = first.shard?.count else {
            throw SweepError("\(first.folder): not a shard's folder (its sweep.json has no shard); it is already a whole sweep")
        }
        var seen = [String?](repeating: nil, count: count)
        for part in parts {
            guard part.plan == first.plan else {
                throw SweepError("\(part.folder): its plan (sweep.json) differs from \(first.folder)'s: the shards are of different sweeps")
            }
            guard let shard = part.shard, shard.count == count else {
                throw SweepError("\(part.folder): a shard of \(part.shard.map { String($0.count) } ?? "no split"), not of \(count) like \(first.folder)")
            }
            if let other = seen[shard.index - 1] { throw SweepError("\(part.folder): shard \(shard) is also in \(other)") }
            seen[shard.index - 1] = part.folder
            let expected = shard.runs(of: first.plan.runCount).map { first.plan.run($0) }
            let found = part.records.map { ($0.configuration, $0.seed) }
            guard found.count == expected.count, zip(found, expected).allSatisfy({ $0 == $1 }) else {
                throw SweepError("\(part.folder): runs.jsonl does not hold exactly the runs of shard \(shard) (\(found.count) of \(expected.count) runs)")
            }
        }
        let missing = seen.indices.filter { seen[$0] == nil }.map { String($0 + 1) }
        guard missing.isEmpty else {
            throw SweepError("shard(s) \(missing.joined(separator: ", ")) of \(count) missing")
        }
        return (first.plan, parts.flatMap(\.records))
    }
}
