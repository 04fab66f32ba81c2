public import Platform
public import SimKernel
import World

/// What `delivery-sim check` compares a world's run with: the committed
/// `NAME.expected.json` beside the world.
///
/// A baseline keeps what a comparison needs and nothing it can recompute, so it stays a
/// few KB to a few tens of KB whatever the world's length:
/// - the trace's digest and event count, and every key metric (each counter's total,
///   each latency's count, p50 and p99, the invariants): a moved metric is named with
///   both values;
/// - trace checkpoints (the digest of the first N events, every ``checkpointInterval``
///   events, at most ``maxCheckpoints`` of them): the first checkpoint that differs
///   brackets the first differing event within one window;
/// - the world file's text as it was when the baseline was written: when the world file
///   has changed since, `check` runs this text again to show the baseline's own events
///   in that window (and proves the replay faithful by its digest) — the events
///   themselves would cost ~20 bytes each, megabytes for an incident world.
/// - the file format, the trace format that made the digests (digests of different
///   trace formats cannot be compared), and the repository revision it was written at
///   (to rebuild the tool that wrote it, when the code rather than the world changed).
public struct Baseline: Sendable, Equatable {
    /// The format of baseline files this code reads and writes.
    public static let fileFormat = "delivery-sim-check-baseline/1"
    /// The version of the trace's event and digest format the digests were made with
    /// (``Trace/formatVersion``): raised whenever what is traced or how it is hashed
    /// changes, which changes every digest.
    public static let currentTraceFormat = Trace.formatVersion
    /// The checkpoint interval of a fresh baseline run: windows of 256 events.
    public static let finestCheckpointInterval = 256
    /// At most this many checkpoints are kept (the interval doubles until they fit):
    /// about 10 KB of a baseline file.
    public static let maxCheckpoints = 400

    /// One trace checkpoint: the digest of the first `events` events.
    public struct Checkpoint: Sendable, Equatable {
        /// How many events the checkpoint covers: the first `events` of the trace.
        public var events: Int
        /// The prefix's digest, 16 hex digits.
        public var digest: String
        /// The checkpoint after `events` events, whose digest was `digest`.
        public init(events: Int, digest: String) { self.events = events; self.digest = digest }
    }

    /// One key metric's value.
    public struct Metric: Sendable, Equatable {
        /// The metric's name as the summary spells it (`orders.created`, `gateway.latency.p99`).
        public var name: String
        /// Its value at the end of the run.
        public var value: Double
        /// The metric `name` with `value`.
        public init(name: String, value: Double) { self.name = name; self.value = value }
    }

    /// The file format the baseline was written in (``fileFormat``); another is refused, not misread.
    public var format = Baseline.fileFormat
    /// The trace format its digests were made with (``currentTraceFormat``); digests of another cannot be compared.
    public var traceFormat = Baseline.currentTraceFormat
    /// The repository revision the baseline was written at ("unknown" outside git).
    public var revision: String
    /// The world's name and seed.
    public var world: String
    /// The seed the run used.
    public var seed: UInt64
    /// The world file's text when the baseline was written.
    public var worldText: String
    /// The trace's digest (16 hex digits) and event count.
    public var digest: String
    /// The trace's event count.
    public var events: Int
    /// How the run ended (`completed`, `end-time`, ...).
    public var stop: String
    /// Key metrics, sorted by name.
    public var metrics: [Metric]
    /// The interval between kept checkpoints, in events (a power of two).
    public var checkpointInterval: Int
    /// Checkpoints, in order.
    public var checkpoints: [Checkpoint]

