import Foundation
import Platform
import Report
import SimKernel
import Testing
import World

/// `metrics.om`: the run's time series in OpenMetrics text, for promtool and Grafana.
@Suite("OpenMetrics export")
struct OpenMetricsTests {
    /// The small world's metrics.om, made once per test.
    static func smallText() throws -> (text: String, outcome: WorldOutcome) {
        let outcome = try runSmall(["duration=\"6m\"", "traffic.rate=\"2/s\""])
        return (OpenMetricsText.text(outcome.metrics), outcome)
    }

    @Test("every line of metrics.om is a comment, a sample with a timestamp, or the final # EOF; families are never interleaved and each series' timestamps increase")
    func everyLineParses() throws {
        let (text, _) = try Self.smallText()
        let report = OpenMetricsGrammar.check(text)
        #expect(report.errors.isEmpty, "\(report.errors.prefix(5))")
        #expect(report.families > 50)
        #expect(report.samples > 1000)
    }

    @Test("labels come from each metric's descriptor: one family per figure, services, callees and reasons as labels")
    func labelsFromDescriptors() throws {
        let (text, outcome) = try Self.smallText()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE deliverysim_requests counter"))
        #expect(!lines.contains { $0.hasPrefix("deliverysim_gateway_requests") })
        // The last sample of a counter is its total.
        let gatewayRequests = lines.last { $0.hasPrefix("deliverysim_requests_total{service=\"gateway\"} ") }
        let total = try #require(gatewayRequests?.split(separator: " ")[1])
        #expect(Int64(total) == outcome.metrics.existingCounter("gateway.requests")?.total)
        #expect(lines.contains { $0.hasPrefix("deliverysim_calls_attempts_total{service=\"order\",callee=\"inventory\"} ") })
    }

    @Test("latencies are histograms in seconds with cumulative buckets, _count and _sum; the last +Inf bucket is the whole run's count")
    func histogramsInSeconds() throws {
        let (text, outcome) = try Self.smallText()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE deliverysim_latency_seconds histogram"))
        #expect(lines.contains("# UNIT deliverysim_latency_seconds seconds"))
        let prefix = "deliverysim_latency_seconds_bucket{service=\"gateway\",le=\"+Inf\"} "
        let last = try #require(lines.last { $0.hasPrefix(prefix) })
        let count = outcome.metrics.existingHistogram("gateway.latency")!.total.count
        #expect(last.split(separator: " ")[1] == "\(count)")
        // Buckets of one sample are cumulative: never fewer below a larger bound.
        let time = last.split(separator: " ")[2]
        let buckets = lines.filter { $0.hasPrefix("deliverysim_latency_seconds_bucket{service=\"gateway\",") && $0.hasSuffix(" \(time)") }
            .map { Int($0.split(separator: " ")[1])! }
        #expect(buckets.count == OpenMetricsText.bucketBounds.count + 1)
        #expect(buckets == buckets.sorted())
    }

    @Test("the same world and seed give a byte-identical metrics.om")
    func deterministic() throws {
        let first = try Self.smallText().text
        let second = try Self.smallText().text
        #expect(first == second)
    }

    /// promtool, where package managers put it (nil when it is not installed).
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool", "/opt/homebrew/bin/promtool"]
        .first(where: { FileManager.default.isExecutableFile(atPath: $0) })

