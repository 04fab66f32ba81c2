import SimKernel
import Testing
@testable import World

@Suite("Canonical JSON writer")
struct CanonicalJSONTests {
    @Test("sorts keys, indents by two spaces, ends lines with \\n")
    func layout() {
        let value: JSONValue = ["zeta": 1, "alpha": ["b": true, "a": nil], "list": [1, "two", [], [:]], "empty": [:]]
        let expected = """
            {
              "alpha": {
                "a": null,
                "b": true
              },
              "empty": {},
              "list": [
                1,
                "two",
                [],
                {}
              ],
              "zeta": 1
            }

            """
        #expect(CanonicalJSON.string(value) == expected)
        #expect(CanonicalJSON.string(value, style: .compact) == #"{"alpha":{"a":null,"b":true},"empty":{},"list":[1,"two",[],{}],"zeta":1}"#)
    }

    @Test("keys sort by UTF-8 bytes, independent of insertion order")
    func keyOrder() {
        let a = JSONValue.object([("b", 1), ("B", 2), ("é", 3), ("a", 4), ("", 5)])
        let b = JSONValue.object([("a", 4), ("é", 3), ("", 5), ("B", 2), ("b", 1)])
        #expect(CanonicalJSON.bytes(a) == CanonicalJSON.bytes(b))
        #expect(CanonicalJSON.string(a, style: .compact) == #"{"":5,"B":2,"a":4,"b":1,"é":3}"#)
    }

    @Test("numbers: integers as integers, doubles shortest round-trip, non-finite as null")
    func numbers() {
        let cases: [(JSONValue, String)] = [
            (.int(42), "42"), (.int(-7), "-7"), (.double(8.0), "8"), (.double(-0.0), "0"), (.double(0.1), "0.1"),
            (.double(1.0 / 3.0), "0.3333333333333333"), (.double(1e-5), "1e-05"), (.double(1.5e300), "1.5e+300"),
            (.double(9.3e18), "9.3e+18"), (.double(123456.75), "123456.75"),
            (.double(.nan), "null"), (.double(.infinity), "null"), (.double(-.infinity), "null"),
            (JSONValue(.number(JSONNumber(Int64.min))), "-9223372036854775808"),
        ]
        for (value, text) in cases {
            #expect(CanonicalJSON.string(value, style: .compact) == text)
        }
    }

    @Test("strings escape quotes, backslashes and control characters only")
    func escaping() {
        let value = JSONValue.string("q\" b\\ /\u{8}\u{C}\n\r\t\u{1}\u{1F}\u{7F} é 😀")
        #expect(CanonicalJSON.string(value, style: .compact) == #""q\" b\\ /\b\f\n\r\t\u0001\u001f"# + "\u{7F} é 😀\"")
    }

    @Test("parse → write → parse is the identity and writing is idempotent, for every sample world")
    func sampleRoundTrips() throws {
        for (file, text) in SampleDocuments.all {
            let parsed = try JSONParser.parse(text, file: file)
            let written = CanonicalJSON.bytes(parsed)
            let reparsed = try JSONParser.parse(written, file: "out.json")
            #expect(reparsed == parsed)
            #expect(CanonicalJSON.bytes(reparsed) == written)
            #expect(CanonicalJSON.bytes(try JSONParser.parse(CanonicalJSON.bytes(parsed, style: .compact), file: "c")) == written)
        }
    }

    @Test("random doubles, integers and strings round-trip exactly (2,000 seeded values)")
    func randomRoundTrips() throws {
        var random = RandomStream(seed: 2024, name: "canonical-json")
        for _ in 0..<2_000 {
            let bits = random.next()
            var double = Double(bitPattern: bits)
            if !double.isFinite { double = Double(bits >> 11) * 0x1p-40 }
            let integer = Int64(bitPattern: random.next())
            let scalars = (0..<random.nextInt(below: 12)).compactMap { _ in
                Unicode.Scalar(UInt32(random.nextInt(below: 0x11_0000)))
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let value: JSONValue = ["d": .double(double), "i": JSONValue(.number(JSONNumber(integer))), "s": .string(text), "k": .object([(text, .int(1))])]
            let written = CanonicalJSON.bytes(value)
            let reparsed = try JSONParser.parse(written, file: "out.json")
            #expect(reparsed == value)
            #expect(reparsed["d"]?.numberValue?.double == double)
            #expect(reparsed["i"]?.numberValue?.int64 == integer)
            #expect(reparsed["s"]?.stringValue?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
            #expect(CanonicalJSON.bytes(reparsed) == written)
        }
    }

    @Test("numbers read as written: the literal spelling does not reach the output")
    func spellingDropped() throws {
        let value = try JSONParser.parse("[1.0, 1e2, -0, 0.50, 2.5E-3, 0.99999999999999999999]", file: "w.json")
        #expect(CanonicalJSON.string(value, style: .compact) == "[1,100,0,0.5,0.0025,1]")
    }
}
