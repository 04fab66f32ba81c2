/// The platform roles a service can play. A service named after a role plays it (the
/// `gateway` service is the gateway); any other name is a generic service that only does
/// its `work` (the validation worlds).
public enum ServiceRole: String, Sendable, Equatable, CaseIterable {
    case gateway, auth, menu, order, inventory, payment, dispatch, notification, generic
}

/// Routes a customer's app calls through the gateway.
public enum GatewayRoute: String, Sendable, Equatable, CaseIterable {
    case login, menu, order, status, cancel
}

/// Role-specific settings of a service.
public enum RoleOptions: Sendable, Equatable {
    case generic
    case gateway(GatewayOptions)
    case auth(AuthOptions)
    case menu(MenuOptions)
    case order(OrderOptions)
    case inventory(InventoryOptions)
    case payment(PaymentOptions)
    case dispatch(DispatchOptions)
    case notification(NotificationOptions)

    /// Defaults for `role`.
    public static func defaults(for role: ServiceRole) -> RoleOptions {
        switch role {
        case .generic: return .generic
        case .gateway: return .gateway(GatewayOptions())
        case .auth: return .auth(AuthOptions())
        case .menu: return .menu(MenuOptions())
        case .order: return .order(OrderOptions())
        case .inventory: return .inventory(InventoryOptions())
        case .payment: return .payment(PaymentOptions())
        case .dispatch: return .dispatch(DispatchOptions())
        case .notification: return .notification(NotificationOptions())
        }
    }
}

/// The gateway: token check and a rate limiter per route.
public struct GatewayOptions: Sendable, Equatable {
    /// Where a request's token is checked.
    public enum TokenCheck: String, Sendable, Equatable, CaseIterable {
        /// Stateless JWT: the gateway checks signature and expiry itself (CPU only); only
        /// tokens it cannot verify go to auth.
        case local
        /// Stateful sessions: every token goes to the auth service, which answers from its
        /// token cache or the session table (the database) — auth is on the hot path.
        case auth
    }

    /// Limiter per route (routes without one are not limited).
    public var limits: [GatewayRoute: LimiterSpec]
    /// Where tokens are checked.
    public var tokenCheck: TokenCheck
    /// How long the auth service's answer for a token the gateway could not verify
    /// itself is kept by the gateway (a minute).
    public var authCacheTTL: Duration
    /// Most answers that cache holds (LRU beyond).
    public var authCacheCapacity: Int

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `GatewayOptions()` and the role's default options are that value.
    public init(limits: [GatewayRoute: LimiterSpec] = [:], tokenCheck: TokenCheck = .local,
                authCacheTTL: Duration = .seconds(60), authCacheCapacity: Int = 100_000) {
        self.limits = limits
        self.tokenCheck = tokenCheck
        self.authCacheTTL = authCacheTTL
        self.authCacheCapacity = authCacheCapacity
    }
}

/// The auth service: WeChat code exchange → session → JWT, with a token cache.
public struct AuthOptions: Sendable, Equatable {
    /// Lifetime of an issued token: the session TTL (also of the sessions customers
    /// already hold when the world starts).
    public var tokenTTL: Duration
    /// How long validated tokens stay in the auth service's cache.
    public var tokenCacheTTL: Duration
    /// Most tokens that cache holds (LRU beyond).
    public var tokenCacheCapacity: Int

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `AuthOptions()` and the role's default options are that value.
    public init(tokenTTL: Duration = .seconds(7200), tokenCacheTTL: Duration = .seconds(300),
                tokenCacheCapacity: Int = 100_000) {
        self.tokenTTL = tokenTTL
        self.tokenCacheTTL = tokenCacheTTL
        self.tokenCacheCapacity = tokenCacheCapacity
    }
}

