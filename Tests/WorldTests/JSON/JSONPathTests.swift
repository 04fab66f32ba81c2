import Testing
@testable import World

@Suite("JSON paths")
struct JSONPathTests {
    @Test("renders dotted names, indices, and quoted odd keys")
    func rendering() {
        #expect(JSONPath.root.description == "$")
        #expect((JSONPath.root + "services" + "order" + "workers").description == "$.services.order.workers")
        #expect((JSONPath.root + "faults" + 2 + "at").description == "$.faults[2].at")
        #expect((JSONPath.root + "odd key").description == #"$["odd key"]"#)
        #expect((JSONPath.root + "order-service" + "x").description == #"$["order-service"].x"#)
        #expect((JSONPath.root + "9lives").description == #"$["9lives"]"#)
        #expect((JSONPath.root + "").description == #"$[""]"#)
        #expect((JSONPath.root + "quo\"te\n").description == #"$["quo\"te\n"]"#)
        #expect((JSONPath.root + "_x9").description == "$._x9")
        #expect((JSONPath.root + "é").description == #"$["é"]"#)
        let literal: JSONPath = ["faults", 0, "at"]
        #expect(literal.description == "$.faults[0].at")
        #expect(literal.parent.description == "$.faults[0]")
    }

    @Test("parses the --set path syntax", arguments: [
        ("services.order.workers", ["services", "order", "workers"] as [JSONPath.Component]),
        ("$.services.order", ["services", "order"]),
        ("faults[0].at", ["faults", 0, "at"]),
        ("[3]", [3]),
        (#"$["odd key"].x"#, ["odd key", "x"]),
        (#"["a=b"][12]"#, ["a=b", 12]),
        ("order-service.workers", ["order-service", "workers"]),
        (".seed", ["seed"]),
        ("$", []),
    ])
    func parsing(_ text: String, _ components: [JSONPath.Component]) throws {
        #expect(try JSONPath.parse(text).components == components)
    }

    @Test("rendering parses back to the same path")
    func roundTrip() throws {
        let paths: [JSONPath] = [["a", 0, "b c", "", 7, "é", "x.y", "[z]", "q\"\\"], [], [0, 0]]
        for path in paths {
            #expect(try JSONPath.parse(path.description) == path)
        }
    }

    @Test("malformed paths say what was expected", arguments: [
        ("a..b", "expected a field name, found '.'"),
        ("a[", "expected an index or a quoted key after '['"),
        ("a[x]", "expected an index or a quoted key after '[', found 'x'"),
        ("a[1", "expected ']', found end of path"),
        ("a[01]", "leading zeros are not allowed in an index"),
        ("a[99999999999999999999]", "index is too large"),
        (#"a["x]"#, "invalid quoted key"),
        ("a[0]b", "expected '.' or '[', found 'b'"),
        ("a.", "expected a field name, found end of path"),
    ])
    func malformed(_ text: String, _ message: String) {
        #expect(throws: PathSyntaxError.self) { try JSONPath.parse(text) }
        do {
            _ = try JSONPath.parse(text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test("looks values up by path")
    func lookup() throws {
        let root = try JSONParser.parse(#"{"faults": [{"at": "12m"}], "odd key": 1}"#, file: "w.json")
        #expect(root[["faults", 0, "at"] as JSONPath]?.stringValue == "12m")
        #expect(root[["odd key"] as JSONPath]?.numberValue?.int64 == 1)
        #expect(root[["faults", 1] as JSONPath] == nil)
        #expect(root[["faults", "x"] as JSONPath] == nil)
    }
}

@Suite("Diagnostics")
struct DiagnosticTests {
    let file = World.SourceLocation(origin: .file("worlds/x.json"), line: 12, column: 5, offset: 200)

    @Test("renders location, path, message and suggestion")
    func rendering() {
        let unknown = WorldDiagnostic(
            location: file, path: ["services", "order", "wokers"], message: #"unknown field "wokers""#, suggestion: "workers")
        #expect(unknown.description == #"worlds/x.json:12:5: $.services.order.wokers: unknown field "wokers" (did you mean "workers"?)"#)
        let mismatch = WorldDiagnostic.mismatch(
            JSONValue(.string("abc"), at: World.SourceLocation(origin: .file("worlds/x.json"), line: 7, column: 17, offset: 90)),
            at: ["seed"], expected: "an integer >= 0")
        #expect(mismatch.description == #"worlds/x.json:7:17: $.seed: expected an integer >= 0, found string "abc""#)
        #expect(mismatch.expected == "an integer >= 0" && mismatch.found == #"string "abc""#)
        let override = WorldDiagnostic(
            location: World.SourceLocation(origin: .override(2), line: 1, column: 1, offset: 0), path: nil,
            message: "no array at $.faults (found object)")
        #expect(override.description == "--set #2: no array at $.faults (found object)")
        let literal = WorldDiagnostic(location: file, path: .root, message: "m", suggestion: "true")
        #expect(literal.description == "worlds/x.json:12:5: $: m (did you mean true?)")
        let number = WorldDiagnostic(location: file, path: .root, message: "m", suggestion: "8")
        #expect(number.description == "worlds/x.json:12:5: $: m (did you mean 8?)")
        let unnamed = WorldDiagnostic(location: World.SourceLocation(origin: .file(""), line: 1, column: 2, offset: 1), path: nil, message: "m")
        #expect(unnamed.description == "<input>:1:2: m")
    }

    @Test("found values are summarised briefly")
    func summaries() throws {
        let value = try JSONParser.parse(#"["eight", 3.5, {}, {"a": 1}, [1, 2], [], null, true, "\#(String(repeating: "x", count: 50))", "a\nb"]"#, file: "w.json")
        let summaries = try #require(value.arrayValue).map(\.summary)
        #expect(summaries == [
            #"string "eight""#, "number 3.5", "empty object", "object", "array of 2", "empty array", "null", "boolean true",
            #"string ""# + String(repeating: "x", count: 40) + #"…""#, #"string "a\nb""#,
        ])
    }

    @Test("errors list diagnostics in file order, files before overrides, then the omitted count")
    func ordering() {
        func at(_ origin: World.SourceLocation.Origin, _ offset: Int) -> WorldDiagnostic {
            WorldDiagnostic(location: World.SourceLocation(origin: origin, line: 1, column: offset + 1, offset: offset), path: nil, message: "m\(offset)")
        }
        let error = WorldError([at(.override(2), 0), at(.file("a"), 9), at(.override(1), 0), at(.file("a"), 3), at(.file("a"), 3)], omitted: 2)
        #expect(error.diagnostics.map(\.description) == ["a:1:4: m3", "a:1:10: m9", "--set #1: m0", "--set #2: m0"])
        #expect(error.description.hasSuffix("\n... and 2 more errors"))
    }
}
