/// An interned name in a ``Trace``: an event kind ("order.created") or a source
/// ("order#2"). Interning keeps recording an event to a handful of integer operations.
public struct TraceName: Hashable, Sendable {
    /// Index in the trace's name table (first-use order, hence deterministic).
    public let id: Int32
    /// Stable hash of the text, folded into digests.
    let hash: UInt64
}

/// One recorded event, as handed to a ``Trace/sink``.
public struct TraceEvent: Sendable, Equatable {
    /// Position in the trace, from 0.
    public var index: Int
    /// Virtual time, nanoseconds.
    public var time: Int64
    /// What happened.
    public var kind: TraceName
    /// Who it happened to.
    public var source: TraceName
    /// Two event-specific integers (an order id, a count, a latency in ns...).
    public var a: Int64
    public var b: Int64
}

/// The ordered event trace of one world, reduced to a digest as it is recorded.
///
/// Every model event (an arrival, a service start, a breaker opening) is recorded here
/// in execution order. The running ``digest`` changes if any event, its time, its order
/// or its fields change, so two runs are compared in one line. A ``sink`` can receive the
/// events themselves (for `events.jsonl`); without one the trace costs O(1) memory
/// apart from periodic checkpoints that let a later tool find the first window where
/// two runs diverge.
public final class Trace: @unchecked Sendable {
    /// Default of ``checkpointInterval``: about 80 checkpoints for the baseline evening's
    /// 320,000 events, a few KB in a run's `checkpoints.csv`.
    public static let defaultCheckpointInterval = 1 << 12

    /// A digest checkpoint is taken every this many events: a power of two, set before
    /// the first event. A smaller interval finds a first difference in a smaller window
    /// at the cost of one (count, digest) pair per interval.
    @exclusivity(unchecked) public var checkpointInterval = Trace.defaultCheckpointInterval {
        willSet { precondition(newValue > 0 && newValue & (newValue - 1) == 0 && count == 0,
                               "a checkpoint interval is a power of two, set before the first event") }
    }

    @exclusivity(unchecked) var state: UInt64 = 0x6a09_e667_f3bc_c908
    /// Events recorded so far.
    @exclusivity(unchecked) public private(set) var count = 0
    /// (events so far, digest) every ``checkpointInterval`` events.
    public private(set) var checkpoints: [(count: Int, digest: UInt64)] = []
    private var names: [String] = []
    private var nameIndex: [String: TraceName] = [:]
    private unowned(unsafe) let executor: SimExecutor
    /// Receives each event after it is folded into the digest.
    @exclusivity(unchecked) public var sink: ((TraceEvent) -> Void)?
    /// When false, ``record(_:_:_:_:)`` does nothing (used while tearing a world down).
    @exclusivity(unchecked) public var isRecording = true

    /// A trace stamping events with `executor`'s virtual time.
    init(executor: SimExecutor) { self.executor = executor }

    /// The interned name for `text`.
    public func name(_ text: String) -> TraceName {
        if let existing = nameIndex[text] { return existing }
        let name = TraceName(id: Int32(names.count), hash: StableHash.of(text))
        names.append(text)
        nameIndex[text] = name
        return name
    }

    /// The text of an interned name.
    public func text(of name: TraceName) -> String { names[Int(name.id)] }

    /// Records an event at the current virtual time.
    public func record(_ kind: TraceName, _ source: TraceName, _ a: Int64 = 0, _ b: Int64 = 0) {
        guard isRecording else { return }
        let time = executor.now
        // FNV-style word folding: each step is a bijection of the state, so a single
        // changed word always changes the final digest.
        var h = state
        h = (h ^ UInt64(bitPattern: time)) &* 0x9e37_79b9_7f4a_7c15
        h = (h ^ kind.hash) &* 0x9e37_79b9_7f4a_7c15
        h = (h ^ source.hash) &* 0x9e37_79b9_7f4a_7c15
        h = (h ^ UInt64(bitPattern: a)) &* 0x9e37_79b9_7f4a_7c15
        h = (h ^ UInt64(bitPattern: b)) &* 0x9e37_79b9_7f4a_7c15
        state = h
        count &+= 1
        if count & (checkpointInterval - 1) == 0 { checkpoint() }
        if let sink { sink(TraceEvent(index: count - 1, time: time, kind: kind, source: source, a: a, b: b)) }
    }

    func checkpoint() { checkpoints.append((count, digest)) }

    /// Digest of every event so far: 64 bits, stable across processes and machines.
    public var digest: UInt64 { SplitMix64.mix(state ^ UInt64(count)) }

    /// ``digest`` as 16 lowercase hex digits.
    public var digestHex: String { Self.hex(digest) }

    /// `value` as 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
