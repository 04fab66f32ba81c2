import World

/// One axis of a sweep: a world field (`--vary PATH=...`) and the values it takes, in the
/// order given. Values are override texts, exactly what `--set PATH=VALUE` accepts, so a
/// sweep configuration is the world with one `--set` per axis.
///
/// `PATH=v1,v2,v3` lists values (commas inside brackets, braces or quotes do not split);
/// `PATH=lo..hi/step` counts from `lo` up to `hi` (inclusive when it lands on it) in steps
/// of `step`: whole numbers, decimals, or durations (`250ms..1s/250ms`).
public struct SweepParameter: Sendable, Equatable {
    /// The world field, as written (`services.payment.database.max_open`).
    public let path: String
    /// The values, as override texts (`"16"`, `"500ms"`).
    public let values: [String]

    /// The most values one axis may take: a typo such as `1..1000000/1` should be an error,
    /// not a sweep that never ends.
    public static let maxValues = 10_000

    /// An axis from its parts (used by plans read back from `sweep.json`).
    public init(path: String, values: [String]) {
        self.path = path
        self.values = values
    }

    /// Parses the text of the `position`-th `--vary` (1-based, for messages).
    public init(parsing text: String, position: Int) throws(SweepError) {
        let label = "--vary #\(position) (\(text))"
        guard let equals = text.firstIndex(of: "=") else {
            throw SweepError("\(label): expected PATH=v1,v2,... or PATH=lo..hi/step, found no '='")
        }
        let path = String(text[..<equals]).trimmingSpaces
        let spec = String(text[text.index(after: equals)...]).trimmingSpaces
        guard !path.isEmpty else { throw SweepError("\(label): missing the field's path before '='") }
        guard !spec.isEmpty else { throw SweepError("\(label): no values after '='") }
        let values: [String]
        if let range = try Self.range(spec, label: label) {
            values = range
        } else {
            values = Self.splitTopLevel(spec).map(\.trimmingSpaces)
            if let empty = values.firstIndex(where: \.isEmpty) {
                throw SweepError("\(label): value \(empty + 1) is empty (two commas in a row, or a trailing comma)")
            }
        }
        guard values.count <= Self.maxValues else {
            throw SweepError("\(label): \(values.count) values; at most \(Self.maxValues) per axis")
        }
        var seen: [String] = []
        for value in values {
            if seen.contains(value) { throw SweepError("\(label): the value \(value) is listed twice") }
            seen.append(value)
        }
        self.path = path
        self.values = values
    }

    /// The override text of the `index`-th value: `PATH=VALUE`.
    public func override(_ index: Int) -> String { "\(path)=\(values[index])" }

    /// The numeric value of an override text, for cost expressions and charts: a number as
    /// it is, a duration in milliseconds (`"500ms"` → 500, `"2s"` → 2000), a percentage as
    /// a ratio; nil for anything else.
    public static func numeric(_ value: String) -> Double? {
        var text = value
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        if let number = Double(text), number.isFinite { return number }
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent.isFinite { return percent / 100 }
        if let nanoseconds = try? DurationText.parseNanoseconds(text) { return Double(nanoseconds) / 1e6 }
        return nil
    }

    /// `lo..hi/step` expanded, nil when `spec` is not a range (no `..`).
    static func range(_ spec: String, label: String) throws(SweepError) -> [String]? {
        guard spec.contains(".."), !spec.contains(","), let first = spec.first, first.isNumber else { return nil }
        let bounds = spec.split(separator: "..", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 else { return nil }
        let upperAndStep = bounds[1].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard upperAndStep.count == 2 else {
            throw SweepError("\(label): a range needs a step, lo..hi/step (e.g. 10..100/10), found \"\(spec)\"")
        }
        let (lowText, highText, stepText) = (bounds[0], upperAndStep[0], upperAndStep[1])
        if let low = Int64(lowText), let high = Int64(highText), let step = Int64(stepText) {
            return try expand(low: low, high: high, step: step, label: label) { String($0) }
        }
        if let low = Double(lowText), let high = Double(highText), let step = Double(stepText),
           low.isFinite, high.isFinite, step.isFinite {
            guard step > 0 else { throw SweepError("\(label): the step must be above 0, found \(stepText)") }
            guard high >= low else { throw SweepError("\(label): the range is empty (\(highText) is below \(lowText))") }
            let count = Int(((high - low) / step * (1 + 1e-12)).rounded(.down)) + 1
            guard count <= maxValues else { throw SweepError("\(label): \(count) values; at most \(maxValues) per axis") }
            // Each value from the start, not by repeated addition, so 0.1 steps do not drift.
            return (0..<count).map { decimal(low + Double($0) * step, digits: max(decimals(lowText), decimals(stepText))) }
        }
        guard let low = try? DurationText.parseNanoseconds(lowText), let high = try? DurationText.parseNanoseconds(highText),
              let step = try? DurationText.parseNanoseconds(stepText) else {
            throw SweepError("\(label): expected a range of numbers or durations lo..hi/step (e.g. 10..100/10, "
                + "250ms..2s/250ms), found \"\(spec)\"")
        }
        return try expand(low: low, high: high, step: step, label: label, format: durationText)
    }

    static func expand(low: Int64, high: Int64, step: Int64, label: String,
                       format: (Int64) -> String) throws(SweepError) -> [String] {
        guard step > 0 else { throw SweepError("\(label): the step must be above 0, found \(step)") }
        guard high >= low else { throw SweepError("\(label): the range is empty (its end is below its start)") }
        let count = (high - low) / step + 1
        guard count <= Int64(maxValues) else { throw SweepError("\(label): \(count) values; at most \(maxValues) per axis") }
        return (0..<count).map { format(low + $0 * step) }
    }

    /// A duration in the largest unit that divides it exactly (`1500000000` → `1500ms`).
    static func durationText(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0" }
        for (unit, size) in [("h", Int64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000),
                             ("ms", 1_000_000), ("us", 1_000)] where nanoseconds % size == 0 {
            return "\(nanoseconds / size)\(unit)"
        }
        return "\(nanoseconds)ns"
    }

    static func decimals(_ text: String) -> Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: dot)...].prefix { $0.isNumber }.count
    }

    /// `value` rounded to `digits` decimals, trailing zeros dropped.
    static func decimal(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return "\(rounded)"
    }

    /// Splits at commas outside brackets, braces and double quotes.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for character in text {
            if quoted {
                current.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { quoted = false }
                continue
            }
            switch character {
            case "\"": quoted = true
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}

extension String {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
