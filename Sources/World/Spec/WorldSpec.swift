public import SimKernel

/// One experiment, as a world file describes it: everything needed to build and run the
/// platform, and nothing else (the seed may be overridden on the command line).
///
/// Values are already validated and in simulation units: durations as `Duration`,
/// distributions of durations in seconds, rates per second.
public struct WorldSpec: Sendable, Equatable {
    /// Schema version of the file (only 1 exists).
    public var version: Int
    /// Short name; names the output folder.
    public var name: String
    /// What the world is for.
    public var description: String
    /// The world seed.
    public var seed: UInt64
    /// Virtual time after which the run stops; nil runs until nothing is left to do.
    public var duration: Duration?
    /// Step budget guarding against runaway worlds.
    public var maxEvents: Int?
    /// How metrics are recorded.
    public var metrics: MetricsSpec
    /// Who arrives, when, and what they do.
    public var traffic: TrafficSpec
    /// The services, in name order.
    public var services: [ServiceSpec]

    /// A world with the given parts.
    public init(version: Int = 1, name: String, description: String = "", seed: UInt64,
                duration: Duration? = nil, maxEvents: Int? = nil, metrics: MetricsSpec = MetricsSpec(),
                traffic: TrafficSpec, services: [ServiceSpec]) {
        self.version = version
        self.name = name
        self.description = description
        self.seed = seed
        self.duration = duration
        self.maxEvents = maxEvents
        self.metrics = metrics
        self.traffic = traffic
        self.services = services
    }

    /// The service named `name`.
    public func service(_ name: String) -> ServiceSpec? { services.first { $0.name == name } }
}

/// How metrics are recorded.
public struct MetricsSpec: Sendable, Equatable {
    /// Length of one time-series row (virtual time).
    public var interval: Duration
    /// Time-series rows kept before neighbours are merged (bounded memory).
    public var maxRows: Int

    /// Rows of `interval` (default 10 s), at most `maxRows` (default 1024).
    public init(interval: Duration = .seconds(10), maxRows: Int = 1024) {
        self.interval = interval
        self.maxRows = maxRows
    }
}

/// Who arrives, when, and what they do.
public struct TrafficSpec: Sendable, Equatable {
    /// The arrival rate over time (customers per second).
    public var rate: RateProfile
    /// Arrivals stop after this many customers (the world then drains); nil = no limit.
    public var customers: Int?
    /// What arriving customers do, chosen by weight.
    public var journeys: [JourneySpec]

    /// Traffic with the given profile, cap and journey mix.
    public init(rate: RateProfile, customers: Int? = nil, journeys: [JourneySpec]) {
        self.rate = rate
        self.customers = customers
        self.journeys = journeys
    }
}

/// What one arriving customer does.
public struct JourneySpec: Sendable, Equatable {
    /// The kinds of journey.
    public enum Kind: Sendable, Equatable {
        /// One request to a service, fire-and-forget (open loop): the M/M/c customer.
        case request(service: String)
    }

    /// What the journey does.
    public var kind: Kind
    /// Relative weight in the mix.
    public var weight: Double

    /// A journey of `kind` with relative `weight`.
    public init(_ kind: Kind, weight: Double = 1) {
        self.kind = kind
        self.weight = weight
    }
}

/// One service of the platform: its instances, their worker pools and their work.
public struct ServiceSpec: Sendable, Equatable {
    /// How callers pick an instance.
    public enum Balancer: String, Sendable, Equatable, CaseIterable {
        /// Instances in turn.
        case roundRobin = "round-robin"
        /// The instance with the fewest requests in flight (ties: lowest index).
        case leastOutstanding = "least-outstanding"
    }

    /// Unique name ("backend", "order").
    public var name: String
    /// Instances behind the load balancer.
    public var instances: Int
    /// Workers per instance (and the elastic maximum, if larger).
    public var workers: Int
    /// Elastic maximum of workers per instance.
    public var maxWorkers: Int
    /// Requests that may wait per instance; nil = unbounded.
    public var queueCapacity: Int?
    /// CPU time one request takes on a worker (seconds).
    public var work: Distribution
    /// Instance selection.
    public var balancer: Balancer

    /// A service with the given sizes and work.
    public init(name: String, instances: Int = 1, workers: Int, maxWorkers: Int? = nil,
                queueCapacity: Int? = nil, work: Distribution, balancer: Balancer = .roundRobin) {
        self.name = name
        self.instances = instances
        self.workers = workers
        self.maxWorkers = max(maxWorkers ?? workers, workers)
        self.queueCapacity = queueCapacity
        self.work = work
        self.balancer = balancer
    }
}
