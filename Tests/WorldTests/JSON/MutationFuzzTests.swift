import SimKernel
import Testing
@testable import World

/// Seeded mutations of realistic world files: every mutant must give a value or located
/// diagnostics, never a trap or a hang.
struct Mutator {
    var random: RandomStream

    /// Values that break schemas in typical ways: wrong types, out-of-range numbers,
    /// malformed durations, rates, ratios and distributions.
    static let palette: [JSONValue] = [
        "eight", 3.5, -1, 0, 1e308, -1e308, JSONValue(.number(JSONNumber(Int64.max))), JSONValue(.number(JSONNumber(Int64.min))),
        [:], [], nil, true, false, "", "1h30q", "-5s", "2562048h", "0.5ns", "120%", "-5%", "7.2", "7.2/sec", "0/s",
        ["exp": "0"], ["uniform": ["30ms", "10ms"]], ["lognormal": ["median": "20ms"]], ["pareto": ["scale": "1s", "shape": 0]],
        ["empirical": []], ["empirical": ["values": [1], "weights": [-1]]], ["exp": "1s", "normal": [:]],
        ["kind": "crush"], [["kind": "crash", "service": "x", "at": "1m"]], "\u{0}\u{7F}é😀", "fifo", "lifo",
    ]

    mutating func pick<T>(_ items: [T]) -> T { items[random.nextInt(below: items.count)] }

    // MARK: Tree mutations

    /// Every path in `value`, root first.
    static func paths(_ value: JSONValue) -> [JSONPath] {
        var result: [JSONPath] = []
        var pending: [(JSONPath, JSONValue)] = [(.root, value)]
        while let (path, node) = pending.popLast() {
            result.append(path)
            switch node.kind {
            case .object(let object):
                for member in object.members { pending.append((path + member.key, member.value)) }
            case .array(let elements):
                for (index, element) in elements.enumerated() { pending.append((path + index, element)) }
            default: break
            }
        }
        return result
    }

    enum TreeEdit { case retype, delete, duplicate, renameKey, extreme }

    mutating func mutateTree(_ root: JSONValue) -> JSONValue {
        var root = root
        let paths = Self.paths(root).filter { !$0.components.isEmpty }
        guard !paths.isEmpty else { return root }
        let path = pick(paths)
        let edit = pick([TreeEdit.retype, .retype, .delete, .duplicate, .renameKey, .extreme])
        let replacement = pick(Self.palette)
        let typo = random.nextInt(below: 4)
        let extra = Character(Unicode.Scalar(UInt8(0x61 + random.nextInt(below: 26))))
        Self.edit(&root, at: path.components[...]) { parent, last in
            switch (parent.kind, last) {
            case (.object(var object), .key(let key)):
                guard let value = object[key] else { return }
                switch edit {
                case .retype: object[key] = replacement
                case .delete: object[key] = nil
                case .duplicate: object[Self.misspell(key, typo, extra)] = value
                case .renameKey:
                    object[key] = nil
                    object[Self.misspell(key, typo, extra)] = value
                case .extreme: object[key] = Self.extreme(value, typo)
                }
                parent.kind = .object(object)
            case (.array(var elements), .index(let index)) where elements.indices.contains(index):
                switch edit {
                case .retype, .renameKey: elements[index] = replacement
                case .delete: elements.remove(at: index)
                case .duplicate: elements.insert(elements[index], at: index)
                case .extreme: elements[index] = Self.extreme(elements[index], typo)
                }
                parent.kind = .array(elements)
            default:
                break
            }
        }
        return root
    }

    /// Applies `change` to the parent of the node at `path`, passing the last step.
    static func edit(
        _ node: inout JSONValue, at path: ArraySlice<JSONPath.Component>,
        _ change: (inout JSONValue, JSONPath.Component) -> Void
    ) {
        guard let first = path.first else { return }
        if path.count == 1 {
            change(&node, first)
            return
        }
        switch (node.kind, first) {
        case (.object(var object), .key(let key)):
            guard var child = object[key] else { return }
            edit(&child, at: path.dropFirst(), change)
            object[key] = child
            node.kind = .object(object)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            edit(&elements[index], at: path.dropFirst(), change)
            node.kind = .array(elements)
        default:
            break
        }
    }

