import SimKernel
@testable import World

// A miniature world schema written with the public reading API, the way the lead's real
// schema will be: it exercises every reader and gives the fuzz test something realistic.

enum Discipline: String, CaseIterable, Sendable { case fifo, lifo }

struct BreakerSpec: Sendable {
    var failureRatio: Double
    var openFor: Duration
    var window: Int

    static let reader = ValueReader<BreakerSpec>.object { o in
        BreakerSpec(
            failureRatio: o.required("failure_ratio", .ratio),
            openFor: o.required("open_for", .duration(atLeast: .milliseconds(1))),
            window: o.optional("window", .integer(in: 1...10_000), default: 100))
    }
}

struct ServiceSpec: Sendable {
    var workers: Int
    var queue: Int
    var timeout: Duration?
    var serviceTime: Distribution
    var discipline: Discipline
    var breaker: BreakerSpec?

    static let reader = ValueReader<ServiceSpec>.object { o in
        ServiceSpec(
            workers: o.required("workers", .integer(in: 1...100_000)),
            queue: o.optional("queue", .integer(in: 0...), default: 1024),
            timeout: o.optional("timeout", .duration),
            serviceTime: o.required("service_time", .durationDistribution),
            discipline: o.optional("discipline", .oneOf(Discipline.self), default: .fifo),
            breaker: o.optional("breaker", BreakerSpec.reader))
    }
}

enum FaultSpec: Sendable {
    case latency(service: String, at: Duration, lasting: Duration, extra: Distribution)
    case errors(service: String, at: Duration, lasting: Duration, ratio: Double)
    case crash(service: String, at: Duration)

    /// A tagged union: `kind` decides which other fields exist (and are suggested).
    static let reader = ValueReader<FaultSpec>.object { o in
        guard let kind = o.discriminator("kind", .string(oneOf: ["latency", "errors", "crash"])) else {
            return .crash(service: "", at: .zero)
        }
        let service = o.required("service", .nonEmptyString)
        let at = o.required("at", .duration)
        switch kind {
        case "latency":
            return .latency(
                service: service, at: at, lasting: o.required("for", .duration),
                extra: o.required("extra", .durationDistribution))
        case "errors":
            return .errors(service: service, at: at, lasting: o.required("for", .duration), ratio: o.required("ratio", .ratio))
        default:
            return .crash(service: service, at: at)
        }
    }
}

struct SampleWorld: Sendable {
    var name: String
    var seed: Int
    var duration: Duration
    var rate: Double
    var journeys: [(key: String, value: Double)]
    var basket: Distribution
    var services: [(key: String, value: ServiceSpec)]
    var faults: [FaultSpec]
    var tags: [String]

    static let reader = ValueReader<SampleWorld>.object { o in
        o.allow("//")
        let world = SampleWorld(
            name: o.required("name", .nonEmptyString),
            seed: o.required("seed", .integer(in: 0...)),
            duration: o.required("duration", .duration(atLeast: .seconds(1))),
            rate: o.required("rate", .positiveRate),
            journeys: o.required("journeys", .members(of: .ratio)),
            basket: o.optional("basket", .numberDistribution, default: .constant(1)),
            services: o.required("services", .members(of: ServiceSpec.reader)),
            faults: o.optional("faults", .array(of: FaultSpec.reader), default: []),
            tags: o.optional("tags", .array(of: .string, count: 0...8), default: []))
        if !o.hasProblems {
            if world.services.isEmpty { o.reject("services", expected: "at least one service") }
            let total = world.journeys.reduce(0) { $0 + $1.value }
            if abs(total - 1) > 1e-9 { o.reject("journeys", expected: "ratios adding up to 100%") }
        }
        return world
    }
}

/// Realistic world files (after the source documents' numbers).
enum SampleDocuments {
    static let incident = """
        {
          "//": "Double-12 peak: inventory latency rises to 8.2 s, breakers open",
          "name": "double-12-incident",
          "seed": 42,
          "duration": "30m",
          "rate": "2000/s",
          "journeys": {"browse": "62%", "order": "30%", "pay": 0.08},
          "basket": {"empirical": {"values": [1, 2, 3, 5], "weights": [5, 3, 1, 1]}},
          "services": {
            "gateway": {"workers": 64, "queue": 1024, "timeout": "1s",
                        "service_time": {"lognormal": {"median": "2ms", "p99": "12ms"}}},
            "inventory": {
              "workers": 20, "queue": 0, "timeout": "30s",
              "service_time": {"lognormal": {"median": "20ms", "p99": "120ms"}},
              "breaker": {"failure_ratio": "20%", "open_for": "30s", "window": 100}
            },
            "order": {"workers": 32, "discipline": "fifo",
                      "service_time": {"pareto": {"scale": "10ms", "shape": 1.5, "cap": "2s"}}},
            "payment": {"workers": 16, "timeout": "8.2s", "service_time": {"exp": "80ms"}}
          },
          "faults": [
            {"kind": "latency", "service": "inventory", "at": "12m", "for": "5m",
             "extra": {"normal": {"mean": "8.2s", "stddev": "500ms"}}},
            {"kind": "errors", "service": "payment", "at": "20m", "for": "1m30s", "ratio": "37%"},
            {"kind": "crash", "service": "order", "at": "25m"}
          ],
          "tags": ["incident", "seed-004", "ch6"]
        }
        """

    static let peakShaving = """
        {
          "name": "peak-shaving-queue",
          "seed": 7,
          "duration": "10m",
          "rate": 1200,
          "journeys": {"submit": 1},
          "services": {
            "consumer": {"workers": 10, "queue": 100000, "discipline": "fifo",
                         "service_time": {"uniform": ["5ms", "15ms"]}},
            "producer": {"workers": 4, "timeout": "100ms", "service_time": "8ms",
                         "breaker": {"failure_ratio": 0.05, "open_for": "30s"}}
          },
          "faults": [],
          "tags": []
        }
        """

    static let mmc = """
        {"name": "mmc-check", "seed": 1, "duration": "1h", "rate": "7.2/s",
         "journeys": {"only": "100%"},
         "services": {"single": {"workers": 8, "service_time": {"exp": "1s"}, "discipline": "lifo"}},
         "basket": {"constant": 1}}
        """

    static let all = [("worlds/incident.json", incident), ("worlds/peak.json", peakShaving), ("worlds/mmc.json", mmc)]
}
