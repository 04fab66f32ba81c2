import Foundation
import SimKernel
import Testing
@testable import World

// Seeded mutation fuzzing of the shipped world files with the real world schema
// (`WorldSpec.reader`): every mutant must give a WorldSpec that satisfies the schema, or
// a WorldError whose every diagnostic is located in the mutant, explained and rendered;
// never a trap (which would kill the test process) and never a slow read.

/// A shipped world, with its nodes classified once so that mutants are cheap to make.
struct FuzzWorld: Sendable {
    let file: String
    let text: String
    let tree: JSONValue?
    /// Every node's path (root excluded), in document order.
    let paths: [JSONPath]
    let numbers: [JSONPath]
    let strings: [JSONPath]
    /// Strings that read as a duration, a rate or a ratio.
    let units: [JSONPath]
    /// Paths ending with an object key.
    let keys: [JSONPath]
    /// Objects, the root included.
    let objects: [JSONPath]

    init(file: String, text: String) {
        self.file = file
        self.text = text
        let tree = try? JSONParser.parse(text, file: file)
        self.tree = tree
        let paths = tree.map(WorldFuzzer.paths) ?? []
        self.paths = paths
        var numbers: [JSONPath] = [], strings: [JSONPath] = [], units: [JSONPath] = [], keys: [JSONPath] = []
        var objects: [JSONPath] = tree?.objectValue != nil ? [.root] : []
        for path in paths {
            guard let node = tree?[path] else { continue }
            if case .key = path.components.last { keys.append(path) }
            switch node.kind {
            case .number: numbers.append(path)
            case .string(let text):
                strings.append(path)
                if (try? DurationText.parse(text)) != nil || (try? RateText.parse(text)) != nil
                    || (try? RatioText.parse(text)) != nil
                {
                    units.append(path)
                }
            case .object: objects.append(path)
            default: break
            }
        }
        (self.numbers, self.strings, self.units, self.keys, self.objects) = (numbers, strings, units, keys, objects)
    }
}

/// The shipped worlds: every `*.json` under `worlds/` except `schema.json` and the
/// baselines of `check` (`*.expected.json`), by path.
private let shippedWorlds: [FuzzWorld] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let worlds = root.appendingPathComponent("worlds")
    let paths = (FileManager.default.enumerator(atPath: worlds.path)?.allObjects as? [String] ?? [])
        .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") && ($0 as NSString).lastPathComponent != "schema.json" }
        .sorted()
    return paths.compactMap { relative in
        guard let data = FileManager.default.contents(atPath: worlds.appendingPathComponent(relative).path) else { return nil }
        return FuzzWorld(file: "worlds/" + relative, text: String(decoding: data, as: UTF8.self))
    }
}()

extension RandomStream {
    fileprivate mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.count)
    }

    fileprivate mutating func chance(_ probability: Double) -> Bool { nextUnit() < probability }

    fileprivate mutating func pick<T>(_ items: [T]) -> T { items[nextInt(below: items.count)] }
}

/// Makes mutants of world documents. Operations pick their target among the original
/// world's nodes; one whose node an earlier operation removed changes nothing.
struct WorldFuzzer {
    enum Operation: String, CaseIterable, Sendable {
        case deleteField = "delete a field"
        case duplicateField = "duplicate a field"
        case retype = "retype a value"
        case outOfRange = "push a number out of range"
        case garbageUnit = "garble a duration, rate or ratio"
        case truncate = "truncate the text"
        case nearMissKey = "misspell a key"
    }

    var random: RandomStream

    // MARK: Tree helpers

    /// Every path below `value` (root excluded), in document order.
    static func paths(_ value: JSONValue) -> [JSONPath] {
        var result: [JSONPath] = []
        var pending: [(JSONPath, JSONValue)] = [(.root, value)]
        while let (path, node) = pending.popLast() {
            if !path.components.isEmpty { result.append(path) }
            switch node.kind {
            case .object(let object):
                for member in object.members.reversed() { pending.append((path + member.key, member.value)) }
            case .array(let elements):
                for (index, element) in elements.enumerated().reversed() { pending.append((path + index, element)) }
            default: break
            }
        }
        return result
    }

