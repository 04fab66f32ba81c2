import SimKernel
import Testing
@testable import World

private let durationReader = ValueReader<Distribution>.object { o in o.required("d", .durationDistribution) }
private let numberReader = ValueReader<Distribution>.object { o in o.required("d", .numberDistribution) }

@Suite("Distributions")
struct DistributionReaderTests {
    @Test("every duration form maps to the SimKernel distribution in seconds", arguments: [
        (#""20ms""#, Distribution.constant(0.02)),
        (#"{"constant": "20ms"}"#, .constant(0.02)),
        (#"{"constant": 0}"#, .constant(0)),
        (#"{"uniform": ["10ms", "30ms"]}"#, .uniform(lower: 0.01, upper: 0.03)),
        (#"{"uniform": ["10ms", "10ms"]}"#, .uniform(lower: 0.01, upper: 0.01)),
        (#"{"exp": "1s"}"#, .exponential(mean: 1)),
        (#"{"exponential": "250ms"}"#, .exponential(mean: 0.25)),
        (#"{"normal": {"mean": "100ms", "stddev": "20ms"}}"#, .normal(mean: 0.1, stddev: 0.02)),
        (#"{"lognormal": {"median": "20ms", "p99": "120ms"}}"#, Distribution.lognormal(median: 0.02, p99: 0.12)),
        (#"{"lognormal": {"mu": -3.9, "sigma": 0.77}}"#, .lognormal(mu: -3.9, sigma: 0.77)),
        (#"{"pareto": {"scale": "10ms", "shape": 1.5}}"#, .pareto(scale: 0.01, shape: 1.5)),
        (#"{"pareto": {"scale": "10ms", "shape": 1.5, "cap": "2s"}}"#, .boundedPareto(lower: 0.01, upper: 2, shape: 1.5)),
        (#"{"empirical": ["10ms", "20ms", "40ms"]}"#, .empirical(values: [0.01, 0.02, 0.04], weights: [])),
        (#"{"empirical": {"values": ["1s", "2s"], "weights": [3, 1]}}"#, .empirical(values: [1, 2], weights: [3, 1])),
        (#"{"empirical": {"values": ["1s", "2s"]}}"#, .empirical(values: [1, 2], weights: [])),
        (#"{"empirical": {"values": ["1s", "2s"], "weights": [0, 1]}}"#, .empirical(values: [1, 2], weights: [0, 1])),
    ] as [(String, Distribution)])
    func durationForms(_ json: String, _ expected: Distribution) throws {
        #expect(try read(#"{"d": \#(json)}"#, durationReader) == expected)
    }

    @Test("number distributions take numbers, and a bare number is a constant", arguments: [
        ("3", Distribution.constant(3)),
        (#"{"uniform": [1, 5]}"#, .uniform(lower: 1, upper: 5)),
        (#"{"exp": 2.5}"#, .exponential(mean: 2.5)),
        (#"{"lognormal": {"median": 2, "p99": 10}}"#, Distribution.lognormal(median: 2, p99: 10)),
        (#"{"empirical": {"values": [1, 2, 3], "weights": [0.5, 0.3, 0.2]}}"#, .empirical(values: [1, 2, 3], weights: [0.5, 0.3, 0.2])),
    ] as [(String, Distribution)])
    func numberForms(_ json: String, _ expected: Distribution) throws {
        #expect(try read(#"{"d": \#(json)}"#, numberReader) == expected)
    }

    @Test("invalid duration distributions name the offending parameter", arguments: [
        (#"1"#, #"$.d: expected a distribution such as {"exp": "1s"}, found number 1"#),
        (#""8.2q""#, #"$.d: expected a duration such as "250ms", found string "8.2q": unknown unit "q" (units: h, m, s, ms, us (or µs), ns)"#),
        (#"{}"#, #"$.d: expected a distribution such as {"exp": "1s"}, found empty object"#),
        (#"{"expo": "1s"}"#, #"$.d.expo: unknown field "expo" (did you mean "exp"?)"#),
        (#"{"gamma": "1s"}"#, #"$.d.gamma: unknown field "gamma" (known fields: constant, uniform, exp, exponential, normal, lognormal, pareto, empirical)"#),
        (#"{"exp": "1s", "normal": {}}"#, #"$.d: expected a distribution such as {"exp": "1s"}, found object: a distribution has exactly one kind, found "exp" and "normal""#),
        (#"{"exp": "1s", "mean": "2s"}"#, #"$.d.mean: unknown field "mean" (known fields: exp)"#),
        (#"{"constant": -1}"#, #"$.d.constant: expected a duration such as "250ms", found number -1"#),
        (#"{"uniform": ["30ms", "10ms"]}"#, #"$.d.uniform[1]: expected a duration >= 30ms (the lower bound), found string "10ms""#),
        (#"{"uniform": ["30ms"]}"#, #"$.d.uniform: expected an array of exactly 2 elements, found array of 1"#),
        (#"{"uniform": ["1s", 5]}"#, #"$.d.uniform[1]: expected a duration such as "250ms", found number 5: a duration needs a unit, as a string"#),
        (#"{"exp": "0"}"#, #"$.d.exp: expected a duration > 0 (the mean), found string "0""#),
        (#"{"normal": {"mean": "100ms"}}"#, #"$.d.normal.stddev: missing required field "stddev" (expected a duration such as "250ms")"#),
        (#"{"normal": {"mean": "100ms", "stdev": "1ms"}}"#, #"$.d.normal.stdev: unknown field "stdev" (did you mean "stddev"?)"#),
        (#"{"lognormal": {"median": "20ms", "p99": "10ms"}}"#, #"$.d.lognormal.p99: expected a duration >= 20ms (the median), found string "10ms""#),
        (#"{"lognormal": {"median": "0", "p99": "10ms"}}"#, #"$.d.lognormal.median: expected a duration > 0, found string "0""#),
        (#"{"lognormal": {"median": "20ms"}}"#, #"$.d.lognormal.p99: missing required field "p99" (expected a duration such as "250ms")"#),
        (#"{"lognormal": {"median": "20ms", "sigma": 1}}"#, "$.d.lognormal: a lognormal takes either median and p99, or mu and sigma, not both"),
        (#"{"lognormal": {"mu": -3.9, "sigma": -1}}"#, "$.d.lognormal.sigma: expected a number between 0 and 20, found number -1"),
        (#"{"lognormal": {"mu": 900, "sigma": 1}}"#, "$.d.lognormal.mu: expected a number between -50 and 50, found number 900"),
        (#"{"pareto": {"scale": "10ms", "shape": 0}}"#, "$.d.pareto.shape: expected a number > 0, found number 0"),
        (#"{"pareto": {"scale": "0", "shape": 1}}"#, #"$.d.pareto.scale: expected a duration > 0, found string "0""#),
        (#"{"pareto": {"scale": "10ms", "shape": 1.5, "cap": "5ms"}}"#, #"$.d.pareto.cap: expected a duration > 10ms (the scale), found string "5ms""#),
        (#"{"empirical": []}"#, #"$.d.empirical: expected a non-empty array, found empty array"#),
        (#"{"empirical": "1s"}"#, #"$.d.empirical: expected a non-empty array of values, or an object with values and weights, found string "1s""#),
        (#"{"empirical": {"values": ["1s", "2s"], "weights": [1]}}"#, #"$.d.empirical.weights: expected an array of 2 weights (one per value), found array of 1"#),
        (#"{"empirical": {"values": ["1s", "2s"], "weights": [0, 0]}}"#, #"$.d.empirical.weights: expected weights with a positive sum, found array of 2"#),
        (#"{"empirical": {"values": ["1s"], "weights": [-1]}}"#, #"$.d.empirical.weights[0]: expected a number >= 0, found number -1"#),
        (#"{"empirical": {"weights": [1]}}"#, #"$.d.empirical.values: missing required field "values" (expected a non-empty array)"#),
    ])
    func invalid(_ json: String, _ message: String) throws {
        let error = try #require(readFailure(#"{"d": \#(json)}"#, durationReader))
        #expect(error.diagnostics.count == 1)
        let rendered = error.description
        // Strip "w.json:line:col: " to compare the path and message; locations are tested separately.
        let withoutLocation = rendered.split(separator: " ", maxSplits: 1).last.map(String.init) ?? rendered
        #expect(withoutLocation == message)
    }

    @Test("parameter errors are located at the parameter")
    func located() throws {
        let text = """
            {"d": {"lognormal": {
              "median": "20ms",
              "p99": "10ms"
            }}}
            """
        let error = try #require(readFailure(text, durationReader))
        #expect(error.diagnostics[0].location.line == 3 && error.diagnostics[0].location.column == 10)
    }

    @Test("number distributions reject durations and negative numbers")
    func numberInvalid() throws {
        #expect(readFailure(#"{"d": "20ms"}"#, numberReader)?.description
            == #"w.json:1:7: $.d: expected a distribution such as {"exp": 2.5}, found string "20ms""#)
        #expect(readFailure(#"{"d": {"uniform": [5, 1]}}"#, numberReader)?.description
            == "w.json:1:23: $.d.uniform[1]: expected a number >= 5 (the lower bound), found number 1")
        #expect(readFailure(#"{"d": -2}"#, numberReader)?.description == "w.json:1:7: $.d: expected a number >= 0, found number -2")
    }

    @Test("the longest durations are shown without overflowing")
    func extremes() throws {
        let error = try #require(readFailure(#"{"d": {"uniform": ["2562047h47m16.854775807s", "1s"]}}"#, durationReader))
        #expect(error.description
            == #"w.json:1:48: $.d.uniform[1]: expected a duration >= 2562047h47m16.854775807s (the lower bound), found string "1s""#)
        #expect(try read(#"{"d": {"exp": "2562047h47m16.854775807s"}}"#, durationReader) == .exponential(mean: 9_223_372_036.854_775_807))
    }

    @Test("every distribution read from a sample can be sampled without trapping")
    func sampleable() throws {
        var random = RandomStream(seed: 1, name: "distributions")
        for (_, text) in SampleDocuments.all {
            let world = try read(text, SampleWorld.reader)
            for (_, service) in world.services {
                for _ in 0..<100 {
                    let value = service.serviceTime.sample(&random)
                    #expect(value >= 0 && value.isFinite)
                }
            }
        }
    }
}
