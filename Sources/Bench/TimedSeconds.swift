/// `body`'s result and how long it took on the monotonic clock, in seconds: how each
/// benchmark child times its own simulation loop, as the Python peers do with
/// `time.perf_counter()` (start-up and model building are outside it).
///
/// ```swift
/// let (outcome, seconds) = timedSeconds { world.run() }
/// ```
public func timedSeconds<Result>(_ body: () throws -> Result) rethrows -> (result: Result, seconds: Double) {
    let clock = ContinuousClock()
    let started = clock.now
    let result = try body()
    let (seconds, attoseconds) = started.duration(to: clock.now).components
    return (result, Double(seconds) + Double(attoseconds) / 1e18)
}
