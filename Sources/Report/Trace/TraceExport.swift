public import SimKernel

/// `run --trace`: streams a world's trace, as it runs, into `trace.json` (Chrome trace
/// event format, for Perfetto and chrome://tracing) and `events.jsonl` (the model's own
/// events, one per line), keeping only a window of simulated time and a sample of the
/// requests when asked. Nothing is held in memory but the requests open now.
///
/// ```swift
/// let export = try TraceExport(directory: staging, trace: world.sim.trace, options: .init())
/// let outcome = world.run()
/// try export.finish(at: outcome.result.endTime)
/// ```
public final class TraceExport {
    /// The files an export writes.
    public static let files = ["trace.json", "events.jsonl"]

    private let trace: Trace
    private let options: TraceExportOptions
    private let chromeFile: TraceFile
    private let linesFile: TraceFile
    private let chrome: ChromeTraceWriter
    private let lines: EventLinesWriter
    /// Calls in flight, by id: whether their request tree is in the sample.
    private var sampledCalls: [Int64: Bool] = [:]
    /// The same for calls answered lately, in two generations: work a handler left behind
    /// (a callback it spawned) still sends calls in its name after it answered. Memory
    /// stays bounded: the older generation is dropped when the newer one fills.
    private var answered: [Int64: Bool] = [:]
    private var answeredBefore: [Int64: Bool] = [:]
    private static let generation = 1 << 16
    private let call, start, done, rejected, expired, arrive, hang: TraceName
    private var finished = false

    /// Opens both files in `directory` and starts receiving `trace`'s events (the
    /// trace's ``Trace/sink``).
    public init(directory: String, trace: Trace, options: TraceExportOptions) throws {
        self.trace = trace
        self.options = options
        chromeFile = try TraceFile(path: directory + "/trace.json")
        linesFile = try TraceFile(path: directory + "/events.jsonl")
        chrome = ChromeTraceWriter(file: chromeFile, trace: trace)
        lines = EventLinesWriter(file: linesFile, trace: trace)
        call = trace.name("call"); start = trace.name("start"); done = trace.name("done")
        rejected = trace.name("rejected"); expired = trace.name("expired"); arrive = trace.name("arrive")
        hang = trace.name("dependency.hang")
        trace.sink = { [unowned self] event in self.receive(event) }
    }

    private func receive(_ event: TraceEvent) {
        // Sampled first: a request tree's decision is made at its root, even before the window.
        guard isSampled(event), options.contains(event.time) else { return }
        lines.write(event)
        chrome.write(event)
    }

    /// Whether the event belongs to a sampled request tree (events of no request, such
    /// as a database statement or a breaker opening, always do).
    private func isSampled(_ event: TraceEvent) -> Bool {
        guard options.sample > 1 else { return true }
        let kind = event.kind
        if kind == call {
            let kept = event.b == 0 ? options.samples(root: event.a)
                : sampledCalls[event.b] ?? answered[event.b] ?? answeredBefore[event.b] ?? options.samples(root: event.b)
            sampledCalls[event.a] = kept
            return kept
        }
        guard kind == start || kind == done || kind == rejected || kind == expired || kind == arrive || kind == hang else {
            return true
        }
        let kept = sampledCalls[event.a] ?? options.samples(root: event.a)
        if kind == done || kind == rejected || kind == expired, let decided = sampledCalls.removeValue(forKey: event.a) {
            answered[event.a] = decided
            if answered.count >= Self.generation {
                answeredBefore = answered
                answered = [:]
            }
        }
        return kept
    }

    /// Stops receiving events, closes what is still open at `end` (the run's end time)
    /// and both files.
    public func finish(at end: Int64) throws {
        guard !finished else { return }
        finished = true
        trace.sink = nil
        chrome.finish(at: min(end, options.to))
        try chromeFile.close()
        try linesFile.close()
    }

    /// Bytes written: trace.json, events.jsonl.
    public var sizes: (chrome: Int, lines: Int) { (chromeFile.size, linesFile.size) }
}