/// The menu/product service: cache-aside over the database.
public struct MenuOptions: Sendable, Equatable {
    /// TTL of cached products (the documents use 5 minutes).
    public var cacheTTL: Duration
    /// Fraction of the TTL drawn at random and taken off, against avalanches.
    public var ttlJitter: Double
    /// TTL of cached "no such product" answers; nil = no negative caching.
    public var negativeTTL: Duration?
    /// A Bloom filter of existing product ids in front of the cache.
    public var bloomFilter: Bool
    /// A local LRU cache in front of the cache server: capacity and TTL; nil = none.
    public var localCache: LocalCacheSpec?
    /// One rebuild per hot key (single-flight) on a miss.
    public var singleFlight: Bool
    /// The Bloom filter's target false-positive rate.
    public var bloomFalsePositiveRate: Double
    /// Probabilistic early refresh (XFetch) of cached products: its eagerness β; nil = off.
    public var earlyRefresh: Double?

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `MenuOptions()` and the role's default options are that value.
    public init(cacheTTL: Duration = .seconds(300), ttlJitter: Double = 0.1, negativeTTL: Duration? = nil,
                bloomFilter: Bool = false, localCache: LocalCacheSpec? = nil, singleFlight: Bool = true,
                bloomFalsePositiveRate: Double = 0.001, earlyRefresh: Double? = nil) {
        self.cacheTTL = cacheTTL
        self.ttlJitter = ttlJitter
        self.negativeTTL = negativeTTL
        self.bloomFilter = bloomFilter
        self.localCache = localCache
        self.singleFlight = singleFlight
        self.bloomFalsePositiveRate = bloomFalsePositiveRate
        self.earlyRefresh = earlyRefresh
    }
}

/// A local in-process cache.
public struct LocalCacheSpec: Sendable, Equatable {
    /// Most entries it holds (LRU beyond).
    public var capacity: Int
    /// How long an entry is served locally before the cache server is asked again.
    public var ttl: Duration
    /// A cache of at most `capacity` entries, each served for `ttl`.
    public init(capacity: Int, ttl: Duration) {
        self.capacity = capacity
        self.ttl = ttl
    }
}

/// The order service.
public struct OrderOptions: Sendable, Equatable {
    /// Synchronous intake, or queued (peak shaving: accept, publish, answer at once).
    public enum Intake: String, Sendable, Equatable, CaseIterable { case sync, queued }
    /// How orders are taken in.
    public var intake: Intake
    /// Consumers of the intake queue per instance (queued intake; 10 in the documents).
    public var consumers: Int
    /// Prefetch of each intake consumer.
    public var prefetch: Int
    /// Idempotent create: an order key seen before returns the first order.
    public var idempotency: Bool
    /// How long an order waits for its payment result before it fails and compensates.
    public var paymentWait: Duration
    /// Prefetch of each instance's consumer of the payment results queue.
    public var resultsPrefetch: Int
    /// Tries of a refund call before the in-memory loop gives up (the reconciler resumes it).
    public var refundAttempts: Int
    /// The pause after the n-th failed refund call is n × this.
    public var refundSpacing: Duration
    /// How often each instance's reconciler looks for what lost in-memory loops left.
    public var reconcileInterval: Duration
    /// Added to the longest a payment wait or a dispatch loop can last before the
    /// reconciler presumes it lost.
    public var reconcileGrace: Duration
    /// How long a requested refund goes untried before the reconciler resumes it
    /// (doubling per resume, up to `refundMaxIdle`).
    public var refundIdle: Duration
    /// The longest idle time before a resume, however many resumes came before.
    public var refundMaxIdle: Duration
    /// Resumes of one refund before the reconciler leaves it.
    public var refundResumes: Int
    /// The wait before retrying a state write that found no connection, doubling (full
    /// jitter) up to ``stateWriteBackoffCap`` (the writes are retried until they land).
    public var stateWriteBackoff: Duration
    /// The longest wait between two tries of a state write (read as ``stateWriteBackoff`` when lower).
    public var stateWriteBackoffCap: Duration
    /// The pause after the first dispatch request that brought no rider, doubling (equal
    /// jitter) per request up to ``dispatchBackoffCap``: a rider shortage must not become
    /// a storm of dispatch requests.
    public var dispatchBackoff: Duration
    /// The longest pause between two dispatch requests for one order (read as
    /// ``dispatchBackoff`` when lower).
    public var dispatchBackoffCap: Duration

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `OrderOptions()` and the role's default options are that value.
    public init(intake: Intake = .sync, consumers: Int = 10, prefetch: Int = 10, idempotency: Bool = true,
                paymentWait: Duration = .seconds(60), resultsPrefetch: Int = 10,
                refundAttempts: Int = 8, refundSpacing: Duration = .seconds(5),
                reconcileInterval: Duration = .seconds(30), reconcileGrace: Duration = .seconds(60),
                refundIdle: Duration = .seconds(60), refundMaxIdle: Duration = .seconds(600), refundResumes: Int = 10,
                stateWriteBackoff: Duration = .milliseconds(50), stateWriteBackoffCap: Duration = .seconds(5),
                dispatchBackoff: Duration = .seconds(2), dispatchBackoffCap: Duration = .seconds(30)) {
        self.intake = intake
        self.consumers = consumers
        self.prefetch = prefetch
        self.idempotency = idempotency
        self.paymentWait = paymentWait
        self.resultsPrefetch = resultsPrefetch
        self.refundAttempts = refundAttempts
        self.refundSpacing = refundSpacing
        self.reconcileInterval = reconcileInterval
        self.reconcileGrace = reconcileGrace
        self.refundIdle = refundIdle
        self.refundMaxIdle = refundMaxIdle
        self.refundResumes = refundResumes
        self.stateWriteBackoff = stateWriteBackoff
        self.stateWriteBackoffCap = stateWriteBackoffCap
        self.dispatchBackoff = dispatchBackoff
        self.dispatchBackoffCap = dispatchBackoffCap
    }
}