    @Test("promtool tsdb create-blocks-from openmetrics ingests metrics.om, every sample of it",
          .enabled(if: promtool != nil, "promtool is not installed (Debian: apt-get install prometheus); skipped"))
    func promtoolIngests() throws {
        let promtool = try #require(Self.promtool)
        let (text, outcome) = try Self.smallText()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("om-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("metrics.om")
        try Data(text.utf8).write(to: file)
        let (status, output) = try run(promtool, ["tsdb", "create-blocks-from", "openmetrics", file.path, folder.appendingPathComponent("blocks").path])
        #expect(status == 0, "promtool said: \(output)")
        let (listStatus, listing) = try run(promtool, ["tsdb", "list", folder.appendingPathComponent("blocks").path])
        #expect(listStatus == 0)
        // One block; its samples end at the run's end (milliseconds, from epoch 0), and
        // it holds every sample of the file (promtool drops samples that go back in time).
        let row = try #require(listing.split(separator: "\n").dropFirst().first).split(separator: " ", omittingEmptySubsequences: true)
        #expect(Int64(row[2]) == outcome.result.endTime / 1_000_000 + 1)
        #expect(Int(row[4]) == OpenMetricsGrammar.check(text).samples)
        // A sample without a timestamp is refused: the test can fail.
        let broken = "# TYPE a counter\na_total 1 1.000\na_total 2\n# EOF\n"
        try Data(broken.utf8).write(to: file)
        let (brokenStatus, _) = try run(promtool, ["tsdb", "create-blocks-from", "openmetrics", file.path, folder.appendingPathComponent("broken").path])
        #expect(brokenStatus != 0)
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("the grammar refuses what OpenMetrics forbids: a sample without a timestamp, interleaved families, time going back, a missing # EOF")
    func grammarCatchesMistakes() {
        #expect(!OpenMetricsGrammar.check("# TYPE a counter\na_total 1\n# EOF\n").errors.isEmpty)
        #expect(!OpenMetricsGrammar.check("# TYPE a counter\na_total 1 1.0\n# TYPE b gauge\nb 1 1.0\na_total 2 2.0\n# EOF\n").errors.isEmpty)
        #expect(!OpenMetricsGrammar.check("# TYPE a counter\na_total 2 2.0\na_total 3 1.0\n# EOF\n").errors.isEmpty)
        #expect(!OpenMetricsGrammar.check("# TYPE a counter\na_total 1 1.0\n").errors.isEmpty)
        #expect(OpenMetricsGrammar.check("# TYPE a counter\n# HELP a x\na_total{s=\"q\\\"\"} 1 1.0\n# EOF\n").errors.isEmpty)
    }
}

/// A small OpenMetrics line grammar, independent of promtool: metric names, label sets,
/// values, timestamps; families whole; timestamps increasing per series; `# EOF` last.
enum OpenMetricsGrammar {
    struct Report {
        var errors: [String] = []
        var families = 0
        var samples = 0
    }

    static func check(_ text: String) -> Report {
        var report = Report()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() } else { report.errors.append("the text does not end with a newline") }
        guard lines.last == "# EOF" else {
            report.errors.append("the last line is not # EOF")
            return report
        }
        lines.removeLast()
        var seenFamilies: Set<String> = []
        var current: (name: String, type: String)?
        var lastTime: [String: Double] = [:]
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*""#
        let number = #"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|Inf)|NaN)"#
        let sample = try! Regex("^(\(name))(\\{\(label)(?:,\(label))*\\})? (\(number)) ([0-9]+(?:\\.[0-9]+)?)$")
        let type = try! Regex("^# TYPE (\(name)) (counter|gauge|histogram|summary|unknown|info|stateset|gaugehistogram)$")
        let meta = try! Regex("^# (HELP|UNIT) (\(name))(?: .*)?$")
        for (index, line) in lines.enumerated() {
            let at = "line \(index + 1): \(line.prefix(80))"
            if let match = line.wholeMatch(of: type) {
                let family = String(match.output[1].substring!)
                if seenFamilies.contains(family) { report.errors.append("\(at): family \(family) appears twice (interleaved)") }
                seenFamilies.insert(family)
                current = (family, String(match.output[2].substring!))
                report.families += 1
            } else if let match = line.wholeMatch(of: meta) {
                if String(match.output[2].substring!) != current?.name { report.errors.append("\(at): metadata outside its family") }
            } else if let match = line.wholeMatch(of: sample) {
                report.samples += 1
                let metric = String(match.output[1].substring!)
                guard let family = current, belongs(metric, to: family) else {
                    report.errors.append("\(at): sample outside its family")
                    continue
                }
                let labels = match.output[2].substring.map(String.init) ?? ""
                // A histogram's buckets share a timestamp; each bucket is its own series.
                let series = metric + labels
                let time = Double(match.output[4].substring!)!
                if let previous = lastTime[series], time <= previous {
                    report.errors.append("\(at): timestamp \(time) not after \(previous)")
                }
                lastTime[series] = time
            } else {
                report.errors.append("\(at): not an OpenMetrics line")
            }
        }
        return report
    }

    static func belongs(_ metric: String, to family: (name: String, type: String)) -> Bool {
        switch family.type {
        case "counter": return metric == family.name + "_total" || metric == family.name + "_created"
        case "histogram": return ["_bucket", "_count", "_sum", "_created"].contains { metric == family.name + $0 }
        default: return metric == family.name
        }
    }
}
