import SimKernel

/// Writes `events.jsonl`: the model's own trace, one JSON object per line, names
/// resolved — `{"i":12,"t":1500000,"kind":"done","source":"order#0","a":7,"b":250000,"detail":"ok"}`
/// (`t` in nanoseconds of simulated time; `detail` only when the event has one).
/// docs/trace.md says what `a` and `b` mean for each kind.
final class EventLinesWriter {
    private let file: TraceFile
    private let trace: Trace
    /// Each name's JSON string, by name id: escaped once, not per event.
    private var quoted: [String?] = []

    init(file: TraceFile, trace: Trace) {
        self.file = file
        self.trace = trace
    }

    private func json(_ name: TraceName) -> String {
        let id = Int(name.id)
        if id >= quoted.count { quoted.append(contentsOf: repeatElement(nil, count: id + 1 - quoted.count)) }
        if let text = quoted[id] { return text }
        let text = TraceJSON.string(trace.text(of: name))
        quoted[id] = text
        return text
    }

    func write(_ event: TraceEvent) {
        var line = "{\"i\":\(event.index),\"t\":\(event.time),\"kind\":\(json(event.kind)),\"source\":\(json(event.source))"
        line += ",\"a\":\(event.a),\"b\":\(event.b)"
        if event.detail != .none { line += ",\"detail\":\(json(event.detail))" }
        line += "}\n"
        file.write(line)
    }
}
