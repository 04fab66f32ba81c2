import World

/// What one run of a sweep contributes: which configuration and seed, how it ended, every
/// summary metric under its expectation name (`orders.failed_ratio`,
/// `app.order.latency.p99`, `payment.db.in_use.max`) plus each service's
/// `<service>.utilisation` and `<service>.throughput_per_s` (and, for an M/M/c world,
/// Erlang C's `erlang_c.*` estimates), and for each chosen metric its warm-up and
/// steady-state figures.
///
/// Records are written one per line to `runs.jsonl`; every other file of a sweep is
/// computed from the plan and the records, which is why merged shards give the same bytes
/// as one run.
public struct RunRecord: Sendable, Equatable {
    /// The configuration's index in the grid.
    public var configuration: Int
    /// The seed.
    public var seed: UInt64
    /// The trace digest (hex).
    public var digest: String
    /// How the run ended (`completed`, `end-time`, `stalled`, ...).
    public var stop: String
    /// Whether the world's own expectations held (and the run ended normally).
    public var passed: Bool
    /// Model events.
    public var events: Int
    /// Virtual time at the end.
    public var simulatedSeconds: Double
    /// Every metric's value by name (order irrelevant: output sorts).
    public var values: [String: Double]
    /// The names that are counters: a counter missing from a run counted nothing (0),
    /// while a missing latency has no value.
    public var counters: [String]
    /// The chosen metrics' warm-up analysis, in the plan's metric order.
    public var steady: [SteadyState]

    /// A chosen metric after deleting the run's initial transient.
    public struct SteadyState: Sendable, Equatable {
        /// The metric.
        public var metric: String
        /// Virtual seconds MSER-5 deleted from the start (0 with deletion off).
        public var deletedSeconds: Double
        /// The metric over the rest of the run (the whole run with deletion off); nil when
        /// it has no value there.
        public var value: Double?
        /// Batch means over the per-interval values after the deletion (nil when the
        /// series is too short): a confidence interval from this one run.
        public var batchMean: Double?
        /// Half-width of the batch-means interval.
        public var batchHalfWidth: Double?

        /// A steady-state figure from its parts.
        public init(metric: String, deletedSeconds: Double, value: Double?, batchMean: Double?, batchHalfWidth: Double?) {
            self.metric = metric
            self.deletedSeconds = deletedSeconds
            self.value = value
            self.batchMean = batchMean
            self.batchHalfWidth = batchHalfWidth
        }
    }

    /// A record from its parts.
    public init(configuration: Int, seed: UInt64, digest: String, stop: String, passed: Bool, events: Int,
                simulatedSeconds: Double, values: [String: Double], counters: [String], steady: [SteadyState]) {
        self.configuration = configuration
        self.seed = seed
        self.digest = digest
        self.stop = stop
        self.passed = passed
        self.events = events
        self.simulatedSeconds = simulatedSeconds
        self.values = values
        self.counters = counters
        self.steady = steady
    }

    /// The value of `metric` this sweep judges: the steady-state value when the metric was
    /// chosen and warm-up deletion is on, otherwise the whole run's (0 for a counter that
    /// never counted).
    public func judged(_ metric: String) -> Double? {
        if let steady = steady.first(where: { $0.metric == metric }) { return steady.value }
        return value(metric)
    }

    /// The whole run's value of `metric` (0 for a counter that never counted in this run
    /// but did in another, given in `counterNames`).
    public func value(_ metric: String, counterNames: Set<String> = []) -> Double? {
        if let value = values[metric] { return value }
        return counterNames.contains(metric) ? 0 : nil
    }

    // MARK: runs.jsonl

    /// The record as one line of `runs.jsonl` (canonical JSON, keys sorted).
    public var jsonLine: String {
        let sortedValues = values.keys.sorted().map { ($0, JSONValue.double(values[$0]!)) }
        func optional(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
        return CanonicalJSON.string(.object([
            ("configuration", .int(configuration)),
            ("seed", .string(String(seed))),
            ("digest", .string(digest)),
            ("stop", .string(stop)),
            ("passed", .bool(passed)),
            ("events", .int(events)),
            ("simulated_seconds", .double(simulatedSeconds)),
            ("values", .object(sortedValues)),
            ("counters", .array(counters.sorted().map { .string($0) })),
            ("steady", .array(steady.map { state in
                .object([("metric", .string(state.metric)), ("deleted_s", .double(state.deletedSeconds)),
                         ("value", optional(state.value)), ("batch_mean", optional(state.batchMean)),
                         ("batch_half_width", optional(state.batchHalfWidth))])
            })),
        ]), style: .compact)
    }

    /// Reads a line of `runs.jsonl` (`file` and `line` for messages).
    public init(jsonLine text: String, file: String, line: Int) throws(SweepError) {
        func fail(_ what: String) -> SweepError { SweepError("\(file):\(line): \(what)") }
        let root: JSONValue
        do { root = try JSONParser.parse(text, file: file) } catch { throw fail("not a JSON line: \(error.description)") }
        func number(_ value: JSONValue?, _ name: String) throws(SweepError) -> Double {
            guard let number = value?.numberValue?.double else { throw fail("expected a number at \(name)") }
            return number
        }
        func optionalNumber(_ value: JSONValue?, _ name: String) throws(SweepError) -> Double? {
            if value?.isNull == true { return nil }
            return try number(value, name)
        }
        func string(_ value: JSONValue?, _ name: String) throws(SweepError) -> String {
            guard let string = value?.stringValue else { throw fail("expected a string at \(name)") }
            return string
        }
        guard let configuration = root["configuration"]?.numberValue?.int else { throw fail("expected an integer at configuration") }
        guard let seed = UInt64(try string(root["seed"], "seed")) else { throw fail("seed is not a whole number") }
        guard let passed = root["passed"]?.boolValue else { throw fail("expected true or false at passed") }
        guard let events = root["events"]?.numberValue?.int else { throw fail("expected an integer at events") }
        guard let valueObject = root["values"]?.objectValue else { throw fail("expected an object at values") }
        var values: [String: Double] = [:]
        for member in valueObject.members { values[member.key] = try number(member.value, "values.\(member.key)") }
        guard let counterArray = root["counters"]?.arrayValue else { throw fail("expected an array at counters") }
        var counters: [String] = []
        for element in counterArray { counters.append(try string(element, "counters")) }
        guard let steadyArray = root["steady"]?.arrayValue else { throw fail("expected an array at steady") }
        var steady: [SteadyState] = []
        for element in steadyArray {
            steady.append(SteadyState(metric: try string(element["metric"], "steady.metric"),
                                      deletedSeconds: try number(element["deleted_s"], "steady.deleted_s"),
                                      value: try optionalNumber(element["value"], "steady.value"),
                                      batchMean: try optionalNumber(element["batch_mean"], "steady.batch_mean"),
                                      batchHalfWidth: try optionalNumber(element["batch_half_width"], "steady.batch_half_width")))
        }
        self.init(configuration: configuration, seed: seed, digest: try string(root["digest"], "digest"),
                  stop: try string(root["stop"], "stop"), passed: passed, events: events,
                  simulatedSeconds: try number(root["simulated_seconds"], "simulated_seconds"),
                  values: values, counters: counters, steady: steady)
    }
}
