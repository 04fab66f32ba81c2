import Foundation
import Platform
import Report
import SimKernel
import Testing
import World

/// `run --trace`'s files, read back as Perfetto and a log tool would read them.
@Suite("Trace export")
struct TraceExportTests {
    /// The small world, four minutes, with a latency fault on the order service.
    let overrides = [
        #"duration="4m""#,
        #"faults=[{"kind": "latency", "target": "order", "at": "1m", "for": "1m", "extra": {"constant": "500ms"}}]"#,
    ]

    struct Export {
        var outcome: WorldOutcome
        var chrome: [[String: Any]]
        var lines: [[String: Any]]
        var chromeBytes: Data
    }

    /// Runs the small world exporting its trace with `options`; the files parsed.
    func export(_ options: TraceExportOptions = TraceExportOptions()) throws -> Export {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let world = try PlatformWorld(spec: try smallWorld(overrides))
        let export = try TraceExport(directory: directory.path, trace: world.sim.trace, options: options)
        let outcome = world.run()
        try export.finish(at: outcome.result.endTime)
        world.sim.shutdown()
        let chromeBytes = try Data(contentsOf: directory.appendingPathComponent("trace.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: chromeBytes) as? [String: Any])
        let chrome = try #require(root["traceEvents"] as? [[String: Any]])
        let text = try String(contentsOf: directory.appendingPathComponent("events.jsonl"), encoding: .utf8)
        let lines = try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return Export(outcome: outcome, chrome: chrome, lines: lines, chromeBytes: chromeBytes)
    }

    func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test("trace.json follows the Chrome trace event schema: every event complete, spans per track in order and apart, flows and fault windows paired")
    func chromeSchema() throws {
        let run = try export()
        let events = run.chrome
        #expect(events.count > 1_000)
        for event in events {
            #expect(event["ph"] is String && event["name"] is String, "\(event)")
            #expect(number(event["ts"]) != nil && number(event["pid"]) != nil && number(event["tid"]) != nil, "\(event)")
        }
        // Complete events: on each track (pid, tid) in time order and never overlapping.
        // (Microseconds with three decimals: compared as whole nanoseconds, exactly.)
        var trackEnd: [String: Int64] = [:]
        var spans = 0
        for event in events where event["ph"] as? String == "X" {
            let track = "\(number(event["pid"])!)/\(number(event["tid"])!)"
            let ts = Int64((number(event["ts"])! * 1000).rounded()), dur = Int64((try #require(number(event["dur"])) * 1000).rounded())
            #expect(dur >= 0)
            #expect(ts >= trackEnd[track, default: 0], "span at \(ts) overlaps the previous one on \(track)")
            trackEnd[track] = ts + dur
            spans += 1
        }
        #expect(spans > 500)
        // Flow arrows: each id starts once and finishes once, no earlier than it started.
        var flowStarts: [Int: Double] = [:], flowEnds: [Int: Double] = [:]
        for event in events {
            guard let ph = event["ph"] as? String, ph == "s" || ph == "f" else { continue }
            let id = try #require(event["id"] as? Int)
            if ph == "s" { #expect(flowStarts.updateValue(number(event["ts"])!, forKey: id) == nil) }
            else { #expect(flowEnds.updateValue(number(event["ts"])!, forKey: id) == nil) }
        }
        #expect(flowStarts.count > 100, "calls between services are linked")
        #expect(Set(flowStarts.keys) == Set(flowEnds.keys))
        #expect(flowStarts.allSatisfy { $0.value <= flowEnds[$0.key]! })
        // The fault window: an async slice from 1m to 2m.
        let faults = events.filter { $0["cat"] as? String == "fault" }
        #expect(faults.map { $0["ph"] as! String } == ["b", "e"])
        #expect(faults.map { number($0["ts"])! } == [60_000_000, 120_000_000])
        #expect(faults.first?["name"] as? String == "latency:order")
        // Every process named, and the platform's services among them.
        let processes = Set(events.filter { $0["name"] as? String == "process_name" }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(processes.isSuperset(of: ["gateway", "order", "inventory", "payment", "payment_gateway", "faults"]))
        let names = Set(events.filter { $0["ph"] as? String == "X" }.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["app.order", "create_order", "gateway_charge"]))
    }

    @Test("events.jsonl holds every traced event, one per line, in order, with names resolved")
    func eventLines() throws {
        let run = try export()
        #expect(run.lines.count == run.outcome.result.events)
        #expect(run.lines.enumerated().allSatisfy { $0.element["i"] as? Int == $0.offset })
        let times = run.lines.map { $0["t"] as! Int }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        let kinds = Set(run.lines.compactMap { $0["kind"] as? String })
        #expect(kinds.isSuperset(of: ["arrive", "call", "start", "done", "order.created", "order.state", "db.statement",
                                      "pool.grant", "lock.set", "broker.publish", "broker.deliver", "broker.ack",
                                      "payment.charge", "dispatch.assigned", "fault.start", "fault.end"]))
        let done = try #require(run.lines.first { $0["kind"] as? String == "done" && $0["source"] as? String == "order#0" })
        #expect(done["detail"] is String, "a done event says how the call ended")
        let moved = try #require(run.lines.first { $0["kind"] as? String == "order.state" })
        #expect(moved["source"] as? String == "created" && moved["detail"] as? String == "reserved")
    }

    @Test("a window keeps only the events inside it; the run's digest is the same with or without an export")
    func window() throws {
        let whole = try export()
        let windowed = try export(try TraceExportOptions(window: "1m30s..2m", sample: nil))
        #expect(windowed.outcome.result.digest == whole.outcome.result.digest)
        #expect(windowed.lines.allSatisfy { ($0["t"] as! Int) >= 90_000_000_000 && ($0["t"] as! Int) < 120_000_000_000 })
        let inside = whole.lines.filter { ($0["t"] as! Int) >= 90_000_000_000 && ($0["t"] as! Int) < 120_000_000_000 }
        #expect(windowed.lines.count == inside.count)
        #expect(windowed.lines.count < whole.lines.count / 3)
        for event in windowed.chrome where event["ph"] as? String != "M" {
            let ts = number(event["ts"])!
            #expect(ts >= 90_000_000 && ts <= 120_000_000, "\(event)")
        }
        // The fault window began before the trace's: only its end is inside.
        #expect(!windowed.chrome.contains { $0["cat"] as? String == "fault" })
    }

    @Test("a sample keeps whole request trees, the same ones on every run")
    func sample() throws {
        let sampled = try export(try TraceExportOptions(window: nil, sample: "5"))
        let again = try export(try TraceExportOptions(window: nil, sample: "5"))
        let whole = try export()
        #expect(sampled.chromeBytes == again.chromeBytes)
        let calls = { (run: Export) in run.lines.filter { $0["kind"] as? String == "call" } }
        let sampledCalls = calls(sampled), allCalls = calls(whole)
        #expect(sampledCalls.count * 3 < allCalls.count && sampledCalls.count * 10 > allCalls.count)
        // A kept call's parent call is kept too.
        let kept = Set(sampledCalls.map { $0["a"] as! Int })
        let parents = allCalls.filter { kept.contains($0["a"] as! Int) }.map { $0["b"] as! Int }.filter { $0 != 0 }
        #expect(!parents.isEmpty)
        #expect(parents.allSatisfy { kept.contains($0) })
    }

    @Test("--trace-window and --trace-sample refuse what they cannot read, naming the option")
    func badOptions() {
        #expect(throws: TraceOptionError.self) { try TraceExportOptions(window: "12m-18m", sample: nil) }
        #expect(throws: TraceOptionError.self) { try TraceExportOptions(window: "18m..12m", sample: nil) }
        #expect(throws: TraceOptionError.self) { try TraceExportOptions(window: "5 min..", sample: nil) }
        #expect(throws: TraceOptionError.self) { try TraceExportOptions(window: nil, sample: "0") }
        let open = try? TraceExportOptions(window: "10m..", sample: "3")
        #expect(open == TraceExportOptions(from: 600_000_000_000, to: .max, sample: 3))
    }
}