    /// Applies `change` to the node at `path`, if it exists.
    static func modify(_ node: inout JSONValue, at path: ArraySlice<JSONPath.Component>, _ change: (inout JSONValue) -> Void) {
        guard let first = path.first else {
            change(&node)
            return
        }
        switch (node.kind, first) {
        case (.object(var object), .key(let key)):
            guard var child = object[key] else { return }
            object[key] = .null  // drop the object's reference so the child is edited in place
            modify(&child, at: path.dropFirst(), change)
            object[key] = child
            node.kind = .object(object)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            node.kind = .null
            modify(&elements[index], at: path.dropFirst(), change)
            node.kind = .array(elements)
        default:
            break
        }
    }

    /// Removes the node at `path` from its object or array.
    static func delete(_ path: JSONPath, in root: inout JSONValue) {
        guard let last = path.components.last else { return }
        modify(&root, at: path.components.dropLast()[...]) { parent in
            switch (parent.kind, last) {
            case (.object(var object), .key(let key)):
                object[key] = nil
                parent.kind = .object(object)
            case (.array(var elements), .index(let index)) where elements.indices.contains(index):
                elements.remove(at: index)
                parent.kind = .array(elements)
            default: break
            }
        }
    }

    /// Renames the key at `path` to `newKey`, keeping the member's position; nothing if
    /// the object already has `newKey`.
    static func rename(_ path: JSONPath, to newKey: String, in root: inout JSONValue) {
        guard case .key(let key)? = path.components.last else { return }
        modify(&root, at: path.components.dropLast()[...]) { parent in
            guard case .object(let object) = parent.kind, object[newKey] == nil, object[key] != nil else { return }
            parent.kind = .object(JSONObject(object.members.map { ($0.key == key ? newKey : $0.key, $0.value) }))
        }
    }

    /// A one-edit misspelling of `key`: an adjacent transposition near the middle, else
    /// a doubled last letter.
    static func nearMiss(_ key: String) -> String {
        var characters = Array(key)
        let middle = characters.count / 2
        let order = (0..<max(0, characters.count - 1)).sorted { abs($0 - middle) < abs($1 - middle) }
        if let position = order.first(where: { characters[$0] != characters[$0 + 1] }) {
            characters.swapAt(position, position + 1)
            return String(characters)
        }
        return key + (characters.last.map(String.init) ?? "x")
    }

    // MARK: Mutations

    /// Copies a member into another object, or an element within its array.
    mutating func copyField(_ root: inout JSONValue, _ world: FuzzWorld) {
        guard !world.paths.isEmpty else { return }
        let path = random.pick(world.paths)
        guard let value = root[path], let last = path.components.last else { return }
        switch last {
        case .index(let index):
            Self.modify(&root, at: path.components.dropLast()[...]) { parent in
                guard case .array(var elements) = parent.kind, index <= elements.count else { return }
                elements.insert(value, at: index)
                parent.kind = .array(elements)
            }
        case .key(let key):
            let target = random.pick(world.objects)
            Self.modify(&root, at: target.components[...]) { node in
                guard case .object(var object) = node.kind, object[key] == nil else { return }
                object[key] = value
                node.kind = .object(object)
            }
        }
    }