/// The inventory service: stock per item and how deductions are serialised.
public struct InventoryOptions: Sendable, Equatable {
    /// How a deduction is protected.
    public enum Locking: String, Sendable, Equatable, CaseIterable {
        /// A Redis-style lock per item (SET NX PX), with fencing tokens if `fencing`.
        case distributed
        /// Redlock over the world's `infrastructure.locks.instances` lock servers (a
        /// majority must grant it; no fencing token exists, so `fencing` has no effect).
        case redlock
        /// A database row lock (SELECT ... FOR UPDATE).
        case row
        /// No protection (read, then write): races oversell.
        case none
    }
    /// What keeps two deductions of one item apart.
    public var locking: Locking
    /// Lock TTL (the documents use 30 s).
    public var lockTTL: Duration
    /// Longest wait to acquire a lock.
    public var lockWait: Duration
    /// Whether the stock row rejects writes carrying an older fencing token.
    public var fencing: Bool
    /// Whether a deduction is idempotent per order (the incident's missing check).
    public var idempotency: Bool
    /// The lock client's wait before its first retry of a taken lock, doubling (equal
    /// jitter) up to ``lockBackoffCap``.
    public var lockBackoff: Duration
    /// The longest wait between two tries for a lock (read as ``lockBackoff`` when lower).
    public var lockBackoffCap: Duration
    /// Whether the deduction's write is guarded in the database (`UPDATE ... SET units =
    /// units - q WHERE item = ? AND units >= q`): a deduction whose check passed on a
    /// stale read is refused there instead of taking the stock below zero.
    public var guardedDeduction: Bool

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `InventoryOptions()` and the role's default options are that value.
    public init(locking: Locking = .distributed, lockTTL: Duration = .seconds(30), lockWait: Duration = .seconds(1),
                fencing: Bool = true, idempotency: Bool = true,
                lockBackoff: Duration = .milliseconds(5), lockBackoffCap: Duration = .milliseconds(100),
                guardedDeduction: Bool = false) {
        self.guardedDeduction = guardedDeduction
        self.locking = locking
        self.lockTTL = lockTTL
        self.lockWait = lockWait
        self.fencing = fencing
        self.idempotency = idempotency
        self.lockBackoff = lockBackoff
        self.lockBackoffCap = lockBackoffCap
    }
}

