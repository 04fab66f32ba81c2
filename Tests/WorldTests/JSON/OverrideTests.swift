import Testing
@testable import World

@Suite("--set overrides")
struct OverrideTests {
    let base = try! JSONParser.parse(#"{"services": {"order": {"workers": 8}}, "faults": [{"at": "1m"}], "seed": 1}"#, file: "w.json")

    @Test("replaces values, adds keys, parses JSON values and falls back to strings")
    func applies() throws {
        let result = try Override.apply(
            ["services.order.workers=128", "faults[0].at=12m", #"traffic="7.2/s""#, "services.order.queue=0",
             #"services.order.service_time={"exp": "1s"}"#, "seed=true", "faults[0].extra=[1, 2]", "services.order.name=",
             "services.order.note=7.2/s"],
            to: base)
        #expect(result["services"]?["order"]?["workers"]?.numberValue?.int64 == 128)
        #expect(result["faults"]?[0]?["at"]?.stringValue == "12m")
        #expect(result["traffic"]?.stringValue == "7.2/s")
        #expect(result["services"]?["order"]?["queue"]?.numberValue?.int64 == 0)
        #expect(result["services"]?["order"]?["service_time"]?["exp"]?.stringValue == "1s")
        #expect(result["seed"]?.boolValue == true)
        #expect(result["faults"]?[0]?["extra"]?.arrayValue?.count == 2)
        #expect(result["services"]?["order"]?["name"]?.stringValue == "")
        #expect(result["services"]?["order"]?["note"]?.stringValue == "7.2/s")
        #expect(result["services"]?["order"]?.objectValue?.keys == ["workers", "queue", "service_time", "name", "note"])
    }

    @Test("overridden nodes are located at their --set argument, the rest keep file locations")
    func locations() throws {
        let result = try Override.apply(["seed=2", #"services.order={"workers": [1]}"#], to: base)
        #expect(result["seed"]?.location.origin == .override(1))
        #expect(result["services"]?["order"]?.location.origin == .override(2))
        #expect(result["services"]?["order"]?["workers"]?[0]?.location.origin == .override(2))
        #expect(result["faults"]?.location.origin == .file("w.json"))
        #expect(result["seed"]?.location.description == "--set #1")
    }

    @Test("later overrides see earlier ones")
    func ordering() throws {
        let result = try Override.apply(["extra={}", "extra.x=1", "extra.x=2"], to: base)
        #expect(result["extra"]?["x"]?.numberValue?.int64 == 2)
    }

    @Test("bad arguments and paths are reported with their number, all at once")
    func errors() throws {
        do {
            _ = try Override.apply(
                ["seed", "=3", "a..b=1", "faults.x=1", "faults[3].at=1", "services.ordr.workers=1", "nope.x=1", "seed.x=1",
                 "$=1", "faults[0].at.x=1", "services.order.workers=9"],
                to: base)
            Issue.record("expected errors")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                #"--set #1: expected path=value, found "seed""#,
                #"--set #2: missing path before '=' in "=3""#,
                #"--set #3: invalid path "a..b": expected a field name, found '.'"#,
                "--set #4: no object at $.faults (found array of 1)",
                "--set #5: index 3 is out of range at $.faults (array of 1)",
                #"--set #6: no field "ordr" at $.services (did you mean "order"?)"#,
                #"--set #7: no field "nope" at $ (a --set adds only the last key of its path: to add "nope", set it whole, as in --set '$.nope={...}')"#,
                "--set #8: no object at $.seed (found number 1)",
                "--set #9: the path must name a field, not the whole world",
                #"--set #10: no object at $.faults[0].at (found string "1m")"#,
            ])
        }
    }

    @Test("no array where an index is used")
    func noArray() throws {
        do {
            _ = try Override.apply(["services[0]=1"], to: base)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "--set #1: no array at $.services (found object)")
        }
    }

    @Test("schema errors in overridden values point at the command line")
    func schemaErrors() throws {
        let error = try #require(readFailure(
            SampleDocuments.mmc, SampleWorld.reader, file: "worlds/mmc.json",
            overrides: ["services.single.workers=eight", "rate=7.2/sec", #"services.single={"workers": 2}"#, "seed=3"]))
        #expect(error.diagnostics.map(\.description) == [
            #"--set #2: $.rate: expected a rate > 0 such as "7.2/s" (or a number per second), found string "7.2/sec": unknown period "sec" (use s, min, h, ms, us, ns or a duration such as 10s) (did you mean "7.2/s"?)"#,
            #"--set #3: $.services.single.service_time: missing required field "service_time" (expected a distribution such as {"exp": "1s"})"#,
        ])
        let typed = try #require(readFailure(SampleDocuments.mmc, SampleWorld.reader, overrides: ["services.single.workers=eight"]))
        #expect(typed.description == #"--set #1: $.services.single.workers: expected an integer between 1 and 100000, found string "eight""#)
    }

    @Test("quoted keys may contain '=' and dots")
    func quotedKeys() throws {
        let result = try Override.apply([#"["a=b.c"]=1"#, #"services["order"].workers=3"#], to: base)
        #expect(result["a=b.c"]?.numberValue?.int64 == 1)
        #expect(result["services"]?["order"]?["workers"]?.numberValue?.int64 == 3)
    }

    @Test("overrides can be parsed first and applied later")
    func twoSteps() throws {
        let overrides = try Override.parse(["seed=5", "faults[0].at=2m"])
        #expect(overrides.map(\.index) == [1, 2])
        let result = try Override.apply(overrides, to: base)
        #expect(result["seed"]?.numberValue?.int64 == 5 && result["faults"]?[0]?["at"]?.stringValue == "2m")
        #expect(throws: WorldError.self) { try Override.parse(["seed=5", "oops"]) }
        #expect(throws: WorldError.self) { try Override.apply(try Override.parse(["x.y=1"]), to: base) }
    }

    @Test("an override's structured form is available")
    func parsed() throws {
        let override = try Override.parse("faults[0].at=12m", index: 4)
        #expect(override.path == ["faults", 0, "at"])
        #expect(override.value.stringValue == "12m")
        #expect(override.index == 4 && override.argument == "faults[0].at=12m")
        #expect(try Override.parse("x= [1, 2] ", index: 1).value.arrayValue?.count == 2)
        #expect(try Override.parse("x=1e999", index: 1).value.stringValue == "1e999")
    }
}
