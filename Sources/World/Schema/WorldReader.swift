import SimKernel

/// The world language, version 1: how each part of a world file is read and checked.
///
/// The reference for every field (unit, default, meaning) is docs/worlds.md; the JSON
/// Schema for editors is worlds/schema.json. Keys are snake_case.
extension WorldSpec {
    /// Reads a whole world document.
    public static let reader = ValueReader<WorldSpec>.object { o in
        _ = o.required("version", ValueReader<Int>.integer.satisfying("the version 1 (the only version of the world language)") { $0 == 1 })
        let name = o.required("name", WorldSpec.nameReader)
        let description = o.optional("description", .string, default: "")
        let seed = o.optional("seed", .integer(in: 0...), default: 1)
        let duration = o.optional("duration", .duration(atLeast: .nanoseconds(1)))
        let maxEvents = o.optional("max_events", .integer(in: 1...))
        let metrics = o.optional("metrics", MetricsSpec.reader, default: MetricsSpec())
        let services = o.required("services", ServiceSpec.servicesReader)
        let traffic = o.required("traffic", TrafficSpec.reader)
        let catalog = o.optional("catalog", CatalogSpec.reader, default: CatalogSpec())
        let merchants = o.optional("merchants", MerchantsSpec.reader, default: MerchantsSpec())
        let riders = o.optional("riders", RidersSpec.reader, default: RidersSpec())
        let dependencies = o.optional("dependencies", WorldSpec.dependenciesReader, default: WorldSpec.defaultDependencies)
        let infrastructure = o.optional("infrastructure", InfrastructureSpec.reader, default: InfrastructureSpec())
        let faults = o.optional("faults", .array(of: FaultSpec.reader), default: [])
        let expectations = o.optional("expect", .array(of: Expectation.reader), default: [])
        let limits = o.optional("limits", LimitsSpec.reader, default: LimitsSpec())
        if !o.hasProblems {
            WorldSpec.checkReferences(o, services: services, traffic: traffic, faults: faults)
            WorldSpec.checkFaultTimes(o, duration: duration, faults: faults)
            // A misspelt "duration" is reported once, as an unknown key near it.
            let durationMisspelt = o.hasNearMiss(of: "duration")
            if traffic.customers == nil && duration == nil && traffic.rate.segments.last?.duration == nil
                && traffic.rate.peak > 0 && !durationMisspelt {
                o.reject("duration", expected: "a duration, or traffic.customers, or a rate profile that ends",
                         detail: "without one of them the world would never stop")
            }
            if let bad = traffic.badTraffic, duration == nil, bad.segments.last?.duration == nil, bad.peak > 0, !durationMisspelt {
                o.reject("duration", expected: "a duration, or a bad_traffic profile that ends",
                         detail: "bad traffic that never ends would keep the world running forever")
            }
            if traffic.badTraffic != nil, !services.contains(where: { $0.role == .menu }) {
                o.reject("traffic", expected: "bad_traffic only in worlds with a menu service (it asks for products)")
            }
        }
        var world = WorldSpec(
            name: name, description: description, seed: UInt64(seed), duration: duration,
            maxEvents: maxEvents, metrics: metrics, traffic: traffic,
            services: services.sorted { $0.name < $1.name }, catalog: catalog, merchants: merchants,
            riders: riders, dependencies: dependencies, infrastructure: infrastructure,
            faults: faults.sorted { $0.at < $1.at }, expectations: expectations)
        world.limits = limits
        return world
    }

    /// A world name: it names an output folder, so letters, digits, `-`, `_` and `.` only.
    static let nameReader = ValueReader<String>.nonEmptyString.satisfying(
        "a name of letters, digits, '-', '_' or '.' (it names the output folder)"
    ) { name in
        name.count <= 100 && name.first != "." && name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0)
        }
    }
}

extension ObjectReader {
    /// Reports a problem at a value nested below this object (`"traffic", "journeys", 1,
    /// "service"`), so that the message points at the offending value itself.
    func reject(at components: [JSONPath.Component], expected: String, detail: String? = nil, suggestion: String? = nil) {
        var node: JSONValue? = value
        var path = self.path
        for component in components {
            path = path.appending(component)
            switch component {
            case .key(let key): node = node?[key]
            case .index(let index): node = node?[index]
            }
        }
        guard let node else {
            report(expected, suggestion: suggestion)
            return
        }
        log.add(.mismatch(node, at: path, expected: expected, detail: detail, suggestion: suggestion))
    }
}