    static func misspell(_ key: String, _ how: Int, _ extra: Character) -> String {
        var characters = Array(key)
        switch how {
        case 0 where !characters.isEmpty: characters.removeLast()
        case 1: characters.append(extra)
        case 2 where characters.count >= 2: characters.swapAt(0, 1)
        default: characters.insert(extra, at: 0)
        }
        return String(characters)
    }

    static func extreme(_ value: JSONValue, _ which: Int) -> JSONValue {
        switch value.kind {
        case .number: return [JSONValue.int(0), .int(-1), .double(1e300), .int(Int.max)][which]
        case .string: return ["0", "2562047h47m16.854775808s", "1e999/s", "100.0001%"][which]
        case .array(let elements): return which % 2 == 0 ? [] : .array(elements + elements + elements)
        default: return [:]
        }
    }

    // MARK: Text mutations

    mutating func mutateText(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [pick([0x7B, 0x5B, 0x22, 0xFF])] }
        var bytes = bytes
        let position = random.nextInt(below: bytes.count)
        let length = 1 + random.nextInt(below: min(24, bytes.count - position))
        switch random.nextInt(below: 7) {
        case 0: // delete a range
            bytes.removeSubrange(position..<(position + length))
        case 1: // duplicate a range in place
            bytes.insert(contentsOf: bytes[position..<(position + length)], at: position)
        case 2: // truncate
            bytes.removeSubrange(position...)
        case 3: // insert a troublesome byte
            bytes.insert(pick([0x2C, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x00, 0x0A, 0x09, 0x80, 0xC3, 0xED, 0xFF, 0x2D, 0x30, 0x2E, 0x65]), at: position)
        case 4: // replace a byte
            bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 5: // duplicate a whole line (duplicate keys, missing commas)
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            var copy = lines
            let line = random.nextInt(below: lines.count)
            copy.insert(lines[line], at: line)
            bytes = Array(copy.joined(separator: [0x0A]))
        default: // swap two adjacent bytes
            if position + 1 < bytes.count { bytes.swapAt(position, position + 1) }
        }
        return bytes
    }

    /// 1 to 3 mutations, on the tree, the text, or both.
    mutating func mutant(of text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for _ in 0..<(1 + random.nextInt(below: 3)) {
            if random.nextInt(below: 2) == 0, let tree = try? JSONParser.parse(bytes, file: "m") {
                bytes = CanonicalJSON.bytes(mutateTree(tree))
            } else {
                bytes = mutateText(bytes)
            }
        }
        return bytes
    }
}

