import SimKernel
import Testing

/// Runs `property` once per seeded random schedule and reports the first seed that
/// breaks it, so a failure can be replayed alone with `schedules(seeds: [seed])`.
///
/// The generator is deliberately small: each schedule gets its own ``RandomStream``
/// (derived from the property's name and the schedule number), from which the property
/// draws its operations, delays and parameters.
func forEachSchedule(
    _ name: String,
    count: Int = 500,
    seeds: [UInt64]? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ property: (inout RandomStream) throws -> Void
) rethrows {
    let list = seeds ?? (0..<UInt64(count)).map { $0 }
    for seed in list {
        var random = RandomStream(seed: seed, name: name)
        do {
            try property(&random)
        } catch {
            Issue.record("property \"\(name)\" failed for schedule seed \(seed): \(error)",
                         sourceLocation: sourceLocation)
            throw error
        }
    }
}

/// ``forEachSchedule`` one seed at a time, yielding between schedules: for properties
/// that are CPU-bound for seconds, which without yielding hold the cooperative pool's
/// threads, starving real-clock tests that run in parallel.
func forEachYieldingSchedule(
    _ name: String,
    count: Int,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ property: (inout RandomStream) throws -> Void
) async throws {
    for seed in 0..<UInt64(count) {
        try forEachSchedule(name, seeds: [seed], sourceLocation: sourceLocation, property)
        await Task.yield()
    }
}

/// A property violation, carrying what the schedule did so the failure explains itself.
struct PropertyViolation: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Throws a ``PropertyViolation`` when `condition` is false.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw PropertyViolation(message()) }
}

extension RandomStream {
    /// A uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.count)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { nextUnit() < p }

    /// A duration drawn uniformly from `range` milliseconds.
    mutating func milliseconds(in range: ClosedRange<Int>) -> Duration {
        .milliseconds(int(in: range))
    }
}
