// Readers for the units of the world language: durations, rates and ratios.

extension ValueReader where Value == Duration {
    /// A duration string (``DurationText``: `"250ms"`, `"1h30m"`) or the number `0`.
    public static var duration: ValueReader<Duration> {
        duration(expected: "a duration such as \"250ms\"") { _ in true }
    }

    /// A duration of at least `minimum`: "a duration >= 1ms".
    public static func duration(atLeast minimum: Duration) -> ValueReader<Duration> {
        duration(expected: "a duration >= \(DurationText.format(minimum))", placeholder: minimum) { $0 >= minimum }
    }

    /// A duration within `range`: "a duration between 1ms and 1h".
    public static func duration(in range: ClosedRange<Duration>) -> ValueReader<Duration> {
        duration(
            expected: "a duration between \(DurationText.format(range.lowerBound)) and \(DurationText.format(range.upperBound))",
            placeholder: range.lowerBound
        ) { range.contains($0) }
    }

    private static func duration(
        expected: String, placeholder: Duration = .zero, _ accept: @escaping @Sendable (Duration) -> Bool
    ) -> ValueReader<Duration> {
        ValueReader(expected: expected, placeholder: { placeholder }) { value, context in
            let duration: Duration?
            switch value.kind {
            case .string(let text):
                duration = context.parse(text, of: value, expected: expected, with: DurationText.parse)
            case .number(let number) where number.int64 == 0:
                duration = .zero
            case .number(let number):
                let hint = number.double > 0 ? "a duration needs a unit, as a string" : nil
                context.mismatch(value, expected: expected, detail: hint)
                return nil
            default:
                context.mismatch(value, expected: expected)
                return nil
            }
            return duration.flatMap { context.accepted($0, of: value, expected: expected, accept) }
        }
    }
}

extension ValueReader where Value == Double {
    /// A rate (``RateText``: `"7.2/s"`, `"100/min"`, `"2000/h"`, or a number ≥ 0 meaning
    /// per second), as events per second.
    public static var rate: ValueReader<Double> {
        rate(expected: "a rate such as \"7.2/s\" (or a number per second)") { _ in true }
    }

    /// A rate greater than zero.
    public static var positiveRate: ValueReader<Double> {
        rate(expected: "a rate > 0 such as \"7.2/s\" (or a number per second)") { $0 > 0 }
    }

    private static func rate(expected: String, _ accept: @escaping @Sendable (Double) -> Bool) -> ValueReader<Double> {
        ValueReader(expected: expected, placeholder: { 0 }) { value, context in
            let rate: Double?
            switch value.kind {
            case .number(let number) where number.double >= 0:
                rate = number.double
            case .string(let text):
                rate = context.parse(text, of: value, expected: expected, with: RateText.parse)
            default:
                context.mismatch(value, expected: expected)
                return nil
            }
            return rate.flatMap { context.accepted($0, of: value, expected: expected, accept) }
        }
    }

    /// A ratio (``RatioText``): a number in [0, 1] or a percentage string such as `"20%"`.
    public static var ratio: ValueReader<Double> {
        let expected = "a ratio such as \"20%\" or 0.2"
        return ValueReader(expected: expected, placeholder: { 0 }) { value, context in
            switch value.kind {
            case .number(let number):
                guard number.double >= 0, number.double <= 1 else {
                    let suggestion = number.double > 1 && number.double <= 100 ? number.literal + "%" : nil
                    context.mismatch(value, expected: expected, detail: "a ratio is between 0 and 1", suggestion: suggestion)
                    return nil
                }
                return number.double
            case .string(let text):
                return context.parse(text, of: value, expected: expected, with: RatioText.parse)
            default:
                context.mismatch(value, expected: expected)
                return nil
            }
        }
    }

    /// A duration (as for ``ValueReader/duration``) in seconds: exact nanoseconds / 1e9.
    public static var durationSeconds: ValueReader<Double> {
        ValueReader<Duration>.duration.map { Double(DurationText.nanoseconds(of: $0)) / 1e9 }
    }
}

extension ReadContext {
    /// `text` read by one of the unit parsers (``DurationText``, ``RateText``,
    /// ``RatioText``), or `nil` after reporting the parser's problem — its detail and
    /// suggestion — as a mismatch of `value`: each quantity's words, one way of saying them.
    fileprivate func parse<Quantity>(
        _ text: String, of value: JSONValue, expected: String,
        with parser: (String) throws(ValueProblem) -> Quantity
    ) -> Quantity? {
        do throws(ValueProblem) {
            return try parser(text)
        } catch {
            mismatch(value, expected: expected, detail: error.detail, suggestion: error.suggestion)
            return nil
        }
    }

    /// `quantity` if a bounded reader `accept`s it, or `nil` after reporting `value` as
    /// not what was `expected` (the bound is part of that text: "a duration >= 1ms").
    fileprivate func accepted<Quantity>(
        _ quantity: Quantity, of value: JSONValue, expected: String, _ accept: (Quantity) -> Bool
    ) -> Quantity? {
        guard accept(quantity) else {
            mismatch(value, expected: expected)
            return nil
        }
        return quantity
    }
}
