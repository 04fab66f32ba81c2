import SimKernel
import World

/// Pieces shared by the report and the comparison page.
enum PageParts {
    /// A whole page: XHTML-compatible HTML5 with the inline stylesheet, nothing fetched.
    static func document(title: String, body: String) -> String {
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<meta name=\"generator\" content=\"delivery-sim\"/>"
            + "<title>\(Html.escape(title))</title><style>\n\(Styles.css)\n</style></head>\n<body><main>\n"
            + body + "\n</main></body></html>\n"
    }

    /// Palettes for every line of `specs`, by palette name, so a key keeps its colour on
    /// every chart (and across the two runs of a comparison).
    static func palettes(_ specs: [ChartSpec]) -> [String: Palette] {
        var keys: [String: [String]] = [:]
        for spec in specs { keys[spec.palette, default: []] += spec.lines.map(\.key) }
        var result: [String: Palette] = [:]
        for (name, list) in keys { result[name] = Palette(keys: list) }
        return result
    }

    /// Fixed colours for the lines whose meaning is always the same.
    static func colour(_ palette: String, _ key: String, _ palettes: [String: Palette]) -> String {
        switch (palette, key) {
        case ("load", "offered"): return "#0072B2"
        case ("load", "goodput"): return "#009E73"
        case ("load", "bad"): return "#D55E00"
        case ("load", "failed"): return "#C0392B"
        case ("load", "hit_ratio"): return "#0072B2"
        case ("quantile", "p50"): return "#0072B2"
        case ("quantile", "p99"): return "#D55E00"
        case ("state", "created"): return "#0072B2"
        case ("state", "delivered"): return "#009E73"
        case ("state", "cancelled"): return "#B07800"
        case ("state", "failed"): return "#C0392B"
        case ("state", "open"): return "#555555"
        default: return palettes[palette]?.colour(key) ?? "#000000"
        }
    }

    /// A section heading, its note and its charts in a grid.
    static func section(_ id: String, _ title: String, _ note: String, _ figures: [String]) -> String {
        "<section id=\"section-\(Html.escape(id))\"><h2>\(Html.escape(title))</h2><p class=\"note\">\(Html.escape(note))</p>"
            + "<div class=\"grid\">" + figures.joined() + "</div></section>\n"
    }

    /// A figure wrapped with its id, so a reader (or a test) can find every chart.
    static func figure(_ id: String, _ html: String) -> String {
        "<div class=\"figure\" id=\"chart-\(Html.escape(id))\">" + html + "</div>"
    }

    /// The timeline as a list.
    static func timeline(_ entries: [TimelineEntry]) -> String {
        var html = "<ol class=\"timeline\">"
        for entry in entries {
            html += "<li class=\"\(entry.kind.rawValue)\"><span class=\"when\">\(TimeText.short(entry.time))</span>"
                + "<span class=\"kind\">\(entry.kind.rawValue)</span><span>\(Html.escape(entry.text))</span></li>"
        }
        return html + "</ol>"
    }

    /// The fault windows as a table.
    static func faults(_ windows: [FaultWindow]) -> String {
        guard !windows.isEmpty else { return "<p class=\"muted\">No faults were injected.</p>" }
        var html = "<table class=\"faults\"><tr><th>tag</th><th>what</th><th class=\"num\">from</th><th class=\"num\">to</th></tr>"
        for window in windows {
            html += "<tr><td><b>\(window.tag)</b></td><td>\(Html.escape(window.label))</td><td class=\"num\">\(TimeText.short(window.start))</td>"
                + "<td class=\"num\">\(window.ends ? TimeText.short(window.end) : "—")</td></tr>"
        }
        return html + "</table>"
    }

    /// The expectations of a run with pass/fail and the measured value.
    static func expectations(_ bundle: RunBundle) -> String {
        let list = bundle.summary["expectations"]?.arrayValue ?? []
        guard !list.isEmpty else { return "<p class=\"muted\">The world states no expectations.</p>" }
        var html = "<table class=\"expectations\"><tr><th></th><th>expectation</th><th class=\"num\">measured</th></tr>"
        for item in list {
            let passed = item["passed"]?.boolValue ?? false
            let actual = item["actual"]?.numberValue.map { HumanSummary.fixedOrInteger($0.double) } ?? (item["message"]?.stringValue ?? "n/a")
            html += "<tr><td class=\"\(passed ? "pass" : "fail")\">\(passed ? "✓ pass" : "✗ fail")</td>"
                + "<td><code>\(Html.escape(item["expect"]?.stringValue ?? ""))</code></td><td class=\"num\">\(Html.escape(actual))</td></tr>"
        }
        return html + "</table>"
    }

