extension Expectation {
    /// Reads an expectation string: `METRIC [in FROM..TO] OP NUMBER`, e.g.
    /// `"orders.failed_ratio in 12m..18m >= 0.3"`, `"invariants.oversold == 0"`.
    static let reader = ValueReader<Expectation>(
        expected: "an expectation such as \"orders.failed_ratio in 12m..18m >= 0.3\"",
        placeholder: { Expectation(metric: "", window: nil, comparison: .equal, value: 0, text: "") }
    ) { value, context in
        guard let text = value.stringValue else {
            context.mismatch(value, expected: "an expectation string such as \"orders.failed_ratio in 12m..18m >= 0.3\"")
            return nil
        }
        switch parse(text) {
        case .success(let expectation): return expectation
        case .failure(let problem):
            context.mismatch(value, expected: "an expectation: METRIC [in FROM..TO] OP NUMBER", detail: problem.message)
            return nil
        }
    }

    struct Problem: Error { var message: String }

    /// Parses `METRIC [in FROM..TO] OP NUMBER`.
    static func parse(_ text: String) -> Result<Expectation, Problem> {
        let tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard tokens.count == 3 || tokens.count == 5 else {
            return .failure(Problem(message: "expected 3 or 5 words separated by spaces, found \(tokens.count)"))
        }
        let metric = tokens[0]
        guard metric.allSatisfy({ $0.isLetter || $0.isNumber || "._-#".contains($0) }), metric.first?.isLetter == true else {
            return .failure(Problem(message: "\"\(metric)\" is not a metric name"))
        }
        var window: ClosedRange<Duration>?
        var rest = tokens.dropFirst()
        if tokens.count == 5 {
            guard tokens[1] == "in" else { return .failure(Problem(message: "expected \"in\" after the metric, found \"\(tokens[1])\"")) }
            let bounds = tokens[2].components(separatedBy: "..")
            guard bounds.count == 2 else { return .failure(Problem(message: "expected a window FROM..TO such as 12m..18m, found \"\(tokens[2])\"")) }
            do {
                let from = try DurationText.parse(bounds[0])
                let to = try DurationText.parse(bounds[1])
                guard from < to else { return .failure(Problem(message: "the window's start must be before its end")) }
                window = from...to
            } catch {
                return .failure(Problem(message: "window \"\(tokens[2])\": \(error)"))
            }
            rest = tokens.dropFirst(3)
        }
        let operatorText = rest[rest.startIndex]
        guard let comparison = Comparison(rawValue: operatorText) else {
            return .failure(Problem(message: "unknown comparison \"\(operatorText)\" (use <=, >=, <, >, ==, !=)"))
        }
        let numberText = rest[rest.startIndex + 1]
        let number: Double
        if numberText.hasSuffix("%"), let percent = Double(numberText.dropLast()), percent.isFinite {
            number = percent / 100
        } else if let plain = Double(numberText), plain.isFinite {
            number = plain
        } else if let duration = try? DurationText.parse(numberText) {
            // `--slo` converts units; an expectation compares the metric's own figure, and
            // a latency's is in milliseconds.
            let (seconds, attoseconds) = duration.components
            let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            let shown = milliseconds == milliseconds.rounded() && abs(milliseconds) < 1e15
                ? String(Int64(milliseconds)) : String(milliseconds)
            return .failure(Problem(message: "\"\(numberText)\" is not a number: latencies are compared in milliseconds, "
                + "without a unit (did you mean \(shown)?)"))
        } else {
            return .failure(Problem(message: "\"\(numberText)\" is not a number"))
        }
        return .success(Expectation(metric: metric, window: window, comparison: comparison, value: number, text: text))
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
