import World

extension SweepPlan {
    /// The plan as `sweep.json` (canonical JSON); `shard` is recorded in a shard's folder.
    public func json(shard: Shard?) -> String {
        var pairs: [(String, JSONValue)] = [
            ("world", .string(worldPath)),
            ("world_name", .string(worldName)),
            ("set", .array(set.map { .string($0) })),
            ("vary", .array(parameters.map { .object([("path", .string($0.path)), ("values", .array($0.values.map { .string($0) }))]) })),
            ("seeds", .array(seeds.map { .string(String($0)) })),
            ("metrics", .array(metrics.map { .string($0) })),
            ("slo", .array(objectives.map { .string($0.text) })),
            ("minimize", cost.map { .string($0.text) } ?? .null),
            ("warmup_deletion", .bool(warmupDeletion)),
            ("adaptive", .bool(adaptive)),
        ]
        if let shard { pairs.append(("shard", .string(shard.description))) }
        return CanonicalJSON.string(.object(pairs))
    }

    /// Reads `sweep.json` (`file` for messages); returns the plan and its shard, if any.
    public static func read(json text: String, file: String) throws(SweepError) -> (SweepPlan, Shard?) {
        func fail(_ what: String) -> SweepError { SweepError("\(file): \(what)") }
        let root: JSONValue
        do { root = try JSONParser.parse(text, file: file) } catch { throw fail(error.description) }
        func strings(_ key: String) throws(SweepError) -> [String] {
            guard let array = root[key]?.arrayValue else { throw fail("expected an array at \(key)") }
            var result: [String] = []
            for element in array {
                guard let string = element.stringValue else { throw fail("expected strings in \(key)") }
                result.append(string)
            }
            return result
        }
        guard let world = root["world"]?.stringValue, let name = root["world_name"]?.stringValue else {
            throw fail("expected strings at world and world_name")
        }
        guard let vary = root["vary"]?.arrayValue else { throw fail("expected an array at vary") }
        var parameters: [SweepParameter] = []
        for axis in vary {
            guard let path = axis["path"]?.stringValue, let values = axis["values"]?.arrayValue?.compactMap(\.stringValue) else {
                throw fail("expected {path, values} in vary")
            }
            guard !values.isEmpty else { throw fail("the axis \(path) in vary has no values") }
            parameters.append(SweepParameter(path: path, values: values))
        }
        var seeds: [UInt64] = []
        for text in try strings("seeds") {
            guard let seed = UInt64(text) else { throw fail("seed \"\(text)\" is not a whole number") }
            guard !seeds.contains(seed) else { throw fail("seed \(seed) is listed twice") }
            seeds.append(seed)
        }
        guard !seeds.isEmpty else { throw fail("expected at least one seed") }
        var objectives: [ServiceLevelObjective] = []
        for (position, text) in try strings("slo").enumerated() {
            objectives.append(try ServiceLevelObjective(parsing: text, position: position + 1))
        }
        var cost: CostExpression?
        if let text = root["minimize"]?.stringValue {
            cost = try CostExpression(parsing: text, parameters: parameters.map(\.path))
        }
        guard let warmup = root["warmup_deletion"]?.boolValue else { throw fail("expected true or false at warmup_deletion") }
        var shard: Shard?
        if let text = root["shard"]?.stringValue {
            do { shard = try Shard(parsing: text) } catch { throw fail(error.description) }
        }
        let plan = SweepPlan(worldPath: world, worldName: name, set: try strings("set"), parameters: parameters,
                             seeds: seeds, metrics: try strings("metrics"), objectives: objectives, cost: cost,
                             warmupDeletion: warmup, adaptive: root["adaptive"]?.boolValue ?? false)
        return (plan, shard)
    }
}

/// One part of a sweep split across machines (`--shard I/N`): shard I of N runs every Nth
/// run of the sweep's order starting at the I-th, so each shard gets a share of every
/// configuration and about the same work.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 1-based shard number.
    public let index: Int
    /// Shards in all.
    public let count: Int

    /// Parses `I/N` with 1 ≤ I ≤ N.
    public init(parsing text: String) throws(SweepError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 1, index <= count else {
            throw SweepError("--shard expects I/N with 1 ≤ I ≤ N (e.g. 2/8), found \"\(text)\"")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// The positions in the run order this shard runs.
    public func runs(of total: Int) -> [Int] {
        Array(stride(from: index - 1, to: total, by: count))
    }
}