    /// A value of another type made from `value`.
    mutating func retyped(_ value: JSONValue) -> JSONValue {
        var options: [JSONValue] = [.null, .bool(random.chance(0.5)), [value], ["value": value]]
        switch value.kind {
        case .number(let number):
            options += [.string(number.literal), .string(number.literal + "s")]
        case .string(let text):
            if let number = Double(text.filter { $0.isNumber || $0 == "." }) { options.append(.double(number)) }
            options += [.int(text.count), .string("")]
        case .bool(let flag):
            options += [.string(String(flag)), .int(flag ? 1 : 0)]
        case .null:
            options += [.int(0), .string("null")]
        case .array(let elements):
            options += [elements.first ?? .null, .object(elements.enumerated().map { ("\($0.offset)", $0.element) }),
                        .int(elements.count)]
        case .object(let object):
            options += [.array(object.members.map(\.value)), .string(object.keys.first ?? ""), [:]]
        }
        options.removeAll { $0.kind == value.kind }
        return random.pick(options)
    }

    mutating func retype(_ root: inout JSONValue, _ world: FuzzWorld) {
        guard !world.paths.isEmpty else { return }
        let path = random.pick(world.paths)
        guard let value = root[path] else { return }
        let replacement = retyped(value)
        Self.modify(&root, at: path.components[...]) { $0 = replacement }
    }

    /// Replaces a number by one outside any sensible range (or a fraction).
    mutating func outOfRange(_ root: inout JSONValue, _ world: FuzzWorld) {
        guard !world.numbers.isEmpty else { return retype(&root, world) }
        let path = random.pick(world.numbers)
        guard let number = root[path]?.numberValue?.double else { return }
        let replacement: JSONValue = random.pick([
            .int(-1), .int(0), .double(-number), .double(number * 1000), .int(1_000_000_000_000), .int(Int.max),
            JSONValue(.number(JSONNumber(Int64.min))), .double(1e300), .double(number + 0.5), .double(0.5),
            .double(-0.25), .double(2.5e-9), .double(1e20),
        ])
        Self.modify(&root, at: path.components[...]) { $0 = replacement }
    }

    /// Garbles a string that reads as a duration, rate or ratio (rarely, any string).
    mutating func garbleUnit(_ root: inout JSONValue, _ world: FuzzWorld) {
        let candidates = world.units.isEmpty || random.chance(0.1) ? world.strings : world.units
        guard !candidates.isEmpty else { return outOfRange(&root, world) }
        let path = random.pick(candidates)
        guard let text = root[path]?.stringValue else { return }
        let digits = String(text.prefix { $0.isNumber || $0 == "." })
        let rest = String(text.dropFirst(digits.count))
        let garbage: [String] = [
            digits + "sec", digits + " " + rest, digits, rest, "-" + text, text + text, digits + rest.uppercased(),
            digits + "." + rest, "0.0000000001" + rest, "99999999999999999999" + rest, digits + "e3" + rest,
            digits + "/sec", "/" + rest, digits + "/", digits + "/0s", digits + "//s", digits + "%%", "200%", "-5%",
            digits + " %", "∞" + rest, "NaN", "1h1h", "1s1h", "5m30", "2562048h", "", " ", text + "\u{0}",
        ]
        let replacement = random.pick(garbage)
        Self.modify(&root, at: path.components[...]) { $0 = .string(replacement) }
    }

    /// Renames a random key to a near miss (or a different case, separator or number).
    mutating func misspellKey(_ root: inout JSONValue, _ world: FuzzWorld) {
        guard !world.keys.isEmpty else { return }
        let path = random.pick(world.keys)
        guard case .key(let key)? = path.components.last else { return }
        let typo: String = switch random.nextInt(below: 6) {
        case 0: key.uppercased()
        case 1: key.replacingOccurrences(of: "_", with: "-")
        case 2: String(key.dropLast())
        case 3: key + "s"
        default: Self.nearMiss(key)
        }
        Self.rename(path, to: typo, in: &root)
    }

    /// Duplicates one member line of a pretty canonical text, so that a key appears twice.
    mutating func duplicateLine(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let members = lines.indices.filter { index in
            let line = lines[index].drop { $0 == " " }
            return line.hasPrefix("\"") && line.contains("\": ") && !line.hasSuffix("{") && !line.hasSuffix("[")
        }
        guard !members.isEmpty else { return text }
        let index = random.pick(members)
        let line = lines[index]
        lines.insert(line.hasSuffix(",") ? line : line + ",", at: index)
        return lines.joined(separator: "\n")
    }

