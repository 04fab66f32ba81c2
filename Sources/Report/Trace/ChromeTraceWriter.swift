import SimKernel

/// Writes `trace.json` in the Chrome trace event format, which Perfetto
/// (ui.perfetto.dev) and chrome://tracing open:
/// - a process per service (pid), and per instance a track of its own events and one
///   track per concurrent request ("lane"): a request holds the lowest free lane of its
///   instance from its start to its answer, so the spans of one track never overlap —
///   as the format's complete ("X") events on one thread must not;
/// - a complete event per call or request served: name the call ("create_order",
///   "app.order"), args its id and outcome;
/// - a flow arrow ("s" → "f") from the span of the call that sent a call to the span
///   that served it;
/// - fault windows as async slices ("b"/"e") in a "faults" process; breaker
///   transitions, crashes, rejections, retries and limiter refusals as instants.
/// The output is streamed: the writer keeps only the requests open now.
final class ChromeTraceWriter {
    private let file: TraceFile
    private let trace: Trace
    private var first = true

    /// Where a trace source lives: its process, its instance and its lanes.
    private struct Place {
        var pid: Int
        var instance: Int
        /// The source's own text ("order#0").
        var label: String
        /// Lanes in use (true) by spans open now.
        var lanes: [Bool] = []
        var namedLanes = 0
        var namedEventsTrack = false
    }

    private var places: [Int32: Int] = [:]
    private var placeList: [Place] = []
    private var processes: [String: Int] = [:]

    private struct OpenSpan {
        var place: Int
        var lane: Int
        var start: Int64
        var label: String
    }

    /// Spans open now, by source and id (calls and event-driven requests share ids).
    private var open: [SpanKey: OpenSpan] = [:]
    /// Calls sent and not yet started: their label, sender's call and when they left.
    private var sent: [Int64: (label: String, parent: Int64, at: Int64)] = [:]
    /// Open spans of calls, by call id (for flows from a parent).
    private var openCalls: [Int64: SpanKey] = [:]
    /// Fault windows open now, by kind and value: their async id and name (JSON).
    private var faults: [FaultKey: (id: Int, name: String)] = [:]
    private var nextFault = 1

    private struct SpanKey: Hashable {
        var source: Int32
        var id: Int64
    }

    private struct FaultKey: Hashable {
        var kind: Int32
        var value: Int64
    }

    // The kinds this writer draws, by name.
    private let call, start, done, rejected, expired, faultStart, faultEnd, crash, restart, pause, retry,
                breakerRejected, limited, hang: TraceName
    private let breakerKinds: Set<Int32>

    init(file: TraceFile, trace: Trace) {
        self.file = file
        self.trace = trace
        call = trace.name("call"); start = trace.name("start"); done = trace.name("done")
        rejected = trace.name("rejected"); expired = trace.name("expired")
        faultStart = trace.name("fault.start"); faultEnd = trace.name("fault.end")
        crash = trace.name("crash"); restart = trace.name("restart"); pause = trace.name("pause")
        retry = trace.name("retry"); breakerRejected = trace.name("breaker.rejected")
        limited = trace.name("limiter.rejected"); hang = trace.name("dependency.hang")
        breakerKinds = Set(["closed", "open", "half_open", "forced_open", "disabled"].map { trace.name("breaker.\($0)").id })
        file.write("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"delivery-sim\",\"trace_format\":\(Trace.formatVersion)},\n\"traceEvents\":[\n")
    }

    // MARK: Places

    /// The process of `service`, announced on first use.
    private func process(_ service: String) -> Int {
        if let pid = processes[service] { return pid }
        let pid = processes.count + 1
        processes[service] = pid
        emit("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":\(pid),\"tid\":0,\"ts\":0,\"args\":{\"name\":\(TraceJSON.string(service))}}")
        return pid
    }

    /// The place of a source: "order#2" is instance 2 of service "order"; a link
    /// "order#2->inventory" is its caller's instance; anything else is a service of its own.
    private func place(_ source: TraceName) -> Int {
        if let index = places[source.id] { return index }
        var text = trace.text(of: source)
        if let arrow = text.range(of: "->") { text = String(text[..<arrow.lowerBound]) }
        var service = text, instance = 0
        if let hash = text.lastIndex(of: "#"), let number = Int(text[text.index(after: hash)...]) {
            service = String(text[..<hash])
            instance = number
        }
        let index = placeList.count
        placeList.append(Place(pid: process(service), instance: instance, label: text))
        places[source.id] = index
        return index
    }

    private func tid(_ place: Int, lane: Int) -> Int { placeList[place].instance * 1000 + lane + 1 }

    /// The track of lane `lane`, named on first use.
    private func laneTrack(_ place: Int, _ lane: Int) -> Int {
        let tid = tid(place, lane: lane)
        while placeList[place].namedLanes <= lane {
            let named = placeList[place].namedLanes
            emit("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":\(placeList[place].pid),\"tid\":\(self.tid(place, lane: named)),"
                + "\"ts\":0,\"args\":{\"name\":\(TraceJSON.string("\(placeList[place].label) · \(named + 1)"))}}")
            placeList[place].namedLanes += 1
        }
        return tid
    }

    /// The track of the instance's own events (crashes, rejections, breakers).
    private func eventsTrack(_ place: Int) -> Int {
        let tid = placeList[place].instance * 1000
        if !placeList[place].namedEventsTrack {
            placeList[place].namedEventsTrack = true
            emit("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":\(placeList[place].pid),\"tid\":\(tid),\"ts\":0,"
                + "\"args\":{\"name\":\(TraceJSON.string("\(placeList[place].label) events"))}}")
        }
        return tid
    }

