import Testing
@testable import World

@Suite("JSON parser")
struct JSONParserTests {
    @Test("parses every kind of value and keeps member order")
    func kinds() throws {
        let value = try JSONParser.parse(#" {"z": null, "a": true, "m": false, "n": -12.5e1, "s": "x", "arr": [1, [], {}]} "#, file: "w.json")
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m", "n", "s", "arr"])
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?.boolValue == true)
        #expect(value["m"]?.boolValue == false)
        #expect(value["n"]?.numberValue?.int64 == -125)
        #expect(value["n"]?.numberValue?.literal == "-12.5e1")
        #expect(value["s"]?.stringValue == "x")
        #expect(value["arr"]?.arrayValue?.count == 3)
        #expect(value["arr"]?[1]?.arrayValue?.isEmpty == true)
        #expect(value["arr"]?[2]?.objectValue?.isEmpty == true)
    }

    @Test("scalars are valid top-level documents")
    func topLevelScalars() throws {
        #expect(try JSONParser.parse("42", file: "w.json").numberValue?.int64 == 42)
        #expect(try JSONParser.parse(#""hi""#, file: "w.json").stringValue == "hi")
        #expect(try JSONParser.parse("null", file: "w.json").isNull)
        #expect(try JSONParser.parse(" true\n", file: "w.json").boolValue == true)
    }

    @Test("integers convert exactly, others to the nearest double", arguments: [
        ("0", Int64(0), 0.0), ("-0", 0, 0), ("8", 8, 8), ("8.0", 8, 8), ("8e0", 8, 8), ("1.5e1", 15, 15),
        ("1E3", 1000, 1000), ("2.50e+2", 250, 250), ("120e-1", 12, 12),
        ("9007199254740993", 9_007_199_254_740_993, 9_007_199_254_740_992),
        ("9223372036854775807", .max, 9_223_372_036_854_775_807.0),
        ("-9223372036854775808", .min, -9_223_372_036_854_775_808.0),
        ("0.00000000000000000000000000000000000000000000000000000000000000000001e68", 1, 1),
    ])
    func integers(_ literal: String, _ integer: Int64, _ double: Double) throws {
        let number = try #require(try JSONParser.parse(literal, file: "w.json").numberValue)
        #expect(number.int64 == integer)
        #expect(number.double == double)
        #expect(number.literal == literal)
    }

    @Test("non-integral or out-of-range numbers have no integer value", arguments: [
        ("3.5", 3.5), ("-0.25", -0.25), ("1e-7", 1e-7), ("9223372036854775808", 9_223_372_036_854_775_808.0),
        ("-9223372036854775809", -9_223_372_036_854_775_809.0), ("1e19", 1e19), ("1e300", 1e300), ("1e-400", 0),
    ])
    func doubles(_ literal: String, _ double: Double) throws {
        let number = try #require(try JSONParser.parse(literal, file: "w.json").numberValue)
        if double == 0 {
            #expect(number.int64 == 0, "an underflow to zero is the integer 0")
        } else {
            #expect(number.int64 == nil)
        }
        #expect(number.double == double)
    }

    @Test("numbers compare by value, not spelling")
    func numberEquality() throws {
        let a = try JSONParser.parse("[1, 1.0, 1e0, 0.5, 5e-1]", file: "w.json").arrayValue!
        #expect(a[0] == a[1] && a[1] == a[2])
        #expect(a[3] == a[4])
        #expect(a[0] != a[3])
        #expect(Set([a[0].numberValue!, a[1].numberValue!, a[2].numberValue!]).count == 1)
    }

