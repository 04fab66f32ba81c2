import Report

/// `check --junit FILE`: the results as JUnit XML, which CI systems display as tests.
///
/// One `testcase` per world (`classname` its directory with dots, `name` the file name
/// without `.json`); a difference is a `failure`, a world that cannot be checked an
/// `error`, each with the headline as `message` and the whole explanation as text. No
/// `time` attributes: the file is the same for the same results, like the rest of the
/// output.
enum JUnitXML {
    static func text(_ results: [WorldCheckResult]) -> String {
        let failures = results.filter { $0.status == .differs }.count
        let errors = results.filter { $0.status == .invalid }.count
        let totals = "tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\""
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<testsuites name=\"delivery-sim check\" \(totals)>",
                     "  <testsuite name=\"delivery-sim check\" \(totals)>"]
        for result in results {
            var directory = result.world.split(separator: "/").dropLast().joined(separator: ".")
            if directory.isEmpty { directory = "worlds" }
            var name = String(result.world.split(separator: "/").last ?? "")
            if name.hasSuffix(".json") { name.removeLast(5) }
            let head = "    <testcase classname=\"\(escape(directory))\" name=\"\(escape(name))\""
            switch result.status {
            case .matches, .updated, .unchanged:
                lines.append(head + "/>")
            case .differs, .invalid:
                let tag = result.status == .differs ? "failure" : "error"
                lines.append(head + ">")
                lines.append("      <\(tag) message=\"\(escape(result.headline))\">\(escape(result.text))</\(tag)>")
                lines.append("    </testcase>")
            }
        }
        lines += ["  </testsuite>", "</testsuites>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with XML's special characters escaped, and control characters XML 1.0
    /// cannot hold replaced by spaces.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
