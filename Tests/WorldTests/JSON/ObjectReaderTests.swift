import SimKernel
import Testing
@testable import World

private struct Pool: Sendable, Equatable {
    var workers: Int
    var queue: Int
    var name: String?

    static let reader = ValueReader<Pool>.object { o in
        Pool(
            workers: o.required("workers", .integer(in: 1...64)),
            queue: o.optional("queue", .integer(in: 0...), default: 1024),
            name: o.optional("name", .string))
    }
}

@Suite("Object reader")
struct ObjectReaderTests {
    @Test("reads required and optional fields, with defaults")
    func reads() throws {
        #expect(try read(#"{"workers": 8}"#, Pool.reader) == Pool(workers: 8, queue: 1024, name: nil))
        #expect(try read(#"{"workers": 8, "queue": 0, "name": "db"}"#, Pool.reader) == Pool(workers: 8, queue: 0, name: "db"))
        #expect(try read(#"{"workers": 8.0, "queue": 1e3}"#, Pool.reader) == Pool(workers: 8, queue: 1000, name: nil))
    }

    @Test("null means absent for optional fields, and is a wrong value for required ones")
    func nulls() throws {
        #expect(try read(#"{"workers": 8, "queue": null, "name": null}"#, Pool.reader) == Pool(workers: 8, queue: 1024, name: nil))
        let error = try #require(readFailure(#"{"workers": null}"#, Pool.reader))
        #expect(error.description == "w.json:1:13: $.workers: expected an integer between 1 and 64, found null")
    }

    @Test("a misspelt key is reported at the key with the nearest known name, and the missing field is not")
    func misspelt() throws {
        let text = "{\n  \"wokers\": 8\n}"
        let error = try #require(readFailure(text, Pool.reader))
        #expect(error.description == #"w.json:2:3: $.wokers: unknown field "wokers" (did you mean "workers"?)"#)
        #expect(error.diagnostics[0].suggestion == "workers")
    }

    @Test("a missing required field is reported at the object with the field's path")
    func missing() throws {
        let error = try #require(readFailure(#"{"pools": [{"queue": 1}, {"workers": 2}]}"#, .object { o in o.required("pools", .array(of: Pool.reader)) }))
        #expect(error.description == #"w.json:1:12: $.pools[0].workers: missing required field "workers" (expected an integer between 1 and 64)"#)
        #expect(error.diagnostics[0].found == "missing")
    }

    @Test("an unknown key far from every known name lists the known fields")
    func unknownFar() throws {
        let error = try #require(readFailure(#"{"workers": 1, "colour": "red"}"#, Pool.reader))
        #expect(error.description == #"w.json:1:16: $.colour: unknown field "colour" (known fields: workers, queue, name)"#)
        #expect(error.diagnostics[0].suggestion == nil)
    }