    /// Cuts `bytes` at a random point (possibly inside a multi-byte character).
    mutating func truncate(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        return Array(bytes.prefix(random.nextInt(below: bytes.count)))
    }

    /// A mutant of a world: 1 to 3 operations; tree edits are written back as canonical
    /// JSON, a lone truncation cuts the original text.
    mutating func mutant(of world: FuzzWorld) -> (bytes: [UInt8], operations: [Operation]) {
        let weighted: [Operation] = [.deleteField, .deleteField, .duplicateField, .retype, .retype, .outOfRange, .outOfRange,
                                     .garbageUnit, .garbageUnit, .truncate, .nearMissKey, .nearMissKey]
        let operations = (0..<random.int(in: 1...3)).map { _ in random.pick(weighted) }
        guard operations != [.truncate], var tree = world.tree else { return (truncate(Array(world.text.utf8)), operations) }
        var textDuplicate = false
        for operation in operations {
            switch operation {
            case .deleteField: if !world.paths.isEmpty { Self.delete(random.pick(world.paths), in: &tree) }
            case .duplicateField: if random.chance(0.5) { textDuplicate = true } else { copyField(&tree, world) }
            case .retype: retype(&tree, world)
            case .outOfRange: outOfRange(&tree, world)
            case .garbageUnit: garbleUnit(&tree, world)
            case .truncate: break
            case .nearMissKey: misspellKey(&tree, world)
            }
        }
        var bytes: [UInt8]
        if textDuplicate {
            bytes = Array(duplicateLine(CanonicalJSON.string(tree)).utf8)
        } else {
            bytes = CanonicalJSON.bytes(tree)
        }
        if operations.contains(.truncate) { bytes = truncate(bytes) }
        return (bytes, operations)
    }
}

// MARK: - Checks

/// Collects what the fuzz saw, and checks every result.
private struct FuzzLedger {
    var accepted = 0
    var rejected = 0
    var syntaxErrors = 0
    var problemKinds = Set<String>()
    var doubledSuggestions: [String] = []
    var slowest: Duration = .zero
    var failures = 0

    mutating func fail(_ message: String) {
        failures += 1
        if failures <= 20 { Issue.record(Comment(rawValue: message)) }
    }

    /// Reads `bytes` as `file`, checks the result, and records it; the error, or nil if
    /// the mutant reads.
    @discardableResult
    mutating func read(_ bytes: [UInt8], file: String, recheck: Bool = false) -> WorldError? {
        let clock = ContinuousClock()
        let start = clock.now
        // The two stages of WorldJSON.read, separately, to tell syntax errors apart.
        let result: Result<WorldSpec, WorldError>
        var syntax = false
        do throws(WorldError) {
            let root = try JSONParser.parse(bytes, file: file)
            do throws(WorldError) {
                result = .success(try WorldSpec.reader.read(root, maxDiagnostics: 50))
            } catch {
                result = .failure(error)
            }
        } catch {
            syntax = true
            result = .failure(error)
        }
        let elapsed = clock.now - start
        slowest = max(slowest, elapsed)
        if elapsed >= .seconds(1) { fail("reading took \(elapsed): \(String(decoding: bytes, as: UTF8.self).prefix(300))") }
        if recheck {
            // The whole pipeline gives the same answer, every time.
            let again: String
            do {
                again = "ok " + (try WorldJSON.read(bytes, file: file, with: WorldSpec.reader, maxDiagnostics: 50)).name
            } catch {
                again = error.description
            }
            let first = switch result {
            case .success(let spec): "ok " + spec.name
            case .failure(let error): error.description
            }
            if again != first { fail("WorldJSON.read differs from parse + read, or between runs:\n\(first)\n---\n\(again)") }
        }
        switch result {
        case .success(let spec):
            accepted += 1
            check(spec, file: file)
            return nil
        case .failure(let error):
            rejected += 1
            check(error, bytes: bytes, file: file)
            if syntax {
                syntaxErrors += 1
                if error.diagnostics.count != 1 { fail("a syntax error gives one diagnostic, got \(error)") }
            }
            return error
        }
    }