    @Test("strings decode every escape and surrogate pairs")
    func escapes() throws {
        let value = try JSONParser.parse(#"["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20AC", "\ud83d\ude00", "\u0000", "plain é 😀"]"#, file: "w.json")
        let strings = try #require(value.arrayValue).map { $0.stringValue }
        #expect(strings[0] == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(strings[1] == "Aé€")
        #expect(strings[2] == "😀")
        #expect(strings[3] == "\u{0}")
        #expect(strings[4] == "plain é 😀")
    }

    @Test("every node carries its line, column and offset")
    func locations() throws {
        let text = "{\n  \"seed\": 42,\n  \"faults\": [\n    {\"at\": \"12m\"},\n    true\n  ]\n}"
        let root = try JSONParser.parse(text, file: "worlds/x.json")
        #expect(root.location == World.SourceLocation(origin: .file("worlds/x.json"), line: 1, column: 1, offset: 0))
        let seed = try #require(root["seed"])
        #expect((seed.location.line, seed.location.column) == (2, 11))
        let faults = try #require(root["faults"])
        #expect((faults.location.line, faults.location.column) == (3, 13))
        let at = try #require(faults[0]?["at"])
        #expect((at.location.line, at.location.column) == (4, 12))
        #expect(at.location.description == "worlds/x.json:4:12")
        let flag = try #require(faults[1])
        #expect((flag.location.line, flag.location.column) == (5, 5))
        let member = try #require(root.objectValue?.member("faults"))
        #expect((member.keyLocation.line, member.keyLocation.column) == (3, 3))
    }

    @Test("locations agree with a naive count for every node of the sample worlds")
    func locationsMatchNaiveCount() throws {
        for (file, text) in SampleDocuments.all {
            let bytes = Array(text.utf8)
            let root = try JSONParser.parse(bytes, file: file)
            var pending = [root]
            var checked = 0
            while let node = pending.popLast() {
                let (line, column) = naiveLineColumn(bytes, node.location.offset)
                #expect(node.location.line == line && node.location.column == column)
                let first = bytes[node.location.offset]
                switch node.kind {
                case .object(let object):
                    #expect(first == UInt8(ascii: "{"))
                    for member in object.members {
                        #expect(bytes[member.keyLocation.offset] == UInt8(ascii: "\""))
                        let (keyLine, keyColumn) = naiveLineColumn(bytes, member.keyLocation.offset)
                        #expect(member.keyLocation.line == keyLine && member.keyLocation.column == keyColumn)
                        pending.append(member.value)
                    }
                case .array(let elements):
                    #expect(first == UInt8(ascii: "["))
                    pending.append(contentsOf: elements)
                case .string: #expect(first == UInt8(ascii: "\""))
                case .number(let number): #expect(Array(number.literal.utf8) == Array(bytes[node.location.offset...].prefix(number.literal.utf8.count)))
                case .bool(let flag): #expect(first == UInt8(ascii: flag ? "t" : "f"))
                case .null: #expect(first == UInt8(ascii: "n"))
                }
                checked += 1
            }
            #expect(checked > 10)
        }
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() throws {
        let value = try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8), file: "w.json")
        #expect(value["a"]?.numberValue?.int64 == 1)
        #expect(value.location.column == 1 && value.location.offset == 3)
    }

    @Test("nesting up to the depth limit is accepted")
    func depthLimit() throws {
        let text = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(text, file: "w.json") }
    }

    @Test("adversarial inputs fail fast and cleanly")
    func adversarial() throws {
        let clock = ContinuousClock()
        let start = clock.now
        // A million open brackets: stops at the depth limit.
        #expect(parseFailure(Array(repeating: UInt8(ascii: "["), count: 1_000_000)) != nil)
        // An unterminated 2 MB string.
        #expect(parseFailure([0x22] + Array(repeating: UInt8(ascii: "a"), count: 2_000_000)) != nil)
        // A 1 MB run of digits (valid, a huge integer that is not an Int64).
        let digits = try JSONParser.parse([0x31] + Array(repeating: UInt8(ascii: "0"), count: 300), file: "w.json")
        #expect(digits.numberValue?.int64 == nil)
        #expect(parseFailure([0x31] + Array(repeating: UInt8(ascii: "0"), count: 1_000_000)) != nil, "beyond Double range")
        #expect(parseFailure(Array("[1e99999999999999999999999]".utf8)) != nil)
        #expect(try JSONParser.parse("0e99999999999999999999", file: "w.json").numberValue?.int64 == 0)
        #expect(clock.now - start < .seconds(600), "only a blow-up fails this; a loaded machine is slow, not quadratic")
    }

    @Test("a few megabytes parse quickly, even on a single line")
    func throughput() throws {
        var text = "["
        for index in 0..<20_000 {
            if index > 0 { text += "," }
            text += #"{"name": "service-\#(index)", "workers": \#(index), "ratio": 0.\#(index), "tags": ["a", "é", true, null]}"#
        }
        text += "]"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 1_500_000)
        let clock = ContinuousClock()
        let start = clock.now
        let value = try JSONParser.parse(bytes, file: "big.json")
        let elapsed = clock.now - start
        #expect(value.arrayValue?.count == 20_000)
        let last = try #require(value[19_999]?["tags"]?[1])
        #expect(last.location.line == 1)
        #expect(last.location.column == naiveLineColumn(bytes, last.location.offset).column)
        // Generous: debug builds on a shared machine; quadratic behaviour would take minutes.
        #expect(elapsed < .seconds(600))
    }

    @Test("a number glued to letters is reported as unquoted text, not as two tokens")
    func gluedNumber() throws {
        let error = try #require(parseFailure(Array(#"{"timeout": 250ms}"#.utf8)))
        #expect(error.diagnostics[0].message == #"expected a value, found '250ms' (strings need double quotes: "250ms")"#)
    }
}