extension WorldSpec {
    /// Cross-references: journeys, faults and call policies must name things that exist,
    /// and an order journey needs the platform's services.
    static func checkReferences(_ o: ObjectReader, services: [ServiceSpec], traffic: TrafficSpec, faults: [FaultSpec]) {
        let names = services.map(\.name)
        func suggestion(_ name: String, _ candidates: [String]) -> String? {
            // The name itself is never a suggestion ("wechat" did not mean "wechat").
            NearestName.nearest(to: name, in: candidates.filter { $0 != name })
        }
        for (index, journey) in traffic.journeys.enumerated() {
            switch journey.kind {
            case .request(let target):
                if !names.contains(target) {
                    o.reject(at: ["traffic", "journeys", .index(index), "service"], expected: "the name of a service of this world",
                             detail: "no service is named \"\(target)\"", suggestion: suggestion(target, names))
                }
            case .order, .browse, .flashSale:
                let needed: [ServiceRole] = journey.kind == .browse ? [.gateway, .auth, .menu]
                    : [.gateway, .auth, .menu, .order, .inventory, .payment, .dispatch, .notification]
                let missing = needed.filter { role in !services.contains { $0.role == role } }
                let kindName = journey.kind == .order ? "an order" : journey.kind == .browse ? "a browse" : "a flash_sale"
                if !missing.isEmpty {
                    o.reject(at: ["traffic", "journeys", .index(index), "kind"],
                             expected: "a journey whose services the world has (\(kindName) journey uses the platform)",
                             detail: "services missing: " + missing.map(\.rawValue).joined(separator: ", "))
                }
            }
        }
        let instanceNames = services.flatMap { service in (0..<service.instances).map { "\(service.name)#\($0)" } }
        let infrastructure = WorldSpec.infrastructureNames
        let targets = names + WorldSpec.dependencyNames + infrastructure
        for (index, fault) in faults.enumerated() {
            var candidates = targets + instanceNames
            var expectation = "a service, an instance (\"order#0\"), a dependency or a piece of infrastructure (\"database\", \"cache\", \"broker\", \"locks\") of this world"
            let target: String?
            switch fault.kind {
            case .latency(let name, _): target = targets.contains(name) || name == "dns" ? nil : name
            case .errors(let name, _): target = targets.contains(name) ? nil : name
            case .crash(let name, _):
                target = names.contains(name) || instanceNames.contains(name) || infrastructure.contains(name) ? nil : name
            case .pause(let name):
                target = names.contains(name) || instanceNames.contains(name) ? nil : name
            case .slowdown(let name, _):
                target = infrastructure.contains(name) || name == "dns" ? nil : name
                expectation = "a piece of infrastructure (\"database\", \"cache\", \"broker\", \"locks\") or \"dns\""
                candidates = infrastructure + ["dns"]
            case .partition(let a, let b):
                let ends = names + infrastructure
                target = !ends.contains(a) ? a : !ends.contains(b) ? b : nil
                if target == nil, a == b {
                    o.reject(at: ["faults", .index(index), "between"], expected: "two different services",
                             detail: "\"\(a)\" cannot be cut from itself")
                }
            case .cacheFlush, .databaseSlowdown, .surge, .poison: target = nil
            }
            if let target {
                var field: JSONPath.Component = "target"
                if case .partition = fault.kind { field = "between" }
                let exists = (targets + instanceNames).contains(target)
                o.reject(at: ["faults", .index(index), field], expected: expectation,
                         detail: exists ? "\"\(target)\" cannot take this kind of fault" : "nothing is named \"\(target)\"",
                         suggestion: suggestion(target, candidates))
            }
        }
        // Names: they become metric prefixes and fault targets.
        for service in services {
            let valid = !service.name.isEmpty && service.name != "default"
                && !WorldSpec.dependencyNames.contains(service.name) && !WorldSpec.infrastructureNames.contains(service.name)
                && service.name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
            if !valid {
                o.reject(at: ["services", .key(service.name)],
                         expected: "a service named with lowercase letters, digits, '_' or '-', other than \"default\", \"wechat\", \"payment_gateway\" and the infrastructure's names (\"database\", \"cache\", \"broker\", \"locks\")",
                         detail: "the name is \"\(service.name)\"")
            }
        }
        for role in ServiceRole.allCases where role != .generic {
            let playing = services.filter { $0.role == role }.map(\.name)
            if playing.count > 1 {
                o.reject(at: ["services", .key(playing[1])], expected: "at most one service per platform role",
                         detail: "\(playing.joined(separator: " and ")) both play \(role.rawValue)")
            }
        }
        var surge = 1.0
        for fault in faults { if case .surge(let factor) = fault.kind { surge *= max(factor, 1) } }
        if surge > 1_000 {
            o.reject("faults", expected: "surges that together multiply the arrival rate by at most 1000",
                     detail: "together they allow \(surge)×")
        }
        for service in services {
            for callee in service.calls.byCallee.keys.sorted() where !targets.contains(callee) {
                o.reject(at: ["services", .key(service.name), "calls", .key(callee)],
                         expected: "a call policy for a service or dependency of this world (or \"default\")",
                         detail: "nothing is named \"\(callee)\"", suggestion: suggestion(callee, targets))
            }
        }
    }
}

