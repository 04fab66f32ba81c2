import Foundation
import Platform
import SimKernel
import Testing
import World

// The platform must not trap on any valid world: seeded mutants of the shipped worlds
// (numbers, durations, rates and ratios moved around, edges 0 and 1 included; flags and
// enumerations switched; a fault added now and then), kept only when the schema accepts
// them, each run twice (same digest: determinism) with little traffic and an event budget.
// Mutations known to trap are avoided here and pinned in PlatformKnownCrashTests.

/// A shipped world (every `*.json` under worlds/ except schema.json) and its tree.
private struct ShippedWorld {
    let file: String
    let tree: JSONValue
    let hasPlatform: Bool
    /// The whole minute after the world's last fault starts (a shorter duration would
    /// leave a fault that can never fire, which the reader refuses).
    let minutesPastFaults: Int
}

private let fuzzWorlds: [ShippedWorld] = {
    let folder = URL(fileURLWithPath: repositoryRoot).appendingPathComponent("worlds")
    let files = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
        // Not the CI worlds (variants of the tests' small world, 32 of them): with them the
        // 40 rounds would never reach the incident and validation worlds.
        .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") && !$0.hasPrefix("ci/")
                  && ($0 as NSString).lastPathComponent != "schema.json" }
        .sorted()
    return files.compactMap { relative in
        let file = "worlds/" + relative
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(relative).path),
              let tree = try? JSONParser.parse(Array(data), file: file),
              let spec = try? WorldJSON.read(Array(data), file: file, with: WorldSpec.reader)
        else { return nil }
        let lastFault = spec.faults.map(\.at).max() ?? .zero
        return ShippedWorld(file: file, tree: tree, hasPlatform: spec.hasPlatform,
                            minutesPastFaults: Int(lastFault.components.seconds / 60) + 1)
    }
}()

extension RandomStream {
    fileprivate mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + nextInt(below: range.count) }
    fileprivate mutating func chance(_ probability: Double) -> Bool { nextUnit() < probability }
    fileprivate mutating func pick<T>(_ items: [T]) -> T { items[nextInt(below: items.count)] }
}

/// Makes valid mutants by moving quantities within plausible ranges, flipping flags and
/// enumerations, and adding a fault now and then; only mutants the schema accepts run.
private struct ValidMutator {
    var random: RandomStream

    /// Paths of every node below `value`.
    static func paths(_ value: JSONValue, _ path: JSONPath = .root, into result: inout [JSONPath]) {
        if !path.components.isEmpty { result.append(path) }
        switch value.kind {
        case .object(let object): for member in object.members { paths(member.value, path + member.key, into: &result) }
        case .array(let elements): for (index, element) in elements.enumerated() { paths(element, path + index, into: &result) }
        default: break
        }
    }

    /// Sets the node at `path` (creating the last key of an existing object).
    static func set(_ value: JSONValue, at path: ArraySlice<JSONPath.Component>, in node: inout JSONValue) {
        guard let first = path.first else {
            node = value
            return
        }
        switch (node.kind, first) {
        case (.object(var object), .key(let key)):
            var child = object[key] ?? .null
            if path.count > 1 && object[key] == nil { return }
            set(value, at: path.dropFirst(), in: &child)
            object[key] = child
            node.kind = .object(object)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            set(value, at: path.dropFirst(), in: &elements[index])
            node.kind = .array(elements)
        default:
            break
        }
    }

    /// Fields whose value the test controls, or that are not quantities.
    static func isQuantity(_ path: JSONPath) -> Bool {
        guard let first = path.components.first else { return false }
        let excluded: Set<JSONPath.Component> = ["version", "expect", "max_events", "name", "description"]
        return !excluded.contains(first) && path != ["traffic", "customers"]
    }