    /// A world that reads satisfies the schema: no placeholder escaped.
    mutating func check(_ spec: WorldSpec, file: String) {
        func require(_ condition: Bool, _ what: String) {
            if !condition { fail("\(file): accepted world breaks \(what)") }
        }
        require(spec.version == 1, "version == 1")
        require(!spec.name.isEmpty && spec.name.count <= 100 && !spec.name.hasPrefix("."), "the name rule")
        require(!spec.services.isEmpty, "at least one service")
        require(spec.services.map(\.name) == spec.services.map(\.name).sorted(), "services sorted by name")
        for service in spec.services {
            require(service.instances >= 1 && service.workers >= 1 && service.maxWorkers >= service.workers,
                    "sizes of \(service.name)")
            require((service.queueCapacity ?? 0) >= 0, "queue of \(service.name)")
        }
        require(!spec.traffic.journeys.isEmpty && spec.traffic.journeys.allSatisfy { $0.weight > 0 }, "journeys")
        for journey in spec.traffic.journeys {
            if case .request(let name) = journey.kind { require(spec.service(name) != nil, "journey to \(name) exists") }
        }
        let segments = spec.traffic.rate.segments
        require(!segments.isEmpty && segments.dropLast().allSatisfy { $0.duration != nil }, "rate segments")
        require(segments.allSatisfy { $0.from >= 0 && $0.to >= 0 && $0.from.isFinite && $0.to.isFinite }, "rates >= 0")
        require(spec.faults.map(\.at) == spec.faults.map(\.at).sorted(), "faults sorted by time")
        require(spec.duration != nil || spec.traffic.customers != nil || segments.last?.duration != nil
                    || spec.traffic.rate.peak == 0, "a world that stops")
        require(spec.infrastructure.registry.ttl >= spec.infrastructure.registry.heartbeat, "registry ttl >= heartbeat")
        require(spec.catalog.flashItems <= spec.catalog.items, "flash items <= items")
        require(spec.expectations.allSatisfy { !$0.metric.isEmpty }, "expectation metrics")
    }

    /// Every diagnostic is explained, located in the mutant, and rendered with its location.
    mutating func check(_ error: WorldError, bytes: [UInt8], file: String) {
        if error.diagnostics.isEmpty { fail("an error without diagnostics") }
        if error.diagnostics.count > 50 { fail("more diagnostics than the limit: \(error.diagnostics.count)") }
        var previous = -1
        for diagnostic in error.diagnostics {
            let rendered = diagnostic.description
            if diagnostic.message.isEmpty { fail("empty message: \(rendered)") }
            guard case .file(let name) = diagnostic.location.origin, name == file else {
                fail("not located in \(file): \(rendered)")
                continue
            }
            let location = diagnostic.location
            if location.offset < 0 || location.offset > bytes.count { fail("offset outside the input: \(rendered)") }
            let (line, column) = naiveLineColumn(bytes, min(max(location.offset, 0), bytes.count))
            if location.line != line || location.column != column {
                fail("line and column \(location.line):\(location.column) disagree with offset \(location.offset) (\(line):\(column)): \(rendered)")
            }
            if !rendered.hasPrefix("\(file):\(line):\(column): ") { fail("rendering lacks the location: \(rendered)") }
            if let path = diagnostic.path, !path.description.hasPrefix("$") { fail("bad path: \(rendered)") }
            if diagnostic.found == "missing", diagnostic.expected == nil { fail("missing without expected: \(rendered)") }
            if location.offset < previous { fail("diagnostics out of file order: \(error)") }
            previous = location.offset
            if rendered.contains("did you mean \"did you mean") { doubledSuggestions.append(rendered) }
            let kind = diagnostic.message.prefix { $0 != "\"" && $0 != "'" && !$0.isNumber && $0 != "(" }
            problemKinds.insert(kind.split(separator: " ").prefix(4).joined(separator: " "))
        }
    }

