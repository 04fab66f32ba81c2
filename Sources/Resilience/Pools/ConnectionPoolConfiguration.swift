/// Sizes and time limits of a ``ConnectionPool`` (and of ``ConnectionPoolState``), named
/// after Go's `database/sql` and HikariCP.
///
/// The memberwise defaults are Go's (unlimited open connections, 2 idle, connections
/// kept forever) except for the acquire timeout, which is HikariCP's 30 s
/// `connectionTimeout` (Go waits as long as the caller's context allows). ``hikari(maximumPoolSize:minimumIdle:)``
/// gives HikariCP's defaults. The source documents' example, "max 20, min idle 5,
/// timeout 30 s", with the leak detection that fixed their payment outage:
///
/// ```swift
/// let config = try ConnectionPoolConfiguration(
///     maxOpen: 20, maxIdle: 20, minIdle: 5, maxLifetime: .seconds(30 * 60), idleTimeout: .seconds(10 * 60),
///     leakDetectionThreshold: .seconds(2))
/// ```
public struct ConnectionPoolConfiguration: Sendable, Hashable {
    /// Most connections open at once, in use, idle or being opened (Go's
    /// `SetMaxOpenConns`, HikariCP's `maximumPoolSize`). 0 means unlimited (Go's default).
    public private(set) var maxOpen: Int
    /// Most idle connections kept for reuse; a connection released while this many are
    /// idle is closed (Go's `SetMaxIdleConns`, default 2). Raised to `minIdle` and
    /// lowered to `maxOpen` when those conflict, as Go does. Unlike Go, 0 means "keep
    /// none" (Go reads 0 as "the default, 2", and a negative value as none).
    public private(set) var maxIdle: Int
    /// Idle connections the pool tries to keep ready, opening new ones when fewer are
    /// idle and fewer than `maxOpen` are open (HikariCP's `minimumIdle`; default 0: Go
    /// has no such setting).
    public private(set) var minIdle: Int
    /// Age after which a connection is closed instead of reused (Go's
    /// `SetConnMaxLifetime`, HikariCP's `maxLifetime`, 30 min). Checked lazily before
    /// every reuse and on release, as Go does, and proactively for idle connections by
    /// housekeeping. `nil` keeps connections forever.
    public private(set) var maxLifetime: Duration?
    /// How long a connection may stay idle before housekeeping closes it, as long as more
    /// than `minIdle` are idle (HikariCP's `idleTimeout`, 10 min; Go's
    /// `SetConnMaxIdleTime`). `nil` never closes idle connections.
    public private(set) var idleTimeout: Duration?
    /// How long ``ConnectionPool/acquire(timeout:)`` waits for a connection by default
    /// (HikariCP's `connectionTimeout`, 30 s). `nil` waits until the caller's
    /// ``TaskDeadline`` or cancellation, like Go.
    public private(set) var acquireTimeout: Duration?
    /// A connection held longer than this is reported as a possible leak, once per lease
    /// (HikariCP's `leakDetectionThreshold`). `nil` turns detection off (HikariCP's 0).
    public private(set) var leakDetectionThreshold: Duration?
    /// After a failed open, how long before housekeeping tries again to restore
    /// `minIdle` (HikariCP's housekeeping period, 30 s). Opens for waiting callers are
    /// not delayed: each failure is reported to the longest-waiting caller instead.
    public private(set) var refillRetryInterval: Duration
    /// The order in which waiting callers get connections, and what is shed under
    /// overload: FIFO (HikariCP's fair hand-off, the default), LIFO or CoDel.
    public var queueDiscipline: QueueDiscipline

