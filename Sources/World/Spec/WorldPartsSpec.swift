public import SimKernel

/// The products on the menu.
public struct CatalogSpec: Sendable, Equatable {
    /// Products (ids 0..<items).
    public var items: Int
    /// Zipf exponent of item popularity (0 = uniform; ~1 = a few hot items).
    public var zipf: Double
    /// Units in stock per ordinary item.
    public var stock: Int
    /// Flash-sale items (the last `flashItems` ids, so not the most popular) and their stock.
    public var flashItems: Int
    /// Units in stock per flash-sale item.
    public var flashStock: Int

    /// The defaults are a world's without a `catalog` object.
    public init(items: Int = 500, zipf: Double = 1.0, stock: Int = 1_000_000, flashItems: Int = 1, flashStock: Int = 100) {
        self.items = items
        self.zipf = zipf
        self.stock = stock
        self.flashItems = flashItems
        self.flashStock = flashStock
    }
}

/// The merchants who accept and cook orders.
public struct MerchantsSpec: Sendable, Equatable {
    /// How many merchants.
    public var count: Int
    /// Orders a kitchen prepares at once; more wait.
    public var kitchen: Int
    /// Time to prepare one order.
    public var prepare: Distribution
    /// Time to look at a new order and accept or refuse it.
    public var decide: Distribution
    /// Fraction of orders refused.
    public var refuse: Double
    /// How long the app waits for the order service's answer to one report.
    public var reportTimeout: Duration
    /// The app's wait after its first failed report attempt; it doubles per attempt (full
    /// jitter) up to `reportBackoffCap`, until the order service acknowledges.
    public var reportBackoff: Duration
    /// The longest wait between two report attempts.
    public var reportBackoffCap: Duration

    /// The defaults are a world's without a `merchants` object.
    public init(count: Int = 50, kitchen: Int = 4, prepare: Distribution = .lognormal(median: 600, p99: 1800),
                decide: Distribution = .lognormal(median: 30, p99: 180), refuse: Double = 0.02,
                reportTimeout: Duration = .seconds(5), reportBackoff: Duration = .seconds(1), reportBackoffCap: Duration = .seconds(30)) {
        self.reportTimeout = reportTimeout
        self.reportBackoff = reportBackoff
        self.reportBackoffCap = reportBackoffCap
        self.count = count
        self.kitchen = kitchen
        self.prepare = prepare
        self.decide = decide
        self.refuse = refuse
    }
}

/// The riders who deliver.
public struct RidersSpec: Sendable, Equatable {
    /// How many riders.
    public var count: Int
    /// Orders a rider carries at once.
    public var capacity: Int
    /// Travel to the merchant.
    public var toMerchant: Distribution
    /// Travel to the customer.
    public var toCustomer: Distribution
    /// Shift length; riders start at staggered times within the first shift. nil = always on.
    public var shift: Duration?
    /// Break between shifts.
    public var offDuty: Duration
    /// How long the app waits for the order service's answer to one report.
    public var reportTimeout: Duration
    /// The app's wait after its first failed report attempt; it doubles per attempt (full
    /// jitter) up to `reportBackoffCap`, until the order service acknowledges.
    public var reportBackoff: Duration
    /// The longest wait between two report attempts.
    public var reportBackoffCap: Duration

    /// The defaults are a world's without a `riders` object.
    public init(count: Int = 100, capacity: Int = 2, toMerchant: Distribution = .lognormal(median: 420, p99: 1200),
                toCustomer: Distribution = .lognormal(median: 600, p99: 1500), shift: Duration? = nil,
                offDuty: Duration = .seconds(1800),
                reportTimeout: Duration = .seconds(5), reportBackoff: Duration = .seconds(1), reportBackoffCap: Duration = .seconds(30)) {
        self.reportTimeout = reportTimeout
        self.reportBackoff = reportBackoff
        self.reportBackoffCap = reportBackoffCap
        self.count = count
        self.capacity = capacity
        self.toMerchant = toMerchant
        self.toCustomer = toCustomer
        self.shift = shift
        self.offDuty = offDuty
    }
}

/// A fault injected at a virtual instant.
public struct FaultSpec: Sendable, Equatable {
    /// What goes wrong.
    public enum Kind: Sendable, Equatable {
        /// Extra latency on every call to a service or dependency.
        case latency(target: String, extra: Distribution)
        /// A fraction of calls to a service or dependency fail at once.
        case errors(target: String, ratio: Double)
        /// An instance (`order#1`), every instance of a service, or a piece of infrastructure
        /// (`database`, `cache`, `broker`, `locks`) crashes: it loses what that process
        /// would lose (in-flight work; a cache's entries; the lock server's keys; a broker's
        /// deliveries not yet acknowledged go back to their queues; a database's connections
        /// and running statements) and restarts after `restartAfter` (nil = never).
        case crash(target: String, restartAfter: Duration?)
        /// An instance stops the world (GC-like) for the fault's duration: no progress,
        /// requests pile up, its locks may expire while it holds them.
        case pause(target: String)
        /// Every cache entry is deleted.
        case cacheFlush
        /// Calls between two services, or a service and a piece of infrastructure, are lost
        /// for the fault's duration.
        case partition(String, String)
        /// A piece of infrastructure (`database`, `cache`, `broker`, `locks`) or the name
        /// lookup (`dns`) takes `factor` times as long for the fault's duration.
        case slowdown(target: String, factor: Double)
        /// The database's work per query is multiplied by `factor`.
        case databaseSlowdown(factor: Double)
        /// The arrival rate is multiplied by `factor`.
        case surge(factor: Double)
        /// That fraction of the orders placed while it is on carry a payload the order
        /// service cannot process (a client release sending malformed orders): every
        /// attempt to create one fails, so a queued one is redelivered until the broker's
        /// delivery limit dead-letters it.
        case poison(ratio: Double)
    }

    /// What the fault does.
    public var kind: Kind
    /// When it starts.
    public var at: Duration
    /// How long it lasts (nil for instantaneous faults and permanent ones).
    public var duration: Duration?

    /// A fault of `kind` from `at`, lasting `duration` (nil: instantaneous or permanent).
    public init(_ kind: Kind, at: Duration, for duration: Duration? = nil) {
        self.kind = kind
        self.at = at
        self.duration = duration
    }
}

/// An assertion on a metric, checked after the run:
/// `"orders.failed_ratio in 12m..18m >= 0.3"`.
public struct Expectation: Sendable, Equatable, CustomStringConvertible {
    /// Comparison operators.
    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">", equal = "==", notEqual = "!="
    }
    /// The metric (see docs/worlds.md for the names).
    public var metric: String
    /// A window of virtual time, or nil for the whole run.
    public var window: ClosedRange<Duration>?
    public var comparison: Comparison
    public var value: Double
    /// The text as written.
    public var text: String

    public init(metric: String, window: ClosedRange<Duration>?, comparison: Comparison, value: Double, text: String) {
        self.metric = metric
        self.window = window
        self.comparison = comparison
        self.value = value
        self.text = text
    }

    public var description: String { text }

    /// Whether `actual` satisfies the comparison.
    public func holds(for actual: Double) -> Bool {
        switch comparison {
        case .lessOrEqual: return actual <= value
        case .greaterOrEqual: return actual >= value
        case .less: return actual < value
        case .greater: return actual > value
        case .equal: return actual == value
        case .notEqual: return actual != value
        }
    }
}
