import SimKernel

/// The world language, version 1: how each part of a world file is read and checked.
///
/// The reference for every field (unit, default, meaning) is docs/worlds.md; the JSON
/// Schema for editors is worlds/schema.json. Keys are snake_case.
extension WorldSpec {
    /// Reads a whole world document.
    public static let reader = ValueReader<WorldSpec>.object { o in
        _ = o.required("version", .integer(in: 1...1))
        let name = o.required("name", WorldSpec.nameReader)
        let description = o.optional("description", .string, default: "")
        let seed = o.optional("seed", .integer(in: 0...), default: 1)
        let duration = o.optional("duration", .duration(atLeast: .nanoseconds(1)))
        let maxEvents = o.optional("max_events", .integer(in: 1...))
        let metrics = o.optional("metrics", MetricsSpec.reader, default: MetricsSpec())
        let services = o.required("services", .members(of: ServiceSpec.reader))
            .map { $0.value.named($0.key) }
        let traffic = o.required("traffic", TrafficSpec.reader)
        if !o.hasProblems {
            for (index, journey) in traffic.journeys.enumerated() {
                if case .request(let target) = journey.kind, !services.contains(where: { $0.name == target }) {
                    o.reject("traffic", expected: "journeys that call defined services",
                             detail: "journeys[\(index)] calls \"\(target)\", which is not in services",
                             suggestion: NearestName.nearest(to: target, in: services.map(\.name)).map { "did you mean \"\($0)\"?" })
                }
            }
            if traffic.customers == nil && duration == nil && traffic.rate.segments.last?.duration == nil
                && traffic.rate.peak > 0 {
                o.reject("duration", expected: "a duration, or traffic.customers, or a rate profile that ends",
                         detail: "without one of them the world would never stop")
            }
        }
        return WorldSpec(
            name: name, description: description, seed: UInt64(seed), duration: duration,
            maxEvents: maxEvents, metrics: metrics, traffic: traffic,
            services: services.sorted { $0.name < $1.name })
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

extension MetricsSpec {
    /// Reads the `metrics` object.
    static let reader = ValueReader<MetricsSpec>.object { o in
        MetricsSpec(
            interval: o.optional("interval", .duration(atLeast: .milliseconds(1)), default: .seconds(10)),
            maxRows: o.optional("max_rows", .integer(in: 2...100_000), default: 1024))
    }
}

extension TrafficSpec {
    /// Reads the `traffic` object.
    static let reader = ValueReader<TrafficSpec>.object { o in
        TrafficSpec(
            rate: o.required("rate", RateProfile.reader),
            customers: o.optional("customers", .integer(in: 1...)),
            journeys: o.required("journeys", .nonEmptyArray(of: JourneySpec.reader)))
    }
}

extension JourneySpec {
    /// The journey kinds a world file may name.
    enum KindName: String, CaseIterable, Sendable {
        case request
    }

    /// Reads one element of `traffic.journeys`.
    static let reader = ValueReader<JourneySpec>.object { o in
        let weight = o.optional("weight", .double(above: 0), default: 1)
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else {
            return JourneySpec(.request(service: ""), weight: weight)
        }
        switch kind {
        case .request:
            return JourneySpec(.request(service: o.required("service", .nonEmptyString)), weight: weight)
        }
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
        guard let segments = context.read(value, with: .nonEmptyArray(of: segmentReader)) else { return nil }
        for (index, segment) in segments.enumerated().dropLast() where segment.duration == nil {
            context.child(.index(index)).mismatch(
                value.arrayValue![index], expected: "a segment with \"for\" (only the last may last forever)")
            return nil
        }
        return RateProfile(segments: segments)
    }

    static let segmentReader = ValueReader<Segment>.object { o in
        let duration = o.optional("for", .duration(atLeast: .nanoseconds(1)))
        if o.contains("rate") {
            let rate = o.required("rate", .rate)
            o.allow("from", "to")
            if o.contains("from") || o.contains("to") {
                o.reject("rate", expected: "either \"rate\" or \"from\" and \"to\", not both")
            }
            return Segment(duration: duration, from: rate, to: rate)
        }
        let from = o.required("from", .rate)
        let to = o.required("to", .rate)
        if !o.hasProblems, duration == nil, from != to {
            o.reject("for", expected: "a duration (a ramp must have a length)")
        }
        return Segment(duration: duration, from: from, to: to)
    }
}

extension ServiceSpec {
    /// Reads one member of `services` (its name is the member's key).
    static let reader = ValueReader<ServiceSpec>.object { o in
        let workers = o.required("workers", .integer(in: 1...1_000_000))
        let maxWorkers = o.optional("max_workers", .integer(in: 1...1_000_000))
        if let maxWorkers, !o.hasProblems, maxWorkers < workers {
            o.reject("max_workers", expected: "an integer >= workers (\(workers))")
        }
        return ServiceSpec(
            name: "",
            instances: o.optional("instances", .integer(in: 1...10_000), default: 1),
            workers: workers,
            maxWorkers: maxWorkers,
            queueCapacity: o.optional("queue", queueReader, default: 1024),
            work: o.required("work", .durationDistribution),
            balancer: o.optional("balancer", .oneOf(Balancer.self), default: .roundRobin))
    }

    /// A queue capacity: an integer >= 0 or "unbounded" (read as nil).
    static let queueReader = ValueReader<Int?>(
        expected: "an integer >= 0 or \"unbounded\"", placeholder: { 0 }
    ) { value, context in
        if value.stringValue == "unbounded" { return .some(nil) }
        if value.numberValue != nil { return context.read(value, with: .integer(in: 0...)).map { .some($0) } }
        context.mismatch(value, expected: "an integer >= 0 or \"unbounded\"")
        return nil
    }

    func named(_ name: String) -> ServiceSpec {
        var copy = self
        copy.name = name
        return copy
    }
}