/// The payment service.
public struct PaymentOptions: Sendable, Equatable {
    /// Report results to the order service by direct callback (besides the broker).
    public var callback: Bool
    /// How often the local message table is relayed to the broker.
    public var relayInterval: Duration
    /// Pass an idempotency key to the external gateway (no double charge on retry).
    public var idempotencyKey: Bool
    /// Rows of the local message table one relay round claims at most.
    public var outboxBatch: Int
    /// How long a claimed row stays the claimer's: past it, another relay may claim it.
    public var claimLease: Duration
    /// Whether a charge runs inside a database transaction opened before the call to the
    /// external gateway and committed (with its local-message row) after it: the
    /// transaction holds a pooled connection for as long as the gateway takes.
    public var chargeInTransaction: Bool

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `PaymentOptions()` and the role's default options are that value.
    public init(callback: Bool = true, relayInterval: Duration = .seconds(1), idempotencyKey: Bool = true,
                outboxBatch: Int = 100, claimLease: Duration = .seconds(30), chargeInTransaction: Bool = false) {
        self.chargeInTransaction = chargeInTransaction
        self.callback = callback
        self.relayInterval = relayInterval
        self.idempotencyKey = idempotencyKey
        self.outboxBatch = outboxBatch
        self.claimLease = claimLease
    }
}

/// The dispatch service.
public struct DispatchOptions: Sendable, Equatable {
    /// Longest search for a rider (context.WithTimeout(30 s) in the documents).
    public var timeout: Duration
    /// Pause between searches when no rider is free.
    public var retryInterval: Duration
    /// A lock per rider so that no rider is assigned twice by concurrent dispatchers.
    public var riderLock: Bool
    /// TTL of a rider lock (an assignment takes milliseconds; a pause longer than this
    /// lets a second dispatcher in).
    public var lockTTL: Duration
    /// Longest wait for a rider's lock before trying another rider.
    public var lockWait: Duration
    /// Which lock protects a rider: one lock server, or Redlock over all of them.
    public enum Locking: String, Sendable, Equatable, CaseIterable { case distributed, redlock }
    /// Which lock protects a rider.
    public var locking: Locking
    /// The lock client's wait before its first retry of a taken rider lock, doubling
    /// (equal jitter) up to ``lockBackoffCap``.
    public var lockBackoff: Duration
    /// The longest wait between two tries for a rider lock (read as ``lockBackoff`` when lower).
    public var lockBackoffCap: Duration

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `DispatchOptions()` and the role's default options are that value.
    public init(timeout: Duration = .seconds(30), retryInterval: Duration = .seconds(2), riderLock: Bool = true,
                lockTTL: Duration = .seconds(10), lockWait: Duration = .milliseconds(200), locking: Locking = .distributed,
                lockBackoff: Duration = .milliseconds(5), lockBackoffCap: Duration = .milliseconds(50)) {
        self.timeout = timeout
        self.retryInterval = retryInterval
        self.riderLock = riderLock
        self.lockTTL = lockTTL
        self.lockWait = lockWait
        self.locking = locking
        self.lockBackoff = lockBackoff
        self.lockBackoffCap = lockBackoffCap
    }
}

/// The notification service: broker consumers.
public struct NotificationOptions: Sendable, Equatable {
    /// Consumers per instance.
    public var consumers: Int
    /// Prefetch of each consumer.
    public var prefetch: Int
    /// Redelivered `orders.placed` messages recognised by a deduplication window per
    /// instance; nil = none (every delivery is pushed).
    public var dedup: DedupSpec?

    /// Options whose defaults are a world's when it leaves a field out: the service reader
    /// starts from `NotificationOptions()` and the role's default options are that value.
    public init(consumers: Int = 4, prefetch: Int = 10, dedup: DedupSpec? = nil) {
        self.consumers = consumers
        self.prefetch = prefetch
        self.dedup = dedup
    }
}

/// A deduplication window: how many message ids it remembers, and for how long.
public struct DedupSpec: Sendable, Equatable {
    /// How many ids the window remembers: an id is recognised while fewer others came after it.
    public var capacity: Int
    /// nil = until pushed out by `capacity`.
    public var retention: Duration?
    /// A window of `capacity` ids, each remembered at most `retention` (nil: until pushed out).
    public init(capacity: Int, retention: Duration? = nil) {
        self.capacity = capacity
        self.retention = retention
    }
}