    private func emit(_ json: String) {
        file.write(first ? json : ",\n" + json)
        first = false
    }

    // MARK: Events

    func write(_ event: TraceEvent) {
        let kind = event.kind
        if kind == call {
            sent[event.a] = (trace.text(of: event.detail), event.b, event.time)
        } else if kind == start {
            begin(event)
        } else if kind == done {
            end(event)
        } else if kind == rejected || kind == expired || kind == hang {
            sent[event.a] = nil
            let detail = event.detail == .none ? "" : " \(trace.text(of: event.detail))"
            instant(event, name: trace.text(of: kind) + detail, args: "{\"id\":\(event.a)}")
        } else if kind == faultStart || kind == faultEnd {
            fault(event, starting: kind == faultStart)
        } else if kind == crash || kind == restart || kind == pause || kind == retry || kind == breakerRejected
                    || kind == limited || breakerKinds.contains(kind.id) {
            var name = trace.text(of: kind)
            if kind == retry || breakerKinds.contains(kind.id) || kind == breakerRejected {
                let source = trace.text(of: event.source)
                if let arrow = source.range(of: "->") { name += " " + source[arrow.upperBound...] }
            }
            if event.detail != .none { name += " " + trace.text(of: event.detail) }
            let args = kind == retry ? "{\"attempt\":\(event.a),\"delay_ms\":\(TraceJSON.microseconds(event.b / 1000))}" : "{}"
            instant(event, name: name, args: args)
        }
    }

    private func begin(_ event: TraceEvent) {
        let place = place(event.source)
        var lanes = placeList[place].lanes
        let lane = lanes.firstIndex(of: false) ?? lanes.count
        if lane == lanes.count { lanes.append(true) } else { lanes[lane] = true }
        placeList[place].lanes = lanes
        let key = SpanKey(source: event.source.id, id: event.a)
        let sender = sent.removeValue(forKey: event.a)
        open[key] = OpenSpan(place: place, lane: lane, start: event.time, label: sender?.label ?? "request")
        let tid = laneTrack(place, lane)
        guard let sender else { return }
        openCalls[event.a] = key
        // The arrow from the sender's span (open now, since it waits for this call).
        if sender.parent != 0, let parentKey = openCalls[sender.parent], let parent = open[parentKey] {
            emit("{\"ph\":\"s\",\"name\":\"call\",\"cat\":\"call\",\"id\":\(event.a),\"pid\":\(placeList[parent.place].pid),"
                + "\"tid\":\(self.tid(parent.place, lane: parent.lane)),\"ts\":\(TraceJSON.microseconds(sender.at))}")
            emit("{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"call\",\"cat\":\"call\",\"id\":\(event.a),\"pid\":\(placeList[place].pid),"
                + "\"tid\":\(tid),\"ts\":\(TraceJSON.microseconds(event.time))}")
        }
    }

    private func end(_ event: TraceEvent) {
        let key = SpanKey(source: event.source.id, id: event.a)
        guard let span = open.removeValue(forKey: key) else { return }
        openCalls[event.a] = nil
        placeList[span.place].lanes[span.lane] = false
        let outcome = event.detail == .none ? "" : ",\"outcome\":" + TraceJSON.string(trace.text(of: event.detail))
        emit("{\"ph\":\"X\",\"name\":\(TraceJSON.string(span.label)),\"cat\":\"request\",\"pid\":\(placeList[span.place].pid),"
            + "\"tid\":\(tid(span.place, lane: span.lane)),\"ts\":\(TraceJSON.microseconds(span.start)),"
            + "\"dur\":\(TraceJSON.microseconds(event.time - span.start)),\"args\":{\"id\":\(event.a)\(outcome)}}")
    }

    private func instant(_ event: TraceEvent, name: String, args: String) {
        let place = place(event.source)
        emit("{\"ph\":\"i\",\"s\":\"t\",\"name\":\(TraceJSON.string(name)),\"pid\":\(placeList[place].pid),"
            + "\"tid\":\(eventsTrack(place)),\"ts\":\(TraceJSON.microseconds(event.time)),\"args\":\(args)}")
    }

    private func fault(_ event: TraceEvent, starting: Bool) {
        let pid = process("faults")
        let key = FaultKey(kind: event.source.id, value: event.a)
        let name = TraceJSON.string(trace.text(of: event.source))
        if starting {
            let id = nextFault
            nextFault += 1
            faults[key] = (id, name)
            emit("{\"ph\":\"b\",\"cat\":\"fault\",\"name\":\(name),\"id\":\(id),\"pid\":\(pid),\"tid\":0,"
                + "\"ts\":\(TraceJSON.microseconds(event.time)),\"args\":{\"value\":\(event.a)}}")
        } else if let (id, _) = faults.removeValue(forKey: key) {
            emit("{\"ph\":\"e\",\"cat\":\"fault\",\"name\":\(name),\"id\":\(id),\"pid\":\(pid),\"tid\":0,"
                + "\"ts\":\(TraceJSON.microseconds(event.time))}")
        }
    }

    /// Ends fault windows still open at `end` (the run's end or the window's) and the file.
    func finish(at end: Int64) {
        for (id, name) in faults.values.sorted(by: { $0.id < $1.id }) {
            emit("{\"ph\":\"e\",\"cat\":\"fault\",\"name\":\(name),\"id\":\(id),\"pid\":\(process("faults")),\"tid\":0,"
                + "\"ts\":\(TraceJSON.microseconds(end))}")
        }
        faults = [:]
        file.write("\n]}\n")
    }
}
