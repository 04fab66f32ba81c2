import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Platform
import Report
import SimKernel
import World

/// The repository's root (Tests/ReportTests/ is two levels below it).
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()

/// A run and everything it wrote: the live outcome (to compare against), the files, and
/// the bundle read back from the files' texts.
struct RunArtifacts: @unchecked Sendable {
    let outcome: WorldOutcome
    let files: [(name: String, contents: String)]
    let bundle: RunBundle

    func file(_ name: String) -> String { files.first { $0.name == name }!.contents }
}

/// Runs a shipped world with overrides and makes its files as `run` does.
func runArtifacts(_ relativePath: String, overrides: [String], path: String = "output/test") throws -> RunArtifacts {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/" + relativePath)))
    let json = try WorldJSON.resolve(bytes, file: relativePath, overrides: overrides)
    let spec = try WorldSpec.reader.read(json)
    let world = try PlatformWorld(spec: spec)
    let outcome = world.run()
    world.sim.shutdown()
    let files = try RunFiles.make(outcome, world: json, trace: world.sim.trace, path: path)
    let text = { (name: String) in files.first { $0.name == name }!.contents }
    let bundle = try RunBundle(path: path, world: text("world.json"), summary: text("summary.json"), series: text("timeseries.jsonl"))
    return RunArtifacts(outcome: outcome, files: files, bundle: bundle)
}

/// The double-12 incident cut to two and a half minutes: penetration traffic (113/s requests for
/// missing products) from 30 s to 80 s, its only fault. A platform world with every
/// service, breakers, connection pools and the broker.
let smallIncidentOverrides = [
    "duration=2m30s",
    #"traffic.bad_traffic=[{"for":"30s","rate":0},{"for":"50s","rate":"113/s"}]"#,
    #"expect=["orders.failed_ratio <= 0.5","invariants.oversold == 0","gateway.latency.p99 < 2000"]"#,
]

/// The small incident, run once for every test that reads it.
let smallIncident: Result<RunArtifacts, any Error> = Result {
    try runArtifacts("worlds/incidents/double12.json", overrides: smallIncidentOverrides, path: "output/double12/12")
}

/// What an XML parser finds in a page: whether it is well-formed, and the elements
/// under each chart (`<div id="chart-…">`).
final class PageStructure: NSObject, XMLParserDelegate {
    private(set) var wellFormed = false
    private(set) var error: String?
    /// Chart ids in page order.
    private(set) var charts: [String] = []
    /// Fault-window groups (`<g class="fault…">`) per chart id.
    private(set) var faultWindows: [String: Int] = [:]
    /// Lines (`<path class="line…">`) per chart id, and how many of them are dashed.
    private(set) var lines: [String: Int] = [:]
    private(set) var dashed: [String: Int] = [:]
    /// `<svg>` elements anywhere, and those with the SVG namespace.
    private(set) var svgs = 0, namespacedSVGs = 0
    /// Timeline entries: (time text, kind, text) per `<ol class="timeline">`.
    private(set) var timelines: [[(when: String, kind: String, text: String)]] = []
    /// Any `<script>`, or attribute referring to another file (`src`, `href` not `#…`).
    private(set) var external: [String] = []
    private var stack: [(name: String, chart: String?)] = []
    private var inTimelineItem: Int?
    private var spanIndex = 0
    private var spans: [String] = []

    init(_ html: String) {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        wellFormed = parser.parse()
        if !wellFormed { error = "line \(parser.lineNumber) column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "?")" }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        var chart = stack.last?.chart
        if name == "div", let id = attributes["id"], id.hasPrefix("chart-") {
            chart = String(id.dropFirst("chart-".count))
            charts.append(chart!)
        }
        let cls = attributes["class"] ?? ""
        if let chart {
            if name == "g", cls.hasPrefix("fault") { faultWindows[chart, default: 0] += 1 }
            if name == "path", cls.hasPrefix("line") {
                lines[chart, default: 0] += 1
                if cls.contains("dashed") { dashed[chart, default: 0] += 1 }
            }
        }
        if name == "svg" {
            svgs += 1
            if attributes["xmlns"] == "http://www.w3.org/2000/svg" { namespacedSVGs += 1 }
        }
        if name == "script" { external.append("script") }
        for key in ["src", "href"] { if let value = attributes[key], !value.hasPrefix("#") { external.append("\(key)=\(value)") } }
        if name == "link" { external.append("link") }
        if name == "ol", cls == "timeline" { timelines.append([]) }
        if name == "li", stack.last?.name == "ol", !timelines.isEmpty { inTimelineItem = stack.count; spans = [] }
        if name == "span", inTimelineItem != nil { spans.append("") }
        stack.append((name, chart))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inTimelineItem != nil, !spans.isEmpty { spans[spans.count - 1] += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
        if name == "li", let depth = inTimelineItem, stack.count == depth {
            if spans.count == 3 { timelines[timelines.count - 1].append((spans[0], spans[1], spans[2])) }
            inTimelineItem = nil
        }
    }
}
