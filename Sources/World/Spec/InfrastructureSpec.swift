public import SimKernel

/// The platform's infrastructure: network, database, cache, broker, lock server, registry.
public struct InfrastructureSpec: Sendable, Equatable {
    /// One-way network delay between any two actors.
    public var networkLatency: Distribution
    /// The shared database.
    public var database: DatabaseSpec
    /// The shared cache.
    public var cache: CacheSpec
    /// The message broker.
    public var broker: BrokerSpec
    /// The lock servers.
    public var locks: LockServerSpec
    /// The service registry that lists instances for callers to pick from.
    public var registry: RegistrySpec
    /// The name lookup in front of external dependencies (nil: none, addresses are known).
    public var dns: DNSSpec?

    /// Infrastructure with defaults for every part.
    public init(networkLatency: Distribution = .lognormal(median: 0.0005, p99: 0.002),
                database: DatabaseSpec = DatabaseSpec(), cache: CacheSpec = CacheSpec(),
                broker: BrokerSpec = BrokerSpec(), locks: LockServerSpec = LockServerSpec(),
                registry: RegistrySpec = RegistrySpec(), dns: DNSSpec? = nil) {
        self.dns = dns
        self.networkLatency = networkLatency
        self.database = database
        self.cache = cache
        self.broker = broker
        self.locks = locks
        self.registry = registry
    }
}

/// The DNS lookup a service makes before calling an external dependency by its host
/// name: answered from the service's resolver cache while fresh (`ttl`), otherwise a
/// lookup that takes `lookup` (a slow resolver, or a lost UDP packet retried after the
/// resolver's timeout, shows up as a tail here), during which the call waits.
public struct DNSSpec: Sendable, Equatable {
    /// Time of one lookup.
    public var lookup: Distribution
    /// How long an answer is cached.
    public var ttl: Duration

    /// How long after its TTL an answer is still served, at once, while one lookup in
    /// the background refreshes it (RFC 8767 "serve stale", Unbound's `serve-expired`);
    /// zero: an expired answer is never served, the call waits for the lookup.
    public var staleWhileRevalidate: Duration

    /// A resolver (defaults: ~1 ms lookups, answers cached 60 s, no serving stale).
    public init(lookup: Distribution = .lognormal(median: 0.001, p99: 0.005), ttl: Duration = .seconds(60),
                staleWhileRevalidate: Duration = .zero) {
        self.lookup = lookup
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
    }
}

/// The database server.
public struct DatabaseSpec: Sendable, Equatable {
    /// Queries that run at full speed at once; beyond that every query slows down in
    /// proportion (processor sharing), as an overloaded database does.
    public var cores: Int
    /// Connections the server accepts in all (further opens fail).
    public var maxConnections: Int
    /// Work of one simple query (point read) at no load.
    public var read: Distribution
    /// Work of one write (a transaction step).
    public var write: Distribution
    /// Time to open a connection.
    public var connect: Distribution

    /// A database (defaults: 16 cores, 500 connections, reads ~2 ms, writes ~5 ms).
    public init(cores: Int = 16, maxConnections: Int = 500,
                read: Distribution = .lognormal(median: 0.002, p99: 0.010),
                write: Distribution = .lognormal(median: 0.005, p99: 0.025),
                connect: Distribution = .constant(0.010)) {
        self.cores = cores
        self.maxConnections = maxConnections
        self.read = read
        self.write = write
        self.connect = connect
    }
}

/// The cache server (Redis).
public struct CacheSpec: Sendable, Equatable {
    /// Time of one cache operation at the server.
    public var latency: Distribution
    /// Entries kept (LRU beyond).
    public var capacity: Int
    /// How long a client waits for a reply (a crashed or cut-off server gives none): a miss.
    public var timeout: Duration

    /// A cache server (defaults: ~0.3 ms, 1,000,000 entries, 1 s client timeout).
    public init(latency: Distribution = .lognormal(median: 0.0003, p99: 0.002), capacity: Int = 1_000_000,
                timeout: Duration = .seconds(1)) {
        self.latency = latency
        self.capacity = capacity
        self.timeout = timeout
    }
}

