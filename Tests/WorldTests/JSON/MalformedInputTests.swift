import Testing
@testable import World

/// One malformed document and the exact diagnostic it must produce.
struct Malformed: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: String
    var limits = JSONParser.Limits.default

    init(_ name: String, _ text: String, _ expected: String) {
        self.name = name
        self.bytes = Array(text.utf8)
        self.expected = expected
    }

    init(_ name: String, bytes: [UInt8], _ expected: String) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
    }

    var testDescription: String { name }
}

let malformedCases: [Malformed] = [
    Malformed("empty input", "", "w.json:1:1: $: expected a JSON value, found end of input"),
    Malformed("whitespace only", " \n ", "w.json:2:2: $: expected a JSON value, found end of input"),
    Malformed("trailing comma in object", #"{"a": 1,}"#, "w.json:1:8: $: trailing comma before '}'"),
    Malformed("trailing comma in array", "[1,2,]", "w.json:1:5: $: trailing comma before ']'"),
    Malformed("missing colon", #"{"a" 1}"#, #"w.json:1:6: $.a: expected ':' after the key "a", found '1'"#),
    Malformed(
        "missing comma between members", #"{"a": 1 "b": 2}"#,
        #"w.json:1:9: $: expected ',' or '}' after an object member, found '"' (is a ',' missing?)"#),
    Malformed(
        "missing comma between elements", "[1 2]",
        "w.json:1:4: $: expected ',' or ']' after an array element, found '2' (is a ',' missing?)"),
    Malformed("misspelt literal", #"{"a": tru}"#, "w.json:1:7: $.a: expected a value, found 'tru' (did you mean true?)"),
    Malformed("capitalised literal", #"{"a": True}"#, "w.json:1:7: $.a: expected a value, found 'True' (did you mean true?)"),
    Malformed("Python None", #"{"a": None}"#, "w.json:1:7: $.a: expected a value, found 'None' (did you mean null?)"),
    Malformed(
        "unquoted duration", #"{"a": 12ms}"#,
        #"w.json:1:7: $.a: expected a value, found '12ms' (strings need double quotes: "12ms")"#),
    Malformed("leading zeros", #"{"a": 007}"#, "w.json:1:7: $.a: leading zeros are not allowed in numbers, found '007'"),
    Malformed("leading plus", #"{"a": +1}"#, "w.json:1:7: $.a: '+' is not allowed before a number"),
    Malformed("leading point", #"{"a": .5}"#, "w.json:1:7: $.a: a number must start with a digit (write 0.5, not .5)"),
    Malformed(
        "no digit after point", #"{"a": 1.}"#,
        "w.json:1:7: $.a: expected a digit after the decimal point in '1.', found '}'"),
    Malformed(
        "no exponent digits", #"{"a": 1e+}"#,
        "w.json:1:7: $.a: expected a digit in the exponent of '1e+', found '}'"),
    Malformed("lone minus", #"{"a": -}"#, "w.json:1:7: $.a: expected a digit after '-', found '}'"),
    Malformed("NaN", #"{"a": NaN}"#, "w.json:1:7: $.a: NaN is not a JSON number (only finite numbers can be written)"),
    Malformed("Infinity", "[Infinity]", "w.json:1:2: $[0]: Infinity is not a JSON number (only finite numbers can be written)"),
    Malformed(
        "negative Infinity", "[1, -Infinity]",
        "w.json:1:5: $[1]: -Infinity is not a JSON number (only finite numbers can be written)"),
    Malformed(
        "number out of range", #"{"a": 1e400}"#,
        "w.json:1:7: $.a: number 1e400 is out of range (JSON numbers here must be within ±1.8e308)"),
    Malformed(
        "unterminated string", #"{"a": "abc}"#,
        #"w.json:1:7: $.a: unterminated string (no closing '"' before end of input)"#),
    Malformed(
        "line break in string", "{\n  \"a\": \"ab\ncd\"\n}",
        #"w.json:2:11: $.a: unescaped line break in string (is the closing '"' missing? write \n for a line break)"#),
    Malformed(
        "invalid escape", #"{"a": "\x"}"#,
        #"w.json:1:8: $.a: invalid escape '\x' in string (valid escapes: \" \\ \/ \b \f \n \r \t \uXXXX)"#),
    Malformed(
        "lone high surrogate", #"["\ud83d"]"#,
        #"w.json:1:3: $[0]: lone high surrogate \uD83D in string (it must be followed by a low surrogate \uDC00-\uDFFF)"#),
    Malformed(
        "high surrogate before a non-surrogate", #"["x\uD83D\u0041"]"#,
        #"w.json:1:4: $[0]: lone high surrogate \uD83D in string (it must be followed by a low surrogate \uDC00-\uDFFF)"#),
    Malformed(
        "lone low surrogate", #"["\ude00"]"#,
        #"w.json:1:3: $[0]: lone low surrogate \uDE00 in string (it must follow a high surrogate \uD800-\uDBFF)"#),
    Malformed("bad hex digit", #"["\u12g4"]"#, #"w.json:1:3: $[0]: expected 4 hex digits after \u, found 'g'"#),
    Malformed(
        "unquoted key", "{seed: 1}",
        #"w.json:1:2: $: expected '"' to start an object key, found 'seed' (keys need double quotes: "seed")"#),
    Malformed(
        "single-quoted key", "{'a': 1}",
        #"w.json:1:2: $: expected '"' to start an object key, found "'" (JSON strings use double quotes)"#),
    Malformed(
        "single-quoted value", #"{"a": 'x'}"#, #"w.json:1:7: $.a: expected a value, found "'" (JSON strings use double quotes)"#),
    Malformed(
        "duplicate key", "{\n  \"workers\": 1,\n  \"workers\": 2\n}",
        #"w.json:3:3: $.workers: duplicate key "workers" (first defined at line 2, column 3)"#),
    Malformed(
        "duplicate key in a large object",
        "{" + (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + ", \"k7\": 0}",
        #"w.json:1:202: $.k7: duplicate key "k7" (first defined at line 1, column 65)"#),
    Malformed("garbage after value", "[1] x", "w.json:1:5: $: expected end of input after the top-level value, found 'x'"),
    Malformed("extra closing brace", #"{"a":1}}"#, "w.json:1:8: $: expected end of input after the top-level value, found '}'"),
    Malformed("comment", "// c\n{}", "w.json:1:1: $: comments are not allowed in JSON"),
    Malformed(
        "double comma", "[1,,2]", "w.json:1:4: $[1]: expected a value, found ',' (two commas in a row, or a missing value)"),
    Malformed(
        "truncated document", "{\n  \"services\": {\n    \"order\": {\"workers\": 8",
        "w.json:3:27: $.services.order: expected ',' or '}' after an object member, found end of input (the object opened at line 3, column 14 is not closed)"
    ),
    Malformed(
        "truncated after a colon", #"{"a": "#,
        "w.json:1:7: $.a: expected a value, found end of input (the object opened at line 1, column 1 is not closed)"),
    Malformed(
        "truncated after an open bracket", "[",
        "w.json:1:2: $[0]: expected a value, found end of input (the array opened at line 1, column 1 is not closed)"),
    Malformed(
        "invalid UTF-8 byte", bytes: Array(#"[""#.utf8) + [0xFF] + Array(#""]"#.utf8),
        "w.json:1:3: $[0]: invalid UTF-8 byte 0xFF (world files must be UTF-8)"),
    Malformed(
        "overlong UTF-8", bytes: Array(#"["a"#.utf8) + [0xC0, 0xAF] + Array(#""]"#.utf8),
        "w.json:1:4: $[0]: invalid UTF-8 byte 0xC0 (world files must be UTF-8)"),
    Malformed(
        "UTF-8 encoded surrogate", bytes: Array(#"[""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""]"#.utf8),
        "w.json:1:3: $[0]: invalid UTF-8 sequence 0xED 0xA0 (world files must be UTF-8)"),
    Malformed(
        "UTF-8 above U+10FFFF", bytes: Array(#"[""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""]"#.utf8),
        "w.json:1:3: $[0]: invalid UTF-8 sequence 0xF4 0x90 (world files must be UTF-8)"),
    Malformed(
        "truncated UTF-8", bytes: Array(#"[""#.utf8) + [0xE2, 0x82],
        "w.json:1:3: $[0]: truncated UTF-8 sequence at end of input"),
    Malformed(
        "invalid UTF-8 outside strings", bytes: [0x5B, 0x31, 0x2C, 0x80, 0x5D],
        "w.json:1:4: $[1]: invalid UTF-8 byte 0x80 (world files must be UTF-8)"),
    Malformed(
        "raw tab in string", "[\"a\tb\"]", #"w.json:1:4: $[0]: unescaped control character U+0009 in string (write it as \t)"#),
    Malformed(
        "raw bell in string", "[\"a\u{7}b\"]",
        #"w.json:1:4: $[0]: unescaped control character U+0007 in string (write it as \u0007)"#),
    Malformed(
        "columns count characters, not bytes", #"{"é": x}"#,
        #"w.json:1:7: $["é"]: expected a value, found 'x' (strings need double quotes: "x")"#),
    Malformed("CRLF line ends", "{\r\n  \"a\": ?\r\n}", "w.json:2:8: $.a: expected a value, found '?'"),
    Malformed(
        "byte order mark is not a column", bytes: [0xEF, 0xBB, 0xBF] + Array("[x]".utf8),
        #"w.json:1:2: $[0]: expected a value, found 'x' (strings need double quotes: "x")"#),
    Malformed(
        "nesting one level too deep", String(repeating: "[", count: 65),
        "w.json:1:65: $" + String(repeating: "[0]", count: 64) + ": nesting deeper than 64 levels of arrays and objects"),
    Malformed(
        "object key that needs quoting in the path", #"{"odd key": {"x": [1, }]}}"#,
        #"w.json:1:23: $["odd key"].x[1]: expected a value, found '}'"#),
]

@Suite("Malformed JSON input")
struct MalformedInputTests {
    @Test("each malformed document gives one precise diagnostic", arguments: malformedCases)
    func malformed(_ input: Malformed) throws {
        let error = try #require(parseFailure(input.bytes, limits: input.limits))
        #expect(error.diagnostics.count == 1)
        #expect(error.description == input.expected)
    }

    @Test("there are at least 40 malformed cases")
    func enoughCases() {
        #expect(malformedCases.count >= 40)
    }

    @Test("an input over the size limit is rejected before parsing")
    func sizeLimit() throws {
        let error = try #require(parseFailure(Array("[1,2,3,4,5]".utf8), limits: .init(maxDepth: 64, maxBytes: 10)))
        #expect(error.description == "w.json:1:1: input is 11 bytes, more than the limit of 10 bytes")
        #expect(error.diagnostics[0].path == nil)
    }

    @Test("a custom depth limit applies to objects and arrays alike")
    func customDepth() throws {
        let limits = JSONParser.Limits(maxDepth: 2, maxBytes: 1000)
        #expect(throws: Never.self) { try JSONParser.parse(#"{"a": [1]}"#, file: "w.json", limits: limits) }
        let error = try #require(parseFailure(Array(#"{"a": [{}]}"#.utf8), limits: limits))
        #expect(error.description == "w.json:1:8: $.a[0]: nesting deeper than 2 levels of arrays and objects")
    }

    @Test("syntax diagnostics carry expected and found separately")
    func fields() throws {
        let error = try #require(parseFailure(Array(#"{"a": 1 x}"#.utf8)))
        let diagnostic = error.diagnostics[0]
        #expect(diagnostic.expected == "',' or '}' after an object member")
        #expect(diagnostic.found == "'x'")
        #expect(diagnostic.location.line == 1 && diagnostic.location.column == 9 && diagnostic.location.offset == 8)
        #expect(diagnostic.path == .root)
        let literal = try #require(parseFailure(Array("[nul]".utf8))).diagnostics[0]
        #expect(literal.suggestion == "null")
    }
}