    /// A pool configuration; see each property for its meaning and anchor.
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter (the limits
    ///   are read-only afterwards, so a configuration is valid once made).
    public init(
        maxOpen: Int = 0,
        maxIdle: Int = 2,
        minIdle: Int = 0,
        maxLifetime: Duration? = nil,
        idleTimeout: Duration? = nil,
        acquireTimeout: Duration? = .seconds(30),
        leakDetectionThreshold: Duration? = nil,
        refillRetryInterval: Duration = .seconds(30),
        queueDiscipline: QueueDiscipline = .fifo
    ) throws(ConfigurationError) {
        let check = ConfigurationCheck("ConnectionPoolConfiguration")
        try check.require(maxOpen >= 0, "maxOpen", ">= 0 (0 = unlimited)", maxOpen)
        try check.require(maxIdle >= 0, "maxIdle", ">= 0", maxIdle)
        try check.require(minIdle >= 0, "minIdle", ">= 0", minIdle)
        try check.require(maxLifetime.map { $0 > .zero } ?? true, "maxLifetime", "> 0 or nil", maxLifetime ?? .zero)
        try check.require(idleTimeout.map { $0 > .zero } ?? true, "idleTimeout", "> 0 or nil", idleTimeout ?? .zero)
        try check.require(acquireTimeout.map { $0 >= .zero } ?? true, "acquireTimeout", ">= 0 or nil", acquireTimeout ?? .zero)
        try check.require(leakDetectionThreshold.map { $0 > .zero } ?? true, "leakDetectionThreshold", "> 0 or nil", leakDetectionThreshold ?? .zero)
        try check.require(refillRetryInterval > .zero, "refillRetryInterval", "> 0", refillRetryInterval)
        self.maxOpen = maxOpen
        self.maxIdle = maxIdle
        self.minIdle = minIdle
        self.maxLifetime = maxLifetime
        self.idleTimeout = idleTimeout
        self.acquireTimeout = acquireTimeout
        self.leakDetectionThreshold = leakDetectionThreshold
        self.refillRetryInterval = refillRetryInterval
        self.queueDiscipline = queueDiscipline
    }

    /// HikariCP's defaults: `maximumPoolSize` 10, `minimumIdle` equal to the maximum
    /// (a fixed-size pool), `idleTimeout` 10 min, `maxLifetime` 30 min,
    /// `connectionTimeout` 30 s, leak detection off; every connection may stay idle.
    ///
    /// - Throws: ``ConfigurationError`` for a negative size.
    public static func hikari(maximumPoolSize: Int = 10, minimumIdle: Int? = nil) throws(ConfigurationError) -> ConnectionPoolConfiguration {
        try ConnectionPoolConfiguration(
            maxOpen: maximumPoolSize, maxIdle: maximumPoolSize, minIdle: minimumIdle ?? maximumPoolSize,
            maxLifetime: .seconds(30 * 60), idleTimeout: .seconds(10 * 60), acquireTimeout: .seconds(30))
    }

    /// `minIdle`, no larger than `maxOpen` when that is limited.
    var effectiveMinIdle: Int { maxOpen > 0 ? Swift.min(minIdle, maxOpen) : minIdle }

    /// `maxIdle`, at least `minIdle` and no larger than `maxOpen` when that is limited.
    var effectiveMaxIdle: Int {
        let raised = Swift.max(maxIdle, minIdle)
        return maxOpen > 0 ? Swift.min(raised, maxOpen) : raised
    }
}

/// Why the pool could not hand out a connection, or refused a release.
public enum ConnectionPoolError: Error, Sendable, CustomStringConvertible {
    /// The wait limit (the acquire timeout or the caller's deadline) passed first.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
    /// The pool is shut down.
    case shutDown
    /// Opening a connection failed; the longest-waiting caller gets the error (as Go's
    /// `database/sql` hands it to a waiting request).
    case openFailed(any Error)
    /// A release named a lease that is not current: released twice, or stale.
    case notLeased
    /// The pool's queue discipline (CoDel) dropped the caller after it waited past the
    /// discipline's limit: the pool is overloaded, fail fast.
    case shed

    /// A short description, with the open error when there is one.
    public var description: String {
        switch self {
        case .timedOut: "timed out waiting for a connection"
        case .cancelled: "cancelled while waiting for a connection"
        case .shutDown: "the pool is shut down"
        case .openFailed(let error): "opening a connection failed: \(error)"
        case .notLeased: "the lease is not current (released twice?)"
        case .shed: "shed by the queue discipline after waiting too long"
        }
    }
}