    /// A nearby value of the same kind (number, duration, rate, ratio), or nil.
    mutating func nudge(_ value: JSONValue, at path: JSONPath) -> JSONValue? {
        switch value.kind {
        case .number(let number):
            if let integer = number.int {
                // Edges (0 and 1) are where the bugs are; the schema drops the invalid ones.
                return .int(random.pick([0, 1, 2, max(1, integer / 2), integer + 1, max(0, integer - 1), integer * 2,
                                         random.int(in: 0...max(2, 2 * integer))]))
            }
            let x = number.double
            return .double(random.pick([0, x / 2, x * 1.5, x * 2, min(1, x * 10), random.nextUnit() * max(1, 2 * x)]))
        case .string(let text):
            if let nanoseconds = try? DurationText.parseNanoseconds(text), nanoseconds > 0 {
                // A lock_ttl within the 2 ms drift allowance traps (PlatformKnownCrashTests).
                if random.chance(0.15), path.components.last != "lock_ttl" { return .string(random.pick(["0", "1ns", "1ms"])) }
                let factor = random.pick([0.05, 0.25, 0.5, 2, 3])
                return .string(DurationText.format(nanoseconds: max(1_000_000, Int64(Double(nanoseconds) * factor))))
            }
            if text.contains("/"), let perSecond = try? RateText.parse(text) {
                return .string(RateText.format(perSecond: perSecond * random.pick([0.25, 0.5, 2, 4])))
            }
            if text.hasSuffix("%"), (try? RatioText.parse(text)) != nil {
                // A breaker's rate of 0 traps (PlatformKnownCrashTests); other ratios may be 0.
                let breakerRate = path.components.last == "failure_rate" || path.components.last == "slow_rate"
                return .double(random.pick(breakerRate ? [0.01, 0.1, 0.5, 0.9, 1] : [0, 0.01, 0.1, 0.5, 0.9, 1]))
            }
            return nil
        default:
            return nil
        }
    }

    /// One candidate mutant of `world`: 2 to 6 nudges, sometimes a resized service.
    mutating func candidate(of world: ShippedWorld) -> (tree: JSONValue, changes: [String]) {
        var tree = world.tree
        var all: [JSONPath] = []
        Self.paths(tree, into: &all)
        var probe = self
        let quantities = all.filter { Self.isQuantity($0) && probe.nudge(tree[$0]!, at: $0) != nil }
        var changes: [String] = []
        for _ in 0..<random.int(in: 2...6) where !quantities.isEmpty {
            let path = random.pick(quantities)
            guard let value = tree[path], let nudged = nudge(value, at: path) else { continue }
            Self.set(nudged, at: path.components[...], in: &tree)
            changes.append("\(path)=\(CanonicalJSON.string(nudged, style: .compact))")
        }
        if random.chance(0.4), let services = tree["services"]?.objectValue, !services.isEmpty {
            let name = random.pick(services.keys)
            let resize: [(String, JSONValue)] = [
                ("instances", .int(random.int(in: 1...4))), ("workers", .int(random.int(in: 1...32))),
                ("queue", random.pick([.int(0), .int(1), .int(8), .int(256), "unbounded"])),
                ("balancer", random.pick(["round-robin", "least-outstanding"])),
            ]
            let (field, value) = random.pick(resize)
            Self.set(value, at: ["services", .key(name), .key(field)], in: &tree)
            changes.append("services.\(name).\(field)=\(CanonicalJSON.string(value, style: .compact))")
        }
        for _ in 0..<random.int(in: 0...2) {
            // Another value of a setting with a few choices: a flag or an enumeration.
            let choices = all.compactMap { path -> (JSONPath, [JSONValue])? in
                guard let value = tree[path], case .key(let key)? = path.components.last else { return nil }
                if value.boolValue != nil { return (path, [true, false]) }
                return Self.alternatives[key].map { (path, $0) }
            }
            guard !choices.isEmpty else { break }
            let (path, options) = random.pick(choices)
            let value = random.pick(options)
            Self.set(value, at: path.components[...], in: &tree)
            changes.append("\(path)=\(CanonicalJSON.string(value, style: .compact))")
        }
        if random.chance(0.5), let fault = randomFault(tree) {
            let faults = (tree["faults"]?.arrayValue ?? []) + [fault]
            Self.set(.array(faults), at: ["faults"], in: &tree)
            changes.append("faults+=\(CanonicalJSON.string(fault, style: .compact))")
        }
        return (tree, changes)
    }

    /// The values of the world's enumerations, by key.
    static let alternatives: [String: [JSONValue]] = [
        "intake": ["sync", "queued"], "locking": ["distributed", "row", "none"],
        "jitter": ["none", "full", "equal", "decorrelated"], "window": ["count", "time"],
        "balancer": ["round-robin", "least-outstanding"], "overflow": ["drop-head", "reject-publish"],
    ]

