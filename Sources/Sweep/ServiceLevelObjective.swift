public import World

/// A service-level objective for a sweep (`--slo "app.order.latency.p99 < 800ms"`): a
/// metric (any name an expectation accepts, see docs/worlds.md), a comparison and a
/// threshold. Latency statistics are in milliseconds, so a threshold may carry a duration
/// unit (`800ms`, `1.5s`), converted to milliseconds; `1%` is 0.01.
public struct ServiceLevelObjective: Sendable, Equatable, CustomStringConvertible {
    /// The metric.
    public let metric: String
    /// The comparison.
    public let comparison: Expectation.Comparison
    /// The threshold, in the metric's unit (milliseconds for latencies).
    public let threshold: Double
    /// The text as written.
    public let text: String

    public var description: String { text }

    /// Parses `METRIC OP THRESHOLD`; `position` numbers `--slo` options in messages.
    public init(parsing text: String, position: Int) throws(SweepError) {
        let label = "--slo #\(position) (\(text))"
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard words.count == 3 else {
            throw SweepError("\(label): expected METRIC OP THRESHOLD separated by spaces, e.g. \"app.order.latency.p99 < 800ms\"; found \(words.count) word(s)")
        }
        guard let first = words[0].first, first.isLetter,
              words[0].allSatisfy({ $0.isLetter || $0.isNumber || "._-#".contains($0) }) else {
            throw SweepError("\(label): \"\(words[0])\" is not a metric name")
        }
        guard let comparison = Expectation.Comparison(rawValue: words[1]) else {
            throw SweepError("\(label): unknown comparison \"\(words[1])\" (use <, <=, >, >=, ==, !=)")
        }
        guard let threshold = Self.threshold(words[2]) else {
            throw SweepError("\(label): \"\(words[2])\" is not a number, a percentage or a duration (800ms, 1.5s)")
        }
        metric = words[0]
        self.comparison = comparison
        self.threshold = threshold
        self.text = words.joined(separator: " ")
    }

    /// Whether `value` meets the objective.
    public func holds(for value: Double) -> Bool {
        Expectation(metric: metric, window: nil, comparison: comparison, value: threshold, text: text).holds(for: value)
    }

    /// Whether smaller values of the metric are better (the objective is an upper bound).
    public var isUpperBound: Bool { comparison == .less || comparison == .lessOrEqual }

    static func threshold(_ text: String) -> Double? {
        if let number = Double(text), number.isFinite { return number }
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent.isFinite { return percent / 100 }
        if let nanoseconds = try? DurationText.parseNanoseconds(text) { return Double(nanoseconds) / 1e6 }
        return nil
    }
}
