public import SimKernel

/// One trace event with its names as text: what `check` shows of a run and compares
/// event by event, independent of the name table of the trace that recorded it.
public struct TracedEvent: Sendable, Equatable {
    /// Position in the trace, from 0.
    public var index: Int
    /// Virtual time, nanoseconds.
    public var time: Int64
    /// What happened ("order.created").
    public var kind: String
    /// Who it happened to ("order#12"): the actor.
    public var source: String
    /// The event's two integers.
    public var a: Int64
    /// The second of them.
    public var b: Int64
    /// The event's detail name (an outcome, a reason), "" when it has none.
    public var detail: String

    /// `event` of `trace`, its names resolved.
    public init(_ event: TraceEvent, in trace: Trace) {
        index = event.index
        time = event.time
        kind = trace.text(of: event.kind)
        source = trace.text(of: event.source)
        a = event.a
        b = event.b
        detail = trace.text(of: event.detail)
    }

    /// Whether the two events say the same thing (their position aside).
    public func sameAs(_ other: TracedEvent) -> Bool {
        time == other.time && kind == other.kind && source == other.source && a == other.a && b == other.b
            && detail == other.detail
    }

    /// One line: `#index  time  source  kind[ detail]  a=… b=…`.
    public var line: String {
        "#\(index)  \(Self.time(time))  \(source)  \(kind)\(detail.isEmpty ? "" : " " + detail)  a=\(a) b=\(b)"
    }

    /// Virtual time as minutes and seconds to the nanosecond, trailing zeros dropped
    /// ("12m03.250125s", "4.5s").
    public static func time(_ nanoseconds: Int64) -> String {
        let minutes = nanoseconds / 60_000_000_000
        let rest = nanoseconds % 60_000_000_000
        let whole = rest / 1_000_000_000
        var fraction = String(rest % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let seconds = (minutes > 0 && whole < 10 ? "0" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction) + "s"
        return minutes > 0 ? "\(minutes)m\(seconds)" : seconds
    }
}
