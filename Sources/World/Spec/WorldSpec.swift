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
    /// Products on the menu.
    public var catalog: CatalogSpec
    /// The merchants.
    public var merchants: MerchantsSpec
    /// The riders.
    public var riders: RidersSpec
    /// External dependencies by name (`wechat`, `payment_gateway`).
    public var dependencies: [String: DependencySpec]
    /// Network, database, cache, broker, lock server, registry.
    public var infrastructure: InfrastructureSpec
    /// Faults injected on a schedule, in time order.
    public var faults: [FaultSpec]
    /// Assertions on metrics checked after the run.
    public var expectations: [Expectation]
    /// How much work the world may hold at once before its run stops (`limits`).
    public var limits = LimitsSpec()

    /// A world with the given parts.
    public init(version: Int = 1, name: String, description: String = "", seed: UInt64,
                duration: Duration? = nil, maxEvents: Int? = nil, metrics: MetricsSpec = MetricsSpec(),
                traffic: TrafficSpec, services: [ServiceSpec], catalog: CatalogSpec = CatalogSpec(),
                merchants: MerchantsSpec = MerchantsSpec(), riders: RidersSpec = RidersSpec(),
                dependencies: [String: DependencySpec] = WorldSpec.defaultDependencies,
                infrastructure: InfrastructureSpec = InfrastructureSpec(), faults: [FaultSpec] = [],
                expectations: [Expectation] = []) {
        self.version = version
        self.name = name
        self.description = description
        self.seed = seed
        self.duration = duration
        self.maxEvents = maxEvents
        self.metrics = metrics
        self.traffic = traffic
        self.services = services
        self.catalog = catalog
        self.merchants = merchants
        self.riders = riders
        self.dependencies = dependencies
        self.infrastructure = infrastructure
        self.faults = faults
        self.expectations = expectations
    }

    /// WeChat's code exchange (~80 ms) and the payment gateway (~150 ms, 0.5% errors).
    public static let defaultDependencies: [String: DependencySpec] = [
        "wechat": DependencySpec(latency: .lognormal(median: 0.080, p99: 0.400), errors: 0.001),
        "payment_gateway": DependencySpec(latency: .lognormal(median: 0.150, p99: 0.800), errors: 0.005),
    ]

    /// Names of the external dependencies the platform knows.
    public static let dependencyNames = ["payment_gateway", "wechat"]
    /// The infrastructure's names, as fault targets and partition ends.
    public static let infrastructureNames = ["database", "cache", "broker", "locks"]

    /// The service named `name`.
    public func service(_ name: String) -> ServiceSpec? { services.first { $0.name == name } }

    /// The service playing `role`, if the world has one.
    public func service(playing role: ServiceRole) -> ServiceSpec? { services.first { $0.role == role } }

    /// Whether the world runs the delivery platform (any platform role is present).
    public var hasPlatform: Bool { services.contains { $0.role != .generic } }
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
    /// Distinct customers (arrivals pick one at random; returning ones may hold a token).
    public var population: Int
    /// Fraction of arrivals that already hold a valid token (no WeChat exchange).
    public var loggedIn: Double
    /// How the customer's app calls the gateway.
    public var app: AppSpec
    /// Requests for products that do not exist (cache penetration), as their own
    /// Poisson stream; nil = none.
    public var badTraffic: RateProfile?

    /// Traffic with the given profile, cap and journey mix.
    public init(rate: RateProfile, customers: Int? = nil, journeys: [JourneySpec], population: Int = 100_000,
                loggedIn: Double = 0.7, app: AppSpec = AppSpec(), badTraffic: RateProfile? = nil) {
        self.rate = rate
        self.customers = customers
        self.journeys = journeys
        self.population = population
        self.loggedIn = loggedIn
        self.app = app
        self.badTraffic = badTraffic
    }
}

/// How the customer's app behaves.
public struct AppSpec: Sendable, Equatable {
    /// How long the app waits for the gateway; nil waits forever (a badly written client:
    /// a world that loses a reply then stalls, and the run says where).
    public var timeout: Duration?
    /// Attempts per action (the first included) when a call fails.
    public var attempts: Int
    /// Pause before a retry.
    public var retryDelay: Distribution
    /// How long a customer waits for the order to be accepted and a rider assigned before
    /// cancelling.
    public var patience: Distribution
    /// How often the app polls an order it placed.
    public var pollInterval: Duration
    /// Menu pages viewed before ordering.
    public var browse: Distribution
    /// Time between two app actions.
    public var think: Distribution