    /// Suggestions are rendered once: `(did you mean "x"?)`, never wrapped twice.
    func checkSuggestions() {
        #expect(doubledSuggestions.isEmpty, "\(doubledSuggestions.count) diagnostics, e.g. \(doubledSuggestions.first ?? "")")
    }
}

@Suite("World mutation fuzzing")
struct WorldMutationFuzzTests {
    @Test("the shipped worlds are found and valid")
    func shippedWorldsRead() throws {
        #expect(shippedWorlds.count >= 2, "\(shippedWorlds.map(\.file))")
        #expect(shippedWorlds.contains { $0.file == "worlds/baseline.json" })
        for world in shippedWorlds {
            #expect(world.tree != nil, "\(world.file) parses")
            _ = try WorldJSON.read(Array(world.text.utf8), file: world.file, with: WorldSpec.reader)
        }
    }

    @Test("2,400 seeded random mutants each give a valid spec or located diagnostics, quickly")
    func randomMutants() throws {
        try #require(!shippedWorlds.isEmpty)
        var fuzzer = WorldFuzzer(random: RandomStream(seed: 20_261_122, name: "world-schema-mutants"))
        var ledger = FuzzLedger()
        var byOperation: [WorldFuzzer.Operation: (accepted: Int, rejected: Int)] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        let count = 2_400
        for round in 0..<count {
            let world = shippedWorlds[round % shippedWorlds.count]
            let (bytes, operations) = fuzzer.mutant(of: world)
            let outcome = ledger.read(bytes, file: world.file, recheck: round % 20 == 0)
            for operation in Set(operations) {
                var tally = byOperation[operation] ?? (0, 0)
                if outcome == nil { tally.accepted += 1 } else { tally.rejected += 1 }
                byOperation[operation] = tally
            }
        }
        let elapsed = clock.now - start
        let table = WorldFuzzer.Operation.allCases.map { "\($0.rawValue): \(byOperation[$0]?.accepted ?? 0)/\(byOperation[$0]?.rejected ?? 0)" }
        let summary = "\(count) mutants: \(ledger.accepted) accepted, \(ledger.rejected) rejected (\(ledger.syntaxErrors) syntax), "
            + "\(ledger.problemKinds.count) kinds of problem, slowest \(ledger.slowest), total \(elapsed); accepted/rejected by operation: "
            + table.joined(separator: ", ")
        print("world mutation fuzz: " + summary)
        #expect(ledger.failures == 0, "\(summary)")
        #expect(ledger.accepted + ledger.rejected == count)
        #expect(ledger.accepted >= 120, "both outcomes occur many times: \(summary)")
        #expect(ledger.rejected >= 1_200, "\(summary)")
        #expect(ledger.syntaxErrors >= 200 && ledger.syntaxErrors <= ledger.rejected - 1_000, "syntax and schema errors: \(summary)")
        #expect(ledger.problemKinds.count >= 30, "many different problems: \(ledger.problemKinds.sorted())")
        for operation in WorldFuzzer.Operation.allCases {
            #expect((byOperation[operation]?.rejected ?? 0) >= 40, "\(operation.rawValue) is exercised: \(summary)")
        }
        // Catches a read that blows up (quadratic or worse takes minutes), not a slow
        // machine: a loaded 2-core machine can stall one read for seconds.
        #expect(ledger.slowest < .seconds(60))
        ledger.checkSuggestions()
    }

