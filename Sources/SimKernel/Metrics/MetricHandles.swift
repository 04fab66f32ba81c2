/// A monotonically increasing count ("orders.created").
public final class CounterMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// What it measures, when the code that made it said so.
    public internal(set) var descriptor: MetricDescriptor?
    /// Total since the world started.
    public var total: Int64 { _total }
    @usableFromInline @exclusivity(unchecked) var _total: Int64 = 0
    /// Count in the current time-series interval.
    @usableFromInline @exclusivity(unchecked) var window: Int64 = 0

    init(name: String) { self.name = name }

    /// Adds `amount` (default 1).
    @inlinable public func add(_ amount: Int64 = 1) {
        _total &+= amount
        window &+= amount
    }
}

/// A distribution of recorded values, usually latencies in nanoseconds
/// ("order.place.latency").
public final class HistogramMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// What it measures, when the code that made it said so.
    public internal(set) var descriptor: MetricDescriptor?
    /// Every value since the world started.
    public var total: Histogram {
        var all = closed
        all.merge(window)
        return all
    }
    /// Values of intervals already closed.
    @usableFromInline @exclusivity(unchecked) var closed = Histogram()
    /// Values in the current time-series interval (the whole run without a series).
    /// Each value is recorded once, here; `total` merges it with the closed intervals,
    /// which halves the cost of recording a latency.
    @usableFromInline @exclusivity(unchecked) var window = Histogram()

    init(name: String) { self.name = name }

    /// Records one value.
    @inlinable public func record(_ value: Int64) {
        window.record(value)
    }

    /// Ends the current interval: returns its values and folds them into the total.
    func closeWindow() -> Histogram {
        let interval = window
        closed.merge(interval)
        window = Histogram()
        return interval
    }
}

/// A level that goes up and down ("order.queue.depth", "db.pool.in_use"), averaged over
/// time: the mean weights each value by how long it held.
public final class GaugeMetric: @unchecked Sendable {
    /// The metric's name.
    public let name: String
    /// What the gauge measures, when its maker described it (kind, unit, service, figure).
    public internal(set) var descriptor: MetricDescriptor?
    /// Current value.
    @exclusivity(unchecked) public private(set) var value: Double = 0
    /// Largest value since the world started.
    @exclusivity(unchecked) public private(set) var maximum: Double = 0
    @exclusivity(unchecked) private var lastChange: Int64 = 0
    @exclusivity(unchecked) private var area: Double = 0
    @exclusivity(unchecked) private var windowArea: Double = 0
    @exclusivity(unchecked) private var windowStart: Int64 = 0
    @exclusivity(unchecked) var windowMaximum: Double = 0
    // The executor owns the world, and the world owns its metrics: unowned(unsafe) saves
    // a reference-count check on every gauge update.
    private unowned(unsafe) let executor: SimExecutor

    init(name: String, executor: SimExecutor) {
        self.name = name
        self.executor = executor
    }

    /// Everything the gauge holds, to put it back (see ``Metrics/keepingValues(_:)``).
    struct State {
        var value, maximum: Double, lastChange: Int64, area, windowArea: Double
        var windowStart: Int64, windowMaximum: Double
    }

    var state: State {
        get {
            State(value: value, maximum: maximum, lastChange: lastChange, area: area, windowArea: windowArea,
                  windowStart: windowStart, windowMaximum: windowMaximum)
        }
        set {
            (value, maximum, lastChange, area) = (newValue.value, newValue.maximum, newValue.lastChange, newValue.area)
            (windowArea, windowStart, windowMaximum) = (newValue.windowArea, newValue.windowStart, newValue.windowMaximum)
        }
    }

    /// Sets the level from now on.
    public func set(_ newValue: Double) {
        let time = executor.now
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