    /// An app (defaults: 5 s timeout, 3 attempts, patience ~15 min, 1-5 pages).
    public init(timeout: Duration? = .seconds(5), attempts: Int = 3, retryDelay: Distribution = .uniform(lower: 0.5, upper: 2),
                patience: Distribution = .lognormal(median: 900, p99: 2400), pollInterval: Duration = .seconds(30),
                browse: Distribution = .uniform(lower: 1, upper: 5), think: Distribution = .lognormal(median: 3, p99: 20)) {
        self.timeout = timeout
        self.attempts = attempts
        self.retryDelay = retryDelay
        self.patience = patience
        self.pollInterval = pollInterval
        self.browse = browse
        self.think = think
    }
}

/// What one arriving customer does.
public struct JourneySpec: Sendable, Equatable {
    /// The kinds of journey.
    public enum Kind: Sendable, Equatable {
        /// One request to a service, fire-and-forget (open loop): the M/M/c customer.
        case request(service: String)
        /// Log in, browse the menu, order, pay, wait for delivery (or cancel).
        case order
        /// Log in and browse the menu only.
        case browse
        /// Order one of the flash-sale items.
        case flashSale
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
    /// Workers per instance at start (the core size that never retires).
    public var workers: Int
    /// Elastic maximum of workers per instance: a queued request starts one more worker
    /// (after `workerStartup`) up to this many. Equal to `workers` for a fixed pool. With
    /// `autoscale`, the rule's `max` (growth is then the rule's alone).
    public var maxWorkers: Int
    /// Time a new worker takes to start (the queued request waits meanwhile).
    public var workerStartup: Duration
    /// How long an added worker stays idle before it retires.
    public var idleTimeout: Duration
    /// The autoscaling rule, if any (replaces growth on demand).
    public var autoscale: AutoscaleSpec?
    /// Requests that may wait per instance; nil = unbounded.
    public var queueCapacity: Int?
    /// The order in which waiting requests are served (FIFO by default).
    public var queueDiscipline: QueueDisciplineSpec
    /// CPU time one request takes on a worker (seconds).
    public var work: Distribution
    /// Instance selection.
    public var balancer: Balancer
    /// The platform role it plays.
    public var role: ServiceRole
    /// Role-specific settings.
    public var options: RoleOptions
    /// How it calls other services and dependencies: a policy per callee, and a default.
    public var calls: CallPolicies
    /// Its connection pool to the database (per instance).
    public var database: ConnectionPoolSpec
    /// What its instances do with the deadline each call carries.
    public var deadlines: DeadlineHandling = .ignore

    /// A service with the given sizes and work.
    public init(name: String, instances: Int = 1, workers: Int, maxWorkers: Int? = nil,
                queueCapacity: Int? = nil, work: Distribution, balancer: Balancer = .roundRobin,
                role: ServiceRole? = nil, options: RoleOptions? = nil, calls: CallPolicies = CallPolicies(),
                database: ConnectionPoolSpec = ConnectionPoolSpec(), workerStartup: Duration = .zero,
                idleTimeout: Duration = .seconds(60), autoscale: AutoscaleSpec? = nil,
                queueDiscipline: QueueDisciplineSpec = .fifo) {
        self.name = name
        self.instances = instances
        self.workers = workers
        self.maxWorkers = max(autoscale?.max ?? maxWorkers ?? workers, workers)
        self.workerStartup = autoscale?.startup ?? workerStartup
        self.idleTimeout = idleTimeout
        self.autoscale = autoscale
        self.queueCapacity = queueCapacity
        self.queueDiscipline = queueDiscipline
        self.work = work
        self.balancer = balancer
        let role = role ?? ServiceRole(rawValue: name) ?? .generic
        self.role = role
        self.options = options ?? .defaults(for: role)
        self.calls = calls
        self.database = database
    }
}

/// Call policies of one service: one per callee, and a default for the rest.
public struct CallPolicies: Sendable, Equatable {
    /// The policy for callees without their own.
    public var fallback: CallPolicy
    /// Policies by callee name (a service or a dependency).
    public var byCallee: [String: CallPolicy]

    /// Policies with `fallback` for every callee not in `byCallee` (by default the same policy for all).
    public init(fallback: CallPolicy = CallPolicy(), byCallee: [String: CallPolicy] = [:]) {
        self.fallback = fallback
        self.byCallee = byCallee
    }

    /// The policy for calls to `callee`.
    public func policy(for callee: String) -> CallPolicy { byCallee[callee] ?? fallback }
}