/// The message broker (RabbitMQ).
public struct BrokerSpec: Sendable, Equatable {
    /// Time the broker takes to accept or deliver a message.
    public var latency: Distribution
    /// Deliveries before a message is dead-lettered.
    public var deliveryLimit: Int
    /// Messages per queue before overflow; nil = unbounded.
    public var maxLength: Int?
    /// What happens at the length limit.
    public var overflow: Overflow
    /// Message time to live; nil = forever.
    public var messageTTL: Duration?

    /// Overflow policies.
    public enum Overflow: String, Sendable, Equatable, CaseIterable {
        case dropHead = "drop-head"
        case rejectPublish = "reject-publish"
    }

    /// A broker (defaults: ~1 ms, delivery limit 20, unbounded queues).
    public init(latency: Distribution = .lognormal(median: 0.001, p99: 0.005), deliveryLimit: Int = 20,
                maxLength: Int? = nil, overflow: Overflow = .rejectPublish, messageTTL: Duration? = nil) {
        self.latency = latency
        self.deliveryLimit = deliveryLimit
        self.maxLength = maxLength
        self.overflow = overflow
        self.messageTTL = messageTTL
    }
}

/// The lock server (Redis used for SET NX PX locks).
public struct LockServerSpec: Sendable, Equatable {
    /// One-way time of a lock command to the server (and of its reply back).
    public var latency: Distribution
    /// How long a client waits for a command's reply (a Redis client's socket timeout):
    /// without one, the command counts as unanswered.
    public var timeout: Duration
    /// Independent lock servers (Redis masters). A `"distributed"` lock uses the first;
    /// a `"redlock"` lock needs a majority of them.
    public var instances: Int

    /// A lock server (defaults: ~0.3 ms each way, 1 s client timeout), one of it.
    public init(latency: Distribution = .lognormal(median: 0.0003, p99: 0.002), timeout: Duration = .seconds(1),
                instances: Int = 1) {
        self.latency = latency
        self.timeout = timeout
        self.instances = instances
    }
}

/// The service registry (Consul/Nacos/Eureka).
public struct RegistrySpec: Sendable, Equatable {
    /// How often instances send heartbeats.
    public var heartbeat: Duration
    /// A registration without a heartbeat for this long expires; until then a crashed
    /// instance keeps receiving calls.
    public var ttl: Duration
    /// Spread of each instance's heartbeat interval, as a fraction of `heartbeat`: each
    /// interval is drawn uniformly in `heartbeat × (1 ± jitter)`, and the first of each
    /// life uniformly in `(0, heartbeat]`, so instances that boot together do not beat in
    /// step (0: every interval is exactly `heartbeat`, the first included).
    public var jitter: Double
    /// The registry as a server with finite capacity (nil: a free registry, where a
    /// heartbeat renews its registration the instant it is sent).
    public var server: RegistryServerSpec?

    /// A registry (defaults: 5 s heartbeats, 15 s TTL, no jitter, free).
    public init(heartbeat: Duration = .seconds(5), ttl: Duration = .seconds(15), jitter: Double = 0,
                server: RegistryServerSpec? = nil) {
        self.heartbeat = heartbeat
        self.ttl = ttl
        self.jitter = jitter
        self.server = server
    }
}

/// The registry as a server: heartbeats and registrations cross the network and wait
/// for one of its workers, each costing work; a full backlog refuses them.
public struct RegistryServerSpec: Sendable, Equatable {
    /// Requests the registry processes at once.
    public var workers: Int
    /// Requests that may wait for a worker (its accept backlog); nil = unbounded.
    public var queueCapacity: Int?
    /// Work of one heartbeat (a renewal).
    public var heartbeatWork: Distribution
    /// Work of one registration (an instance registering again after its registration
    /// expired, or after a restart): heavier than a renewal.
    public var registrationWork: Distribution

    /// A registry server (defaults: backlog of 1,024, heartbeats ~1 ms, registrations ~5 ms).
    public init(workers: Int, queueCapacity: Int? = 1024,
                heartbeatWork: Distribution = .lognormal(median: 0.001, p99: 0.004),
                registrationWork: Distribution = .lognormal(median: 0.005, p99: 0.020)) {
        self.workers = workers
        self.queueCapacity = queueCapacity
        self.heartbeatWork = heartbeatWork
        self.registrationWork = registrationWork
    }
}
