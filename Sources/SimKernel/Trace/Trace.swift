/// The ordered event trace of one world, reduced to a digest as it is recorded.
///
/// Every model event that shapes an outcome (an arrival, a service start and its outcome,
/// a database statement, a pool grant or timeout, a breaker decision; the list is in
/// docs/trace.md) is recorded here in execution order. The running ``digest`` changes if
/// any event, its time, its order or its fields change, so two runs are compared in one
/// line. A ``sink`` can receive the events themselves (for `events.jsonl` and
/// `trace.json`); without one the trace costs O(1) memory apart from periodic checkpoints
/// that let a later tool find the first window where two runs diverge.
public final class Trace: @unchecked Sendable {
    /// Version of the trace format: which events are recorded, with which fields, and how
    /// the digest folds them. A digest is comparable only with one of the same version.
    /// 1: arrive/start/done/rejected, faults, breakers; `(h ^ word) * odd` fold.
    /// 2: every decision with its outcome (docs/trace.md), a detail name per event, the
    ///    avalanching fold of ``TraceDigest``.
    public static let formatVersion = 2

    /// Digest checkpoint taken every this many events.
    public static let checkpointInterval = 1 << 16

    @exclusivity(unchecked) var hash = TraceDigest()
    /// Events recorded so far.
    public var count: Int { hash.count }
    /// (events so far, digest) every ``checkpointInterval`` events.
    public private(set) var checkpoints: [(count: Int, digest: UInt64)] = []
    private var names: [String] = []
    private var nameIndex: [String: TraceName] = [:]
    private unowned(unsafe) let executor: SimExecutor
    /// Receives each event after it is folded into the digest.
    @exclusivity(unchecked) public var sink: ((TraceEvent) -> Void)?
    /// When false, ``record(_:_:_:_:detail:)`` does nothing (used while tearing a world down).
    @exclusivity(unchecked) public var isRecording = true

    /// The vocabulary a model keeps with its trace (see ``vocabulary(_:)``).
    private var attachedVocabulary: AnyObject?

    /// The model's vocabulary of interned names for this trace, made by `make` on first
    /// use: the names are interned once per world, and any part of the model that holds
    /// the simulation reaches them without a lookup per event. One vocabulary type per
    /// trace (asking with another type is a programming error).
    public func vocabulary<Vocabulary: AnyObject>(_ make: (Trace) -> Vocabulary) -> Vocabulary {
        if let attachedVocabulary { return attachedVocabulary as! Vocabulary }
        let made = make(self)
        attachedVocabulary = made
        return made
    }

    /// A trace stamping events with `executor`'s virtual time.
    init(executor: SimExecutor) { self.executor = executor }

    /// The interned name for `text`. Intern once (at start-up, per actor or per table of
    /// outcomes), not per event: a lookup hashes the string.
    public func name(_ text: String) -> TraceName {
        if let existing = nameIndex[text] { return existing }
        let name = TraceName(id: Int32(names.count), hash: StableHash.of(text))
        names.append(text)
        nameIndex[text] = name
        return name
    }

    /// The text of an interned name ("" for ``TraceName/none``).
    public func text(of name: TraceName) -> String { name.id < 0 ? "" : names[Int(name.id)] }

    /// Records an event at the current virtual time.
    public func record(_ kind: TraceName, _ source: TraceName, _ a: Int64 = 0, _ b: Int64 = 0,
                       detail: TraceName = .none) {
        guard isRecording else { return }
        let time = executor.now
        hash.add(time: time, kind: kind.hash, source: source.hash, a: a, b: b, detail: detail.hash)
        let count = hash.count
        if count & (Self.checkpointInterval - 1) == 0 { checkpoint() }
        if let sink {
            sink(TraceEvent(index: count - 1, time: time, kind: kind, source: source, a: a, b: b, detail: detail))
        }
    }

    func checkpoint() { checkpoints.append((count, digest)) }

    /// Digest of every event so far: 64 bits, stable across processes and machines.
    public var digest: UInt64 { hash.value }

    /// ``digest`` as 16 lowercase hex digits.
    public var digestHex: String { Self.hex(digest) }

    /// `value` as 16 lowercase hex digits.
    public static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