@Suite("Mutation fuzzing")
struct MutationFuzzTests {
    /// Checks the invariants of a diagnostic about `bytes` read from `file`.
    func checkDiagnostic(_ diagnostic: WorldDiagnostic, _ bytes: [UInt8], file: String) {
        #expect(!diagnostic.message.isEmpty)
        let rendered = diagnostic.description
        switch diagnostic.location.origin {
        case .file(let name):
            #expect(name == file)
            #expect(rendered.hasPrefix("\(file):\(diagnostic.location.line):\(diagnostic.location.column): "))
            #expect(diagnostic.location.offset >= 0 && diagnostic.location.offset <= bytes.count)
            let (line, column) = naiveLineColumn(bytes, diagnostic.location.offset)
            #expect(diagnostic.location.line == line && diagnostic.location.column == column, "\(rendered)")
        case .override(let index):
            #expect(rendered.hasPrefix("--set #\(index): "))
        case .synthesized:
            Issue.record("a diagnostic about input must not be synthesized: \(rendered)")
        }
        if let path = diagnostic.path { #expect(path.description.hasPrefix("$")) }
        if diagnostic.found == "missing" { #expect(diagnostic.expected != nil) }
    }

    /// Placeholders must never escape: a successful read satisfies the schema.
    func checkWorld(_ world: SampleWorld) {
        #expect(!world.name.isEmpty && world.seed >= 0 && world.duration >= .seconds(1) && world.rate > 0)
        #expect(!world.services.isEmpty && world.tags.count <= 8)
        for (_, service) in world.services {
            #expect((1...100_000).contains(service.workers) && service.queue >= 0)
        }
    }

    @Test("3,000 seeded mutants of realistic worlds each give a value or located diagnostics, quickly")
    func mutants() throws {
        var mutator = Mutator(random: RandomStream(seed: 20_241_122, name: "world-mutants"))
        let clock = ContinuousClock()
        let start = clock.now
        var succeeded = 0
        var failed = 0
        var syntax = 0
        var messages = Set<String>()
        for round in 0..<3_000 {
            let (file, text) = SampleDocuments.all[round % SampleDocuments.all.count]
            let bytes = mutator.mutant(of: text)
            let parsed = try? JSONParser.parse(bytes, file: file)
            if parsed == nil { syntax += 1 }
            do {
                let world = try WorldJSON.read(bytes, file: file, with: SampleWorld.reader, maxDiagnostics: 50)
                checkWorld(world)
                succeeded += 1
            } catch {
                failed += 1
                #expect(!error.diagnostics.isEmpty)
                #expect(error.diagnostics.count <= 50)
                for diagnostic in error.diagnostics {
                    checkDiagnostic(diagnostic, bytes, file: file)
                    // The kind of problem: its first words up to a quote or digit ("unknown field", "expected an integer between").
                    let kind = diagnostic.message.prefix { $0 != "\"" && $0 != "'" && !$0.isNumber }
                    messages.insert(kind.split(separator: " ").prefix(4).joined(separator: " "))
                }
            }
            if let parsed {
                let written = CanonicalJSON.bytes(parsed)
                let reparsed = try JSONParser.parse(written, file: "out.json")
                #expect(reparsed == parsed)
                #expect(CanonicalJSON.bytes(reparsed) == written)
            }
        }
        #expect(succeeded + failed == 3_000)
        #expect(succeeded > 30, "some mutations (comments, tags, optional fields) leave a valid world")
        #expect(failed > 1_500)
        #expect(syntax > 300 && syntax < 2_900, "both syntax and schema errors are exercised")
        print("mutation fuzz: \(succeeded) valid, \(failed) invalid (\(syntax) syntax errors), \(messages.count) kinds of problem")
        #expect(messages.count > 25, "many different problems are found, got \(messages.count)")
        // Only a blow-up (quadratic reading takes hours) fails this: a parallel test run on
        // two loaded cores can take minutes over what is seconds alone.
        #expect(clock.now - start < .seconds(600))
    }

    @Test("1,000 seeded random --set arguments give a value or diagnostics")
    func overrides() throws {
        var mutator = Mutator(random: RandomStream(seed: 99, name: "world-overrides"))
        let root = try JSONParser.parse(SampleDocuments.incident, file: "worlds/incident.json")
        let paths = Mutator.paths(root).filter { !$0.components.isEmpty }
        let values = ["8", "eight", "12m", "7.2/s", "null", "[]", "{}", #"{"exp": "1s"}"#, "-1", "1e999", "\"x", "{", "20%", ""]
        var applied = 0
        for _ in 0..<1_000 {
            var path = mutator.pick(paths).description
            switch mutator.random.nextInt(below: 5) {
            case 0: path = String(path.dropLast())
            case 1: path += "[7]"
            case 2: path += ".extra"
            default: break
            }
            let argument = path + "=" + mutator.pick(values)
            do {
                let patched = try Override.apply([argument], to: root)
                applied += 1
                do {
                    checkWorld(try SampleWorld.reader.read(patched))
                } catch {
                    for diagnostic in error.diagnostics {
                        checkDiagnostic(diagnostic, Array(SampleDocuments.incident.utf8), file: "worlds/incident.json")
                    }
                }
            } catch {
                #expect(error.diagnostics.count == 1)
                #expect(error.description.hasPrefix("--set #1: "))
            }
        }
        #expect(applied > 300)
    }

    @Test("random bytes never trap the parser (2,000 seeded inputs)")
    func randomBytes() {
        var random = RandomStream(seed: 5, name: "random-bytes")
        let alphabet = Array(#"{}[]:,"\0123456789-+.eEtruefalsnl \#n\#tµ"#.utf8) + [0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for _ in 0..<2_000 {
            let length = random.nextInt(below: 64)
            let bytes = (0..<length).map { _ in alphabet[random.nextInt(below: alphabet.count)] }
            if let error = parseFailure(bytes) {
                #expect(error.diagnostics.count == 1)
                checkDiagnostic(error.diagnostics[0], bytes, file: "w.json")
            }
        }
    }
}