extension MetricsSpec {
    /// Reads the `metrics` object.
    static let reader = ValueReader<MetricsSpec>.object { o in
        MetricsSpec(
            interval: o.optional("interval", .duration(atLeast: .milliseconds(1)), default: .seconds(10)),
            maxRows: o.optional("max_rows", .integer(in: 2...100_000), default: 1024))
    }
}

extension RateProfile {
    /// Reads a rate: a constant (`"7.2/s"`, `100`) or a list of segments
    /// (`[{"for": "30m", "rate": "5/s"}, {"for": "10m", "from": "5/s", "to": "50/s"}, {"rate": "5/s"}]`).
    static let reader = ValueReader<RateProfile>(
        expected: "a rate such as \"7.2/s\", or a list of segments",
        placeholder: { .constant(1) }
    ) { value, context in
        if value.arrayValue == nil {
            return context.read(value, with: .rate).map { RateProfile.constant($0) }
        }
        let problems = context.log.count
        guard let segments = context.read(value, with: .nonEmptyArray(of: segmentReader)),
              context.log.count == problems else { return nil }
        for (index, segment) in segments.enumerated().dropLast() where segment.duration == nil {
            context.child(.index(index)).mismatch(
                value.arrayValue![index], expected: "a segment with \"for\" (only the last may last forever)")
            return nil
        }
        return RateProfile(segments: segments)
    }

    /// One segment: `{"for": "30m", "rate": "5/s"}` (a level) or
    /// `{"for": "10m", "from": "5/s", "to": "50/s"}` (a ramp).
    static let segmentReader = ValueReader<Segment>.object { o in
        let duration = o.optional("for", .duration(atLeast: .nanoseconds(1)))
        if o.contains("from") || o.contains("to") {
            let from = o.required("from", .rate)
            let to = o.required("to", .rate)
            o.allow("rate")
            if o.contains("rate") {
                o.reject("rate", expected: "either \"rate\" or \"from\" and \"to\", not both")
            }
            // A misspelt "for" is reported as unknown (with its suggestion), not twice.
            if !o.hasProblems, duration == nil, from != to, !o.hasNearMiss(of: "for") {
                o.reject("for", expected: "a duration (a ramp must have a length)")
            }
            return Segment(duration: duration, from: from, to: to)
        }
        // A level; a misspelt "rate" is reported once, as an unknown key near "rate".
        let rate = o.required("rate", .rate)
        o.allow("from", "to")
        return Segment(duration: duration, from: rate, to: rate)
    }
}

extension ObjectReader {
    /// Whether an undeclared key of the object looks like a misspelling of `key`.
    func hasNearMiss(of key: String) -> Bool {
        keys.contains { $0 != key && NearestName.nearest(to: $0, in: [key]) != nil }
    }
}

