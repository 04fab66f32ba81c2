/// A monotonically increasing count ("orders.created").
public final class CounterMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// Total since the world started.
    @exclusivity(unchecked) public private(set) var total: Int64 = 0
    /// Count in the current time-series interval.
    @exclusivity(unchecked) var window: Int64 = 0

    init(name: String) { self.name = name }

    /// Adds `amount` (default 1).
    @inlinable public func add(_ amount: Int64 = 1) {
        addUnchecked(amount)
    }

    @usableFromInline func addUnchecked(_ amount: Int64) {
        total &+= amount
        window &+= amount
    }
}

/// A distribution of recorded values, usually latencies in nanoseconds
/// ("order.place.latency").
public final class HistogramMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// Every value since the world started.
    @exclusivity(unchecked) public private(set) var total = Histogram()
    /// Values in the current time-series interval.
    @exclusivity(unchecked) var window = Histogram()
    /// Whether the current interval is tracked (only when a time series is kept).
    var keepsWindow = false

    init(name: String) { self.name = name }

    /// Records one value.
    @inlinable public func record(_ value: Int64) {
        recordUnchecked(value)
    }

    @usableFromInline func recordUnchecked(_ value: Int64) {
        total.record(value)
        if keepsWindow { window.record(value) }
    }
}

/// A level that goes up and down ("order.queue.depth", "db.pool.in_use"), averaged over
/// time: the mean weights each value by how long it held.
public final class GaugeMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// Current value.
    public private(set) var value: Double = 0
    /// Largest value since the world started.
    public private(set) var maximum: Double = 0
    private var lastChange: Int64 = 0
    private var area: Double = 0
    private var windowArea: Double = 0
    private var windowStart: Int64 = 0
    var windowMaximum: Double = 0
    private let now: () -> Int64

    init(name: String, now: @escaping () -> Int64) {
        self.name = name
        self.now = now
    }

    /// Sets the level from now on.
    public func set(_ newValue: Double) {
        let time = now()
        accumulate(until: time)
        value = newValue
        if newValue > maximum { maximum = newValue }
        if newValue > windowMaximum { windowMaximum = newValue }
    }

    /// Adds `delta` to the level.
    public func add(_ delta: Double) { set(value + delta) }

    private func accumulate(until time: Int64) {
        let held = Double(time - lastChange)
        area += value * held
        windowArea += value * held
        lastChange = time
    }

    /// Time-weighted mean from the start of the world to `time`.
    public func mean(at time: Int64) -> Double {
        accumulate(until: time)
        return time > 0 ? area / Double(time) : value
    }

    /// Closes the current interval at `time`: its time-weighted mean and maximum.
    func closeWindow(at time: Int64) -> (mean: Double, max: Double, last: Double) {
        accumulate(until: time)
        let span = Double(time - windowStart)
        let mean = span > 0 ? windowArea / span : value
        let result = (mean, windowMaximum, value)
        windowArea = 0
        windowStart = time
        windowMaximum = value
        return result
    }
}
