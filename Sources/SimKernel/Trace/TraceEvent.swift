/// An interned name in a ``Trace``: an event kind ("order.created") or a source
/// ("order#2"). Interning keeps recording an event to a handful of integer operations.
public struct TraceName: Hashable, Sendable {
    /// Index in the trace's name table (first-use order, hence deterministic); -1 for
    /// ``none``.
    public let id: Int32
    /// Stable hash of the text, folded into digests.
    let hash: UInt64

    /// No name: the detail of an event that has none. Its text is empty.
    public static let none = TraceName(id: -1, hash: 0)
}

/// One recorded event, as handed to a ``Trace/sink``.
public struct TraceEvent: Sendable, Equatable {
    /// Position in the trace, from 0.
    public var index: Int
    /// Virtual time, nanoseconds.
    public var time: Int64
    /// What happened ("start", "db.statement", "pool.timeout"; see docs/trace.md).
    public var kind: TraceName
    /// Who it happened to (an instance "order#0", a link "api#0->order", a lock key...).
    public var source: TraceName
    /// Two event-specific integers (a call id, a count, a delay in ns...).
    public var a: Int64
    public var b: Int64
    /// The event's outcome or qualifier ("ok", "queue_full", "placed"), or ``TraceName/none``.
    public var detail: TraceName

    /// An event; `detail` defaults to none.
    public init(index: Int, time: Int64, kind: TraceName, source: TraceName, a: Int64, b: Int64,
                detail: TraceName = .none) {
        self.index = index
        self.time = time
        self.kind = kind
        self.source = source
        self.a = a
        self.b = b
        self.detail = detail
    }
}
