public import SimKernel

/// What a distribution is a distribution of: durations (read as seconds) or plain
/// non-negative numbers.
struct DistributionQuantity: Sendable {
    /// E.g. `a duration such as "250ms"`.
    let expected: String
    /// "duration" or "number", for messages such as "a duration > 0".
    let noun: String
    let reader: ValueReader<Double>
    /// Renders a value for messages (`20ms`, `3.5`).
    let show: @Sendable (Double) -> String
    /// Whether a bare value (string for durations, number for numbers) is shorthand for a constant.
    let isBare: @Sendable (JSONValue) -> Bool

    static let duration = DistributionQuantity(
        expected: ValueReader<Duration>.duration.expected, noun: "duration", reader: .durationSeconds,
        show: { seconds in
            // Saturate: the largest durations round up to 2^63 ns, beyond Int64.
            let nanoseconds = (seconds * 1e9).rounded()
            return DurationText.format(nanoseconds: nanoseconds < 9.2e18 ? Int64(max(0, nanoseconds)) : .max)
        },
        isBare: { $0.stringValue != nil })

    static let number = DistributionQuantity(
        expected: "a number >= 0", noun: "number", reader: .double(in: 0...),
        show: { ValueReader<Double>.show($0) },
        isBare: { $0.numberValue != nil })
}

extension ValueReader where Value == Distribution {
    /// A distribution of durations, sampled in seconds (as ``Distribution`` expects):
    ///
    /// | JSON | Distribution |
    /// |---|---|
    /// | `"20ms"` or `{"constant": "20ms"}` | `.constant(0.02)` |
    /// | `{"uniform": ["10ms", "30ms"]}` (upper ≥ lower) | `.uniform(lower: 0.01, upper: 0.03)` |
    /// | `{"exp": "1s"}` (mean > 0; `exponential` also accepted) | `.exponential(mean: 1)` |
    /// | `{"normal": {"mean": "100ms", "stddev": "20ms"}}` | `.normal(mean: 0.1, stddev: 0.02)` (truncated at 0) |
    /// | `{"lognormal": {"median": "20ms", "p99": "120ms"}}` (p99 ≥ median > 0) | `Distribution.lognormal(median:p99:)` |
    /// | `{"lognormal": {"mu": -3.9, "sigma": 0.77}}` (mu = log of seconds in [-50, 50], sigma in [0, 20]) | `.lognormal(mu: -3.9, sigma: 0.77)` |
    /// | `{"pareto": {"scale": "10ms", "shape": 1.5}}` (scale, shape > 0) | `.pareto(scale: 0.01, shape: 1.5)` |
    /// | `{"pareto": {"scale": "10ms", "shape": 1.5, "cap": "2s"}}` (cap > scale) | `.boundedPareto(lower: 0.01, upper: 2, shape: 1.5)` |
    /// | `{"empirical": ["10ms", "20ms", "40ms"]}` (non-empty) | `.empirical(values: [...], weights: [])` |
    /// | `{"empirical": {"values": [...], "weights": [1, 2, 1]}}` | `.empirical(values:weights:)` |
    ///
    /// Weights must be as many as the values, each ≥ 0, with a positive sum. Every
    /// parameter error names the parameter's own path, e.g.
    /// `$.service_time.lognormal.p99: expected a duration >= 20ms (the median), found string "10ms"`.
    public static var durationDistribution: ValueReader<Distribution> { distribution(of: .duration) }

    /// A distribution of plain non-negative numbers (e.g. items per order): the same
    /// forms as ``durationDistribution`` with numbers in place of durations, and a bare
    /// number as shorthand for a constant.
    public static var numberDistribution: ValueReader<Distribution> { distribution(of: .number) }

    static let kinds = ["constant", "uniform", "exp", "exponential", "normal", "lognormal", "pareto", "empirical"]

    static func distribution(of quantity: DistributionQuantity) -> ValueReader<Distribution> {
        let example = quantity.noun == "duration" ? "{\"exp\": \"1s\"}" : "{\"exp\": 2.5}"
        let expected = "a distribution such as \(example)"
        let placeholder: @Sendable () -> Distribution = { .constant(0) }
        return ValueReader(expected: expected, placeholder: placeholder) { value, context in
            if quantity.isBare(value) {
                return context.read(value, with: quantity.reader).map { .constant($0) }
            }
            guard let object = value.objectValue else {
                context.mismatch(value, expected: expected)
                return nil
            }
            let present = kinds.filter { object.member($0) != nil }
            guard present.count == 1 else {
                if present.count > 1 {
                    let names = present.map(CanonicalJSON.quote).joined(separator: " and ")
                    context.mismatch(value, expected: expected, detail: "a distribution has exactly one kind, found \(names)")
                } else if object.isEmpty {
                    context.mismatch(value, expected: expected)
                } else {
                    // Unknown keys only: report each with the nearest kind.
                    let reader = ValueReader<Void>.object { o in for kind in kinds { o.allow(kind) } }
                    _ = context.read(value, with: reader)
                }
                return nil
            }
            let kind = present[0]
            let reader = ValueReader<Distribution?>.object { o in
                let child = ReadContext(path: o.path + kind, log: o.log)
                guard let parameter = o.raw(kind) else { return nil }
                return readParameter(kind: kind, parameter, child, quantity)
            }
            return context.read(value, with: reader) ?? nil
        }
    }