    /// The invariants of a platform run.
    static func invariants(_ bundle: RunBundle) -> String {
        guard let object = bundle.summary["invariants"]?.objectValue else {
            return "<p class=\"muted\">Not a platform world: no platform invariants apply.</p>"
        }
        var html = "<table class=\"invariants\"><tr><th></th><th>invariant</th><th class=\"num\">count</th></tr>"
        for member in object.members.sorted(by: { $0.key < $1.key }) {
            let count = member.value.numberValue?.int ?? 0
            // Orders in flight at the end are a fact about the stop, not a violation.
            let informational = member.key == "orders_in_flight"
            let cls = informational ? "muted" : count == 0 ? "pass" : "fail"
            html += "<tr><td class=\"\(cls)\">\(informational ? "" : count == 0 ? "✓ holds" : "✗ violated")</td>"
                + "<td>\(Html.escape(member.key.replacingOccurrences("_", " ")))</td><td class=\"num\">\(Html.grouped(count))</td></tr>"
        }
        return html + "</table>"
    }

    /// The world's services as a table of their main settings.
    static func services(_ world: WorldSpec) -> String {
        var html = "<table class=\"services\"><tr><th>service</th><th>role</th><th class=\"num\">instances</th><th class=\"num\">workers</th>"
            + "<th class=\"num\">queue</th><th class=\"num\">db pool (max open)</th><th>calls (timeout, attempts, breaker)</th></tr>"
        for service in HumanSummary.requestFlowOrder(world.services) {
            // A generic service only does its work: it opens no database connection and
            // calls nobody, so its (default) pool and call policies describe nothing.
            let generic = service.role == .generic
            let queue = service.queueCapacity.map { Html.grouped($0) } ?? "unbounded"
            let workers = service.maxWorkers > service.workers ? "\(service.workers)…\(service.maxWorkers)" : "\(service.workers)"
            html += "<tr><td>\(Html.escape(service.name))</td><td>\(Html.escape("\(service.role)"))</td><td class=\"num\">\(service.instances)</td>"
                + "<td class=\"num\">\(workers)</td><td class=\"num\">\(queue)</td>"
                + "<td class=\"num\">\(generic ? "—" : service.database.maxOpen == 0 ? "unlimited" : String(service.database.maxOpen))</td>"
                + "<td>\(generic ? "— (a generic service calls nothing)" : Html.escape(calls(service.calls)))</td></tr>"
        }
        return html + "</table>"
    }

    /// A service's call policies in a phrase each, callees in name order, the default
    /// policy last: `inventory: 5s, 3 attempts, resilience4j breaker; default: 2s`.
    static func calls(_ calls: CallPolicies) -> String {
        func phrase(_ policy: CallPolicy) -> String {
            var parts: [String] = [policy.timeout.map { TimeText.span($0.nanoseconds) } ?? "no timeout"]
            if let retry = policy.retry, retry.attempts > 1 { parts.append("\(retry.attempts) attempts") }
            switch policy.breaker {
            case .resilience4j?: parts.append("resilience4j breaker")
            case .sentinel?: parts.append("sentinel breaker")
            case nil: break
            }
            if policy.fallback != nil { parts.append("fallback") }
            return parts.joined(separator: ", ")
        }
        var entries = calls.byCallee.keys.sorted().map { "\($0): " + phrase(calls.byCallee[$0]!) }
        entries.append("default: " + phrase(calls.fallback))
        return entries.joined(separator: "; ")
    }

    /// The resolved world file, folded.
    static func worldSource(_ bundle: RunBundle) -> String {
        "<details><summary>The resolved world (world.json: the world file with --set overrides and the seed applied; defaults as docs/worlds.md gives them)</summary>"
            + "<pre class=\"world\">\(Html.escape(CanonicalJSON.string(bundle.worldJSON)))</pre></details>"
    }

    /// Facts about a run as a definition list.
    static func facts(_ bundle: RunBundle) -> String {
        var rows: [(String, String)] = [
            ("world", bundle.name), ("seed", String(bundle.seed)), ("digest", bundle.digest),
            ("ended", "\(bundle.stopReason) at \(TimeText.short(bundle.end)) simulated"),
            ("events", Html.grouped(bundle.summary["events"]?.numberValue?.int ?? 0)),
            ("interval", TimeText.span(bundle.series.interval) + " per time-series row (\(bundle.series.rows.count) rows)"),
        ]
        if let detail = bundle.summary["stop"]?["detail"]?.stringValue { rows.append(("stop detail", detail)) }
        if let orders = bundle.summary["orders"] {
            func n(_ key: String) -> String { Html.grouped(orders[key]?.numberValue?.int ?? 0) }
            rows.append(("orders", "\(n("created")) created, \(n("delivered")) delivered, \(n("cancelled")) cancelled, \(n("failed")) failed, \(n("in_flight_at_end")) in flight at the end"))
        }
        if let ratio = bundle.summary["cache"]?["hit_ratio"]?.numberValue?.double {
            rows.append(("cache hit ratio", ValueUnit.ratio.format(ratio)))
        }
        rows.append(("bundle", bundle.path))
        return "<dl class=\"facts\">" + rows.map { "<dt>\(Html.escape($0.0))</dt><dd>\(Html.escape($0.1))</dd>" }.joined() + "</dl>"
    }
}

extension HumanSummary {
    /// An integer as such, otherwise four decimals (as the console prints measured values).
    static func fixedOrInteger(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : fixed(value, 4)
    }
}