    @Test("every problem in a document is reported in one run, in file order")
    func collectsAll() throws {
        let text = """
            [
              {"workers": 0},
              {"workers": "8", "queue": -1},
              {"wrkers": 3, "name": 5},
              {"workers": 65, "extra": true}
            ]
            """
        let error = try #require(readFailure(text, .array(of: Pool.reader)))
        #expect(error.diagnostics.map(\.description) == [
            "w.json:2:15: $[0].workers: expected an integer between 1 and 64, found number 0",
            #"w.json:3:15: $[1].workers: expected an integer between 1 and 64, found string "8" (did you mean 8?)"#,
            "w.json:3:29: $[1].queue: expected an integer >= 0, found number -1",
            #"w.json:4:4: $[2].wrkers: unknown field "wrkers" (did you mean "workers"?)"#,
            "w.json:4:25: $[2].name: expected a string, found number 5",
            "w.json:5:15: $[3].workers: expected an integer between 1 and 64, found number 65",
            #"w.json:5:19: $[3].extra: unknown field "extra" (known fields: workers, queue, name)"#,
        ])
    }

    @Test("the number of diagnostics is limited and the rest counted")
    func limit() throws {
        let text = "[" + (0..<30).map { _ in #"{"workers": 0}"# }.joined(separator: ",") + "]"
        do {
            _ = try WorldJSON.read(Array(text.utf8), file: "w.json", with: .array(of: Pool.reader), maxDiagnostics: 5)
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 5)
            #expect(error.omitted == 25)
            #expect(error.description.hasSuffix("... and 25 more errors"))
        }
    }

    @Test("wrong container types are reported at the value", arguments: [
        (#"{"p": []}"#, "w.json:1:7: $.p: expected an object, found empty array"),
        (#"{"p": "x"}"#, #"w.json:1:7: $.p: expected an object, found string "x""#),
        (#"[1]"#, "w.json:1:1: $: expected an object, found array of 1"),
    ])
    func containerTypes(_ text: String, _ message: String) throws {
        let reader = ValueReader<Pool>.object { o in o.required("p", Pool.reader) }
        #expect(try #require(readFailure(text, reader)).description == message)
    }

    @Test("scalar readers check types and ranges", arguments: [
        (#"{"v": 3.5}"#, "integer", "w.json:1:7: $.v: expected an integer, found number 3.5"),
        (#"{"v": 1e30}"#, "integer", "w.json:1:7: $.v: expected an integer, found number 1e30: out of the 64-bit integer range"),
        (#"{"v": true}"#, "integer", "w.json:1:7: $.v: expected an integer, found boolean true"),
        (#"{"v": 11}"#, "integer<=10", "w.json:1:7: $.v: expected an integer <= 10, found number 11"),
        (#"{"v": "x"}"#, "double", #"w.json:1:7: $.v: expected a number, found string "x""#),
        (#"{"v": "0.5"}"#, "double01", #"w.json:1:7: $.v: expected a number between 0 and 1, found string "0.5" (did you mean 0.5?)"#),
        (#"{"v": 1.5}"#, "double01", "w.json:1:7: $.v: expected a number between 0 and 1, found number 1.5"),
        (#"{"v": 0}"#, "double>0", "w.json:1:7: $.v: expected a number > 0, found number 0"),
        (#"{"v": -1}"#, "double>=0", "w.json:1:7: $.v: expected a number >= 0, found number -1"),
        (#"{"v": 2}"#, "double<=1", "w.json:1:7: $.v: expected a number <= 1, found number 2"),
        (#"{"v": "yes"}"#, "bool", #"w.json:1:7: $.v: expected true or false, found string "yes""#),
        (#"{"v": "true"}"#, "bool", #"w.json:1:7: $.v: expected true or false, found string "true" (did you mean true?)"#),
        (#"{"v": 1}"#, "string", "w.json:1:7: $.v: expected a string, found number 1"),
        (#"{"v": ""}"#, "nonEmpty", #"w.json:1:7: $.v: expected a non-empty string, found string """#),
        (#"{"v": "lifi"}"#, "enum", #"w.json:1:7: $.v: expected one of "fifo", "lifo", found string "lifi" (did you mean "lifo"?)"#),
        (#"{"v": "random"}"#, "enum", #"w.json:1:7: $.v: expected one of "fifo", "lifo", found string "random""#),
        (#"{"v": [1, 2, 3]}"#, "pair", "w.json:1:7: $.v: expected an array of exactly 2 elements, found array of 3"),
        (#"{"v": []}"#, "nonEmptyArray", "w.json:1:7: $.v: expected a non-empty array, found empty array"),
        (#"{"v": [1, "x", 3]}"#, "array", #"w.json:1:11: $.v[1]: expected an integer, found string "x""#),
        (#"{"v": {"a": 1, "b": "x"}}"#, "members", #"w.json:1:21: $.v.b: expected an integer, found string "x""#),
        (#"{"v": 3}"#, "even", "w.json:1:7: $.v: expected an even integer, found number 3"),
    ])
    func scalars(_ text: String, _ kind: String, _ message: String) throws {
        let error: WorldError?
        switch kind {
        case "integer": error = readFailure(text, .object { o in _ = o.required("v", .integer) })
        case "integer<=10": error = readFailure(text, .object { o in _ = o.required("v", .integer(in: ...10)) })
        case "double": error = readFailure(text, .object { o in _ = o.required("v", .double) })
        case "double01": error = readFailure(text, .object { o in _ = o.required("v", .double(in: 0...1)) })
        case "double>0": error = readFailure(text, .object { o in _ = o.required("v", .double(above: 0)) })
        case "double>=0": error = readFailure(text, .object { o in _ = o.required("v", .double(in: 0...)) })
        case "double<=1": error = readFailure(text, .object { o in _ = o.required("v", .double(in: ...1)) })
        case "bool": error = readFailure(text, .object { o in _ = o.required("v", .bool) })
        case "string": error = readFailure(text, .object { o in _ = o.required("v", .string) })
        case "nonEmpty": error = readFailure(text, .object { o in _ = o.required("v", .nonEmptyString) })
        case "enum": error = readFailure(text, .object { o in _ = o.required("v", .oneOf(Discipline.self)) })
        case "pair": error = readFailure(text, .object { o in _ = o.required("v", .array(of: .integer, count: 2...2)) })
        case "nonEmptyArray": error = readFailure(text, .object { o in _ = o.required("v", .nonEmptyArray(of: .integer)) })
        case "array": error = readFailure(text, .object { o in _ = o.required("v", .array(of: .integer)) })
        case "members": error = readFailure(text, .object { o in _ = o.required("v", .members(of: .integer)) })
        case "even": error = readFailure(text, .object { o in _ = o.required("v", .integer.satisfying("an even integer") { $0 % 2 == 0 }) })
        default: Issue.record("unknown kind \(kind)"); return
        }
        let diagnostics = try #require(error).diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.description == message)
    }

    @Test("members keep the file's order")
    func membersOrder() throws {
        let value = try read(#"{"zeta": 1, "alpha": 2, "mid": 3}"#, .members(of: .integer))
        #expect(value.map(\.key) == ["zeta", "alpha", "mid"])
        #expect(value.map(\.value) == [1, 2, 3])
    }

    @Test("a discriminator decides the known fields, and an invalid one silences the rest")
    func discriminator() throws {
        let reader = FaultSpec.reader
        let crash = try read(#"{"kind": "crash", "service": "db", "at": "1m"}"#, reader)
        guard case .crash(let service, let at) = crash else { Issue.record("not a crash"); return }
        #expect(service == "db" && at == .seconds(60))
        let wrong = try #require(readFailure(#"{"kind": "crush", "service": "db", "at": "1m", "for": "1m", "kidn": 1}"#, reader))
        #expect(wrong.diagnostics.map(\.description) == [
            #"w.json:1:10: $.kind: expected one of "latency", "errors", "crash", found string "crush" (did you mean "crash"?)"#,
            #"w.json:1:61: $.kidn: unknown field "kidn" (did you mean "kind"?)"#,
        ])
        let unknownForKind = try #require(readFailure(#"{"kind": "crash", "service": "db", "at": "1m", "for": "1m"}"#, reader))
        #expect(unknownForKind.description == #"w.json:1:48: $.for: unknown field "for" (known fields: kind, service, at)"#)
        let absent = try #require(readFailure(#"{"service": "db"}"#, reader))
        #expect(absent.description == #"w.json:1:1: $.kind: missing required field "kind" (expected one of "latency", "errors", "crash")"#)
    }

    @Test("cross-field rules report at the field they blame, and not after a placeholder")
    func crossField() throws {
        let reader = ValueReader<ClosedRange<Int>>.object { o in
            let low = o.required("low", .integer)
            let high = o.required("high", .integer)
            if !o.hasProblems, high < low { o.reject("high", expected: "an integer >= \(low) (low)") }
            return low...max(low, high)
        }
        #expect(try read(#"{"low": 1, "high": 3}"#, reader) == 1...3)
        #expect(try #require(readFailure(#"{"low": 5, "high": 3}"#, reader)).description
            == "w.json:1:20: $.high: expected an integer >= 5 (low), found number 3")
        let one = try #require(readFailure(#"{"low": "x", "high": 3}"#, reader))
        #expect(one.diagnostics.count == 1, "the placeholder for low must not trigger the rule")
    }

    @Test("allowed keys are neither unknown nor required; raw and contains declare keys")
    func allowRawContains() throws {
        let reader = ValueReader<Bool>.object { o in
            o.allow("//", "notes")
            _ = o.raw("anything")
            return o.contains("flag")
        }
        #expect(try read(#"{"//": "comment", "anything": [1], "flag": 1}"#, reader) == true)
        #expect(try read(#"{"flag": null}"#, reader) == false)
        #expect(try read("{}", reader) == false)
    }

    @Test("object-level reports use the object's location and path")
    func report() throws {
        let reader = ValueReader<Int>.object { o in
            o.report("this object is never valid")
            return 0
        }
        let error = try #require(readFailure(#"{"a": {}}"#, .object { o in o.required("a", reader) }))
        #expect(error.description == "w.json:1:7: $.a: this object is never valid")
    }

    @Test("orNull accepts null in required fields")
    func orNull() throws {
        let reader = ValueReader<Int?>.object { o in o.required("v", ValueReader<Int>.integer.orNull) }
        #expect(try read(#"{"v": null}"#, reader) == nil)
        #expect(try read(#"{"v": 3}"#, reader) == 3)
        #expect(try #require(readFailure(#"{"v": "x"}"#, reader)).description
            == #"w.json:1:7: $.v: expected an integer, found string "x""#)
        #expect(ValueReader<Int>.integer.orNull.expected == "an integer or null")
    }

    @Test("a custom reader that fails silently still produces a diagnostic")
    func silentCustom() throws {
        let silent = ValueReader<Int>(expected: "a lucky number", placeholder: { 0 }) { _, _ in nil }
        #expect(try #require(readFailure(#"{"v": 13}"#, .object { o in o.required("v", silent) })).description
            == "w.json:1:7: $.v: expected a lucky number, found number 13")
        #expect(try #require(readFailure("13", silent)).description == "w.json:1:1: $: expected a lucky number, found number 13")
    }

    @Test("a custom reader can report at nested paths through its context")
    func customNested() throws {
        let pairSum = ValueReader<Int>(expected: "a pair", placeholder: { 0 }) { value, context in
            guard let items = value.arrayValue, items.count == 2 else {
                context.mismatch(value, expected: "a pair")
                return nil
            }
            let a = context.read(items[0], at: 0, with: .integer)
            let b = context.read(items[1], at: 1, with: .integer(in: 0...))
            guard let a, let b else { return nil }
            return a + b
        }
        #expect(try read("[2, 3]", pairSum) == 5)
        #expect(try #require(readFailure("[2, -3]", pairSum)).description == "w.json:1:5: $[1]: expected an integer >= 0, found number -3")
    }

    @Test("the sample worlds read completely")
    func samples() throws {
        let incident = try read(SampleDocuments.incident, SampleWorld.reader)
        #expect(incident.seed == 42 && incident.duration == .seconds(1800) && incident.rate == 2000)
        #expect(incident.journeys.map(\.key) == ["browse", "order", "pay"])
        #expect(incident.services.map(\.key) == ["gateway", "inventory", "order", "payment"])
        let inventory = incident.services[1].value
        #expect(inventory.queue == 0 && inventory.timeout == .seconds(30) && inventory.breaker?.openFor == .seconds(30))
        #expect(inventory.breaker?.failureRatio == 0.2 && inventory.breaker?.window == 100)
        #expect(inventory.serviceTime == Distribution.lognormal(median: 0.02, p99: 0.12))
        #expect(incident.services[2].value.serviceTime == .boundedPareto(lower: 0.01, upper: 2, shape: 1.5))
        #expect(incident.faults.count == 3)
        let peak = try read(SampleDocuments.peakShaving, SampleWorld.reader)
        #expect(peak.rate == 1200 && peak.services[1].value.serviceTime == .constant(0.008) && peak.services[1].value.breaker?.window == 100)
        let mmc = try read(SampleDocuments.mmc, SampleWorld.reader)
        #expect(mmc.rate == 7.2 && mmc.services[0].value.discipline == .lifo && mmc.basket == .constant(1))
    }
}