    /// A fault of a random kind in the first minutes, naming things the world has.
    mutating func randomFault(_ tree: JSONValue) -> JSONValue? {
        guard let services = tree["services"]?.objectValue, !services.isEmpty else { return nil }
        let service = random.pick(services.keys)
        let instances = services[service]?["instances"]?.numberValue?.int ?? 1
        let target = random.chance(0.5) ? service : "\(service)#\(random.int(in: 0...max(0, instances - 1)))"
        let at = JSONValue.string("\(random.int(in: 0...300))s")
        let lasting = JSONValue.string("\(random.int(in: 5...120))s")
        let callee = random.pick([service, "payment_gateway", "wechat"])
        switch random.nextInt(below: 8) {
        case 0: return ["at": at, "kind": "latency", "target": .string(callee), "extra": "200ms", "for": lasting]
        case 1: return ["at": at, "kind": "errors", "target": .string(callee), "ratio": .double(random.pick([0.1, 0.5, 1])), "for": lasting]
        case 2: return ["at": at, "kind": "crash", "target": .string(target),
                        "restart_after": random.chance(0.7) ? .string("\(random.int(in: 1...60))s") : .null]
        case 3: return ["at": at, "kind": "pause", "target": .string(target), "for": lasting]
        case 4: return ["at": at, "kind": "cache_flush"]
        case 5:
            let other = random.pick(services.keys)
            return other == service ? nil : ["at": at, "kind": "partition", "between": [.string(service), .string(other)], "for": lasting]
        case 6: return ["at": at, "kind": "database_slowdown", "factor": .double(random.pick([0.5, 2, 10])), "for": lasting]
        default: return ["at": at, "kind": "surge", "factor": .double(random.pick([0.5, 2, 5])), "for": lasting]
        }
    }
}

/// One run's figures that must repeat exactly.
private struct RunFigures: Equatable {
    var digest: UInt64
    var stop: String
    var endTime: Int64
    var events: Int
    var jobs: Int
    var invariants: InvariantReport

    init(_ outcome: WorldOutcome) {
        digest = outcome.result.digest
        stop = outcome.result.stop.label
        endTime = outcome.result.endTime
        events = outcome.result.events
        jobs = outcome.result.jobs
        invariants = outcome.invariants
    }
}

@Suite("Platform fuzzing")
struct PlatformFuzzTests {
    /// Whether `spec` keeps every defence the invariants rely on: idempotent order
    /// creation and deduction, stock protected by a fenced lock, a row lock or a guarded
    /// write (Redlock has no fencing token), idempotency keys on charges, and a lock per
    /// rider. The incident worlds switch one off to show what breaks.
    static func keepsEveryDefence(_ spec: WorldSpec) -> Bool {
        guard spec.hasPlatform else { return false }
        for service in spec.services {
            switch service.options {
            case .order(let order) where !order.idempotency: return false
            case .inventory(let inventory):
                let stockSafe = (inventory.locking == .distributed && inventory.fencing) || inventory.locking == .row
                    || inventory.guardedDeduction
                if !stockSafe || !inventory.idempotency { return false }
            case .payment(let payment) where !payment.idempotencyKey: return false
            case .dispatch(let dispatch) where !dispatch.riderLock: return false
            default: continue
            }
        }
        return true
    }

    @Test("40 valid mutants of the shipped worlds run to a stop, twice with the same digest")
    func validMutantsRun() throws {
        try #require(!fuzzWorlds.isEmpty)
        #expect(fuzzWorlds.contains { $0.hasPlatform } && fuzzWorlds.contains { !$0.hasPlatform })
        var mutator = ValidMutator(random: RandomStream(seed: 4_242, name: "platform-fuzz"))
        let clock = ContinuousClock()
        let start = clock.now
        var stops: [String: Int] = [:]
        var rejectedCandidates = 0
        var violations = 0
        var defended = 0
        var slowest: (Duration, String) = (.zero, "")
        for round in 0..<40 {
            let world = fuzzWorlds[round % fuzzWorlds.count]
            // Little traffic and a budget keep each run short; sometimes a short duration too.
            var overrides = ["traffic.customers=\(world.hasPlatform ? mutator.random.int(in: 10...60) : mutator.random.int(in: 50...300))",
                             "max_events=300000"]
            if mutator.random.chance(0.3) {
                overrides.append("duration=\(max(mutator.random.int(in: 2...10), world.minutesPastFaults))m")
            }
            var accepted: (spec: WorldSpec, changes: [String])?
            for _ in 0..<25 where accepted == nil {
                let (tree, changes) = mutator.candidate(of: world)
                do {
                    let spec = try WorldJSON.read(CanonicalJSON.bytes(tree), file: world.file, overrides: overrides,
                                                  with: WorldSpec.reader)
                    accepted = (spec, changes)
                } catch {
                    rejectedCandidates += 1
                }
            }
            let (spec, changes) = try #require(accepted, "no valid mutant of \(world.file) in 25 tries")
            let label = "\(world.file) with \((changes + overrides).joined(separator: " "))"
            let runStart = clock.now
            let first = RunFigures(try runWorld(spec))
            let second = RunFigures(try runWorld(spec))
            let elapsed = clock.now - runStart
            if elapsed > slowest.0 { slowest = (elapsed, label) }
            #expect(first == second, "same world, same figures: \(label)")
            stops[first.stop, default: 0] += 1
            #expect(first.stop != "violation", "determinism violated: \(label)")
            let report = first.invariants
            if Self.keepsEveryDefence(spec) {
                // Whatever the load, the timings and the faults, a platform with every
                // defence on keeps every invariant.
                defended += 1
                let broken = report.violations.filter { $0.count > 0 }
                #expect(broken.isEmpty, "every defence on, yet \(broken.map { "\($0.name) \($0.count)" }): \(label)")
            }
            violations += report.violations.reduce(0) { $0 + $1.count }
        }
        let elapsed = clock.now - start
        print("platform fuzz: 40 mutants (\(rejectedCandidates) invalid candidates skipped), stops \(stops.sorted { $0.key < $1.key }), "
              + "\(violations) invariant violations (\(defended) mutants with every defence on), total \(elapsed), slowest pair \(slowest.0): \(slowest.1)")
        #expect(stops.values.reduce(0, +) == 40)
        #expect(defended >= 10, "the invariants were asserted for \(defended) mutants with every defence on")
        #expect(stops.count >= 2, "runs end in different ways: \(stops)")
    }
}