    /// The baseline of a finished run of `worldText`, whose `trace` took a checkpoint
    /// every ``finestCheckpointInterval`` events (or any power-of-two divisor of it).
    public init(outcome: WorldOutcome, trace: Trace, worldText: String, revision: String) {
        self.revision = revision
        world = outcome.spec.name
        seed = outcome.spec.seed
        self.worldText = worldText
        digest = outcome.result.digestHex
        events = outcome.result.events
        stop = outcome.result.stop.label
        metrics = Self.keyMetrics(outcome)
        // Checkpoints at multiples of a larger power of two are a subset of the finer
        // ones: thinning keeps them exact.
        var interval = trace.checkpointInterval
        while trace.count / interval > Self.maxCheckpoints { interval *= 2 }
        checkpointInterval = interval
        checkpoints = trace.checkpoints.filter { $0.count % interval == 0 }
            .map { Checkpoint(events: $0.count, digest: Trace.hex($0.digest)) }
    }

    /// A baseline with every field given (tests, and the reader).
    public init(format: String, traceFormat: Int, revision: String, world: String, seed: UInt64, worldText: String,
                digest: String, events: Int, stop: String, metrics: [Metric], checkpointInterval: Int,
                checkpoints: [Checkpoint]) {
        self.format = format
        self.traceFormat = traceFormat
        self.revision = revision
        self.world = world
        self.seed = seed
        self.worldText = worldText
        self.digest = digest
        self.events = events
        self.stop = stop
        self.metrics = metrics
        self.checkpointInterval = checkpointInterval
        self.checkpoints = checkpoints
    }

    /// The key metrics of a run, sorted by name: every counter's total, every latency's
    /// count, p50 and p99 in ms, and the invariants of a platform world.
    public static func keyMetrics(_ outcome: WorldOutcome) -> [Metric] {
        var metrics: [Metric] = []
        for counter in outcome.metrics.counters {
            metrics.append(Metric(name: counter.name, value: Double(counter.total)))
        }
        for histogram in outcome.metrics.histograms {
            let total = histogram.total
            metrics.append(Metric(name: histogram.name + ".count", value: Double(total.count)))
            guard total.count > 0 else { continue }
            for (label, q) in [("p50_ms", 0.5), ("p99_ms", 0.99)] {
                if let value = total.quantile(q) { metrics.append(Metric(name: "\(histogram.name).\(label)", value: Double(value) / 1e6)) }
            }
        }
        if outcome.spec.hasPlatform {
            let invariants = outcome.invariants
            for (name, value) in [("oversold", invariants.oversold), ("double_charges", invariants.doubleCharges),
                                  ("unrefunded_charges", invariants.unrefundedCharges), ("orders_lost", invariants.ordersLost),
                                  ("messages_lost", invariants.messagesLost), ("rider_over_capacity", invariants.riderOverCapacity),
                                  ("double_assignments", invariants.doubleAssignments), ("orders_in_flight", invariants.ordersInFlight)] {
                metrics.append(Metric(name: "invariants." + name, value: Double(value)))
            }
        }
        // Sorted by UTF-8 bytes, as the file's keys are; a name seen twice keeps its first value.
        var seen = Set<String>()
        return metrics.filter { seen.insert($0.name).inserted }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// The value of the metric `name`, if the baseline has it.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }

    // MARK: File

    /// The baseline as canonical JSON (what `NAME.expected.json` contains).
    public var text: String {
        CanonicalJSON.string(.object([
            ("format", .string(format)),
            ("trace_format", .int(traceFormat)),
            ("revision", .string(revision)),
            ("world", .string(world)),
            ("seed", .string(String(seed))),
            ("digest", .string(digest)),
            ("events", .int(events)),
            ("stop", .string(stop)),
            ("metrics", .object(metrics.map { ($0.name, .double($0.value)) })),
            ("checkpoint_interval", .int(checkpointInterval)),
            ("checkpoints", .array(checkpoints.map { .string("\($0.events) \($0.digest)") })),
            ("world_text", .string(worldText)),
        ]))
    }

    /// Whether the two baselines describe the same run (their revisions aside): `--update`
    /// leaves a file alone when only the revision would change.
    public func sameRun(as other: Baseline) -> Bool {
        var other = other
        other.revision = revision
        return self == other
    }
}
