import World

/// Every number of two runs' `summary.json`, paired by path: what a comparison tabulates.
enum SummaryDiff {
    /// (path, A's value, B's value) for every numeric leaf of either summary, in A's
    /// order with B's extra paths after; booleans count as 0/1.
    static func rows(_ a: JSONValue, _ b: JSONValue) -> [(path: String, a: Double?, b: Double?)] {
        let left = leaves(a, ""), right = leaves(b, "")
        var rightIndex: [String: Double] = [:]
        for entry in right { rightIndex[entry.path] = entry.value }
        var leftPaths = Set<String>()
        var result: [(String, Double?, Double?)] = []
        for entry in left {
            leftPaths.insert(entry.path)
            result.append((entry.path, entry.value, rightIndex[entry.path]))
        }
        for entry in right where !leftPaths.contains(entry.path) { result.append((entry.path, nil, entry.value)) }
        return result
    }

    /// Numeric leaves in canonical (sorted-key) order. What ran (seed, digest text) and
    /// per-expectation lists are shown elsewhere; the kernel's step counts are kept.
    static func leaves(_ value: JSONValue, _ path: String) -> [(path: String, value: Double)] {
        switch value.kind {
        case .number(let number): return [(path, number.double)]
        case .bool(let flag): return [(path, flag ? 1 : 0)]
        case .object(let object):
            if path.isEmpty || path == "" {
                return object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                    .filter { !["seed", "expectations", "world", "description", "digest", "stop"].contains($0.key) }
                    .flatMap { leaves($0.value, $0.key) }
            }
            return object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.flatMap { leaves($0.value, path + "." + $0.key) }
        case .array, .string, .null: return []
        }
    }

    /// The table, grouped by top-level key, each group folded except the short ones.
    static func html(_ a: JSONValue, _ b: JSONValue) -> String {
        let rows = rows(a, b)
        var groups: [(String, [(path: String, a: Double?, b: Double?)])] = []
        for row in rows {
            let group = String(row.path.split(separator: ".").first ?? "")
            if groups.last?.0 == group { groups[groups.count - 1].1.append(row) } else { groups.append((group, [row])) }
        }
        var html = ""
        for (group, entries) in groups {
            let changed = entries.filter { $0.a != $0.b }.count
            html += "<details\(entries.count <= 40 ? " open=\"open\"" : "")><summary>\(Html.escape(group)) — \(entries.count) figures, \(changed) differ</summary>"
            html += "<table class=\"diff\"><tr><th>figure</th><th class=\"num\">A</th><th class=\"num\">B</th><th class=\"num\">B − A</th><th class=\"num\">change</th></tr>"
            for entry in entries {
                let same = entry.a == entry.b
                var difference = "", change = "", direction = ""
                if let x = entry.a, let y = entry.b, !same {
                    difference = (y - x >= 0 ? "+" : "") + number(y - x)
                    if x != 0 { change = (y >= x ? "+" : "") + Html.fixed((y - x) / abs(x) * 100, 1) + "%" }
                    direction = y > x ? " up" : " down"
                }
                html += "<tr\(same ? " class=\"same\"" : "")><td><code>\(Html.escape(entry.path))</code></td>"
                    + "<td class=\"num\">\(entry.a.map(number) ?? "—")</td><td class=\"num\">\(entry.b.map(number) ?? "—")</td>"
                    + "<td class=\"num\(direction)\">\(difference)</td><td class=\"num\(direction)\">\(change)</td></tr>"
            }
            html += "</table></details>"
        }
        return html
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? Html.grouped(Int(value)) : ValueUnit.trimmed(value, abs(value) >= 100 ? 1 : 4)
    }
}