    @Test("deleting any one field or element of a shipped world never reports an unknown field")
    func everyDeletion() throws {
        var ledger = FuzzLedger()
        var total = 0
        for world in shippedWorlds {
            let tree = try #require(world.tree)
            for path in world.paths {
                var mutant = tree
                WorldFuzzer.delete(path, in: &mutant)
                total += 1
                guard let error = ledger.read(CanonicalJSON.bytes(mutant), file: world.file) else { continue }
                let unknown = error.diagnostics.filter { $0.message.hasPrefix("unknown field") }
                #expect(unknown.isEmpty, "deleting \(path) in \(world.file): \(error)")
            }
        }
        print("world deletion fuzz: \(total) deletions, \(ledger.accepted) accepted, \(ledger.rejected) rejected")
        #expect(ledger.failures == 0)
        #expect(ledger.syntaxErrors == 0, "a tree edit always writes valid JSON")
        #expect(total >= 200 && ledger.accepted > 0 && ledger.rejected > 0, "\(total): \(ledger.accepted)/\(ledger.rejected)")
        ledger.checkSuggestions()
    }

    @Test("misspelling any schema key of a shipped world is reported once, at the key, suggesting the key")
    func everyNearMissKey() throws {
        var ledger = FuzzLedger()
        var total = 0
        var names = 0
        var redundant: [String] = []
        for world in shippedWorlds {
            let tree = try #require(world.tree)
            for path in world.keys {
                guard case .key(let key)? = path.components.last else { continue }
                let typo = WorldFuzzer.nearMiss(key)
                var mutant = tree
                WorldFuzzer.rename(path, to: typo, in: &mutant)
                guard mutant != tree else { continue }  // the object already had a key spelt so
                total += 1
                let error = ledger.read(CanonicalJSON.bytes(mutant), file: world.file)
                // Keys of `services` and of `calls` are names the world chooses, not schema keys.
                let parent = path.parent
                if parent == ["services"] || parent.components.last == .key("calls") {
                    names += 1
                    continue
                }
                guard let error else {
                    Issue.record("renaming \(path) to \"\(typo)\" in \(world.file) was accepted")
                    continue
                }
                let atKey = error.diagnostics.filter { $0.path == parent + typo }
                #expect(atKey.count == 1, "renaming \(path) to \"\(typo)\": \(error)")
                #expect(atKey.first?.message == "unknown field \(CanonicalJSON.quote(typo))", "\(error)")
                #expect(atKey.first?.suggestion == key, "renaming \(path) to \"\(typo)\": \(error)")
                if error.diagnostics.count > 1 { redundant.append(error.description) }
            }
        }
        print("world near-miss fuzz: \(total) renamed keys (\(names) names), \(ledger.rejected) rejected, \(redundant.count) with a redundant diagnostic")
        #expect(ledger.failures == 0)
        #expect(total >= 150 && total - names >= 100, "\(total) keys, \(names) names")
        #expect(redundant.isEmpty, "a misspelt key is the only problem reported: \(redundant)")
    
        ledger.checkSuggestions()
    }

    @Test("every 7th prefix of every shipped world is one located syntax error")
    func everyTruncation() throws {
        var ledger = FuzzLedger()
        var total = 0
        for world in shippedWorlds {
            let bytes = Array(world.text.utf8)
            let complete = bytes.count - bytes.reversed().prefix { [0x20, 0x0A, 0x0D, 0x09].contains($0) }.count
            for length in stride(from: 0, to: complete, by: 7) {
                total += 1
                let prefix = Array(bytes.prefix(length))
                guard let error = ledger.read(prefix, file: world.file) else {
                    Issue.record("a strict prefix of \(world.file) (\(length) bytes) was accepted")
                    continue
                }
                #expect(error.diagnostics.count == 1)
            }
        }
        print("world truncation fuzz: \(total) prefixes")
        #expect(ledger.failures == 0)
        #expect(ledger.syntaxErrors == total && total >= 300, "\(ledger.syntaxErrors) of \(total)")
    }
}