/// Worlds at the edges the fuzzer found: extreme values that once trapped the platform.
/// The reader now refuses the ones no world needs; the rest run, each in a child process
/// (an exit test), so a trap would be observed instead of killing the test run.
@Suite("Platform edge cases")
struct PlatformEdgeCaseTests {
    @Test("a request journey to a platform service next to customer journeys runs")
    func requestToPlatformService() async {
        await #expect(processExitsWith: .success) {
            let spec = try loadWorld("worlds/baseline.json", overrides: [
                "traffic.customers=20", #"traffic.journeys=[{"kind": "order"}, {"kind": "request", "service": "menu"}]"#])
            _ = try runWorld(spec)
        }
    }

    @Test("a heavy-tailed network and database latency run (saturating arithmetic)")
    func heavyTails() async {
        await #expect(processExitsWith: .success) {
            let spec = try loadWorld("worlds/baseline.json", overrides: [
                "traffic.customers=20", "max_events=200000",
                #"infrastructure={"network_latency": {"lognormal": {"mu": 0, "sigma": 7}}, "database": {"read": {"lognormal": {"mu": 0, "sigma": 20}}}}"#,
                #"faults=[{"at": "0", "kind": "database_slowdown", "factor": 1000000, "for": "1m"}]"#])
            _ = try runWorld(spec)
        }
    }

    @Test("a huge sampled number of menu pages is capped")
    func hugeBrowsePages() async {
        await #expect(processExitsWith: .success) {
            let spec = try loadWorld("worlds/baseline.json", overrides: [
                "traffic.customers=5", "max_events=200000", "traffic.app.browse_pages=1e19"])
            _ = try runWorld(spec)
        }
    }

    @Test("values no world needs are refused by the reader, with the field named", arguments: [
        ("services.order.calls.inventory.breaker.failure_rate=0", "$.services.order.calls.inventory.breaker.failure_rate", "a ratio above 0"),
        ("services.order.calls.inventory.breaker.slow_rate=0%", "$.services.order.calls.inventory.breaker.slow_rate", "a ratio above 0"),
        ("services.gateway.limits.order.rate=1e20/s", "$.services.gateway.limits.order.rate", "at most 1000000/s"),
        ("services.inventory.lock_ttl=1ms", "$.services.inventory.lock_ttl", "10ms"),
        (#"faults=[{"at": "1m", "kind": "surge", "factor": 1e6, "for": "1m"}]"#, "$.faults[0].factor", "at most 100"),
        (#"faults=[{"at": "1m", "kind": "database_slowdown", "factor": 1e300, "for": "1m"}]"#, "$.faults[0].factor", "at most 1000000"),
    ])
    func refused(_ override: String, _ path: String, _ expected: String) {
        do {
            _ = try loadWorld("worlds/baseline.json", overrides: [override])
            Issue.record("\(override) was accepted")
        } catch let error as WorldError {
            #expect(error.diagnostics.first?.path?.description == path, "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("surges that together multiply the rate by more than 1000 are refused")
    func combinedSurges() throws {
        let surges = #"faults=[{"at": "1m", "kind": "surge", "factor": 50, "for": "1m"}, {"at": "1m", "kind": "surge", "factor": 50, "for": "1m"}]"#
        #expect(throws: WorldError.self) { _ = try loadWorld("worlds/baseline.json", overrides: [surges]) }
    }
}