    /// Reads the parameter of one kind of distribution; `nil` after reporting.
    private static func readParameter(
        kind: String, _ value: JSONValue, _ context: ReadContext, _ quantity: DistributionQuantity
    ) -> Distribution? {
        let noun = quantity.noun
        switch kind {
        case "constant":
            return context.read(value, with: quantity.reader).map { .constant($0) }

        case "uniform":
            let pair = ValueReader<[Double]>.array(of: quantity.reader, count: 2...2)
            let before = context.log.count
            let bounds = context.read(value, with: pair)
            guard let bounds, context.log.count == before else { return nil }
            guard bounds[1] >= bounds[0] else {
                context.child(.index(1)).mismatch(
                    value[1] ?? value, expected: "a \(noun) >= \(quantity.show(bounds[0])) (the lower bound)")
                return nil
            }
            return .uniform(lower: bounds[0], upper: bounds[1])

        case "exp", "exponential":
            guard let mean = context.read(value, with: quantity.reader) else { return nil }
            guard mean > 0 else {
                context.mismatch(value, expected: "a \(noun) > 0 (the mean)")
                return nil
            }
            return .exponential(mean: mean)

        case "normal":
            return context.read(value, with: ValueReader<Distribution?>.object { o in
                let mean = o.required("mean", quantity.reader)
                let stddev = o.required("stddev", quantity.reader)
                return o.hasProblems ? nil : .normal(mean: mean, stddev: stddev)
            }) ?? nil

        case "lognormal":
            return context.read(value, with: ValueReader<Distribution?>.object { o in
                let quantile = o.contains("median") || o.contains("p99")
                let logSpace = o.contains("mu") || o.contains("sigma")
                if quantile && logSpace {
                    o.report("a lognormal takes either median and p99, or mu and sigma, not both")
                    return nil
                }
                if logSpace {
                    let mu = o.required("mu", .double(in: -50...50))
                    let sigma = o.required("sigma", .double(in: 0...20))
                    return o.hasProblems ? nil : .lognormal(mu: mu, sigma: sigma)
                }
                let median = o.required("median", quantity.reader)
                let p99 = o.required("p99", quantity.reader)
                guard !o.hasProblems else { return nil }
                guard median > 0 else {
                    o.reject("median", expected: "a \(noun) > 0")
                    return nil
                }
                guard p99 >= median else {
                    o.reject("p99", expected: "a \(noun) >= \(quantity.show(median)) (the median)")
                    return nil
                }
                return .lognormal(median: median, p99: p99)
            }) ?? nil

        case "pareto":
            return context.read(value, with: ValueReader<Distribution?>.object { o in
                let scale = o.required("scale", quantity.reader)
                let shape = o.required("shape", .double(above: 0))
                let cap = o.optional("cap", quantity.reader)
                guard !o.hasProblems else { return nil }
                guard scale > 0 else {
                    o.reject("scale", expected: "a \(noun) > 0")
                    return nil
                }
                guard let cap else { return .pareto(scale: scale, shape: shape) }
                guard cap > scale else {
                    o.reject("cap", expected: "a \(noun) > \(quantity.show(scale)) (the scale)")
                    return nil
                }
                return .boundedPareto(lower: scale, upper: cap, shape: shape)
            }) ?? nil

        default: // empirical
            if value.arrayValue != nil {
                return context.read(value, with: .nonEmptyArray(of: quantity.reader))
                    .map { .empirical(values: $0, weights: []) }
            }
            guard value.objectValue != nil else {
                context.mismatch(value, expected: "a non-empty array of values, or an object with values and weights")
                return nil
            }
            return context.read(value, with: ValueReader<Distribution?>.object { o in
                let values = o.required("values", .nonEmptyArray(of: quantity.reader))
                let weights = o.optional("weights", .array(of: .double(in: 0...)))
                guard !o.hasProblems else { return nil }
                guard let weights else { return .empirical(values: values, weights: []) }
                guard weights.count == values.count else {
                    o.reject("weights", expected: "an array of \(values.count) weights (one per value)")
                    return nil
                }
                guard weights.reduce(0, +) > 0 else {
                    o.reject("weights", expected: "weights with a positive sum")
                    return nil
                }
                return .empirical(values: values, weights: weights)
            }) ?? nil
        }
    }
}
