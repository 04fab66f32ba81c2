import SimKernel
import Testing

/// Runs `body` as a task of a fresh simulated world and drives the world until it has
/// nothing left to do, then returns what `body` returned.
///
/// This is the "manually advanced clock" the async wrappers are tested under: virtual
/// time jumps straight to the next timer whenever every task waits, so a test that
/// sleeps 30 s finishes in microseconds, and the order of everything is reproducible.
/// Child tasks (timeouts, races) inherit the world's executor.
func inWorld<T: Sendable>(
    seed: UInt64 = 1,
    until end: Duration? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable (VirtualClock) async throws -> T
) throws -> T {
    let sim = Simulation(seed: seed)
    let box = ResultBox<T>()
    let clock = sim.clock
    sim.spawn("test") {
        do { box.result = .success(try await body(clock)) } catch { box.result = .failure(error) }
    }
    let run = sim.run(until: end)
    defer { sim.shutdown() }
    #expect(run.stop.isSuccess, "world ended with \(run.stop)", sourceLocation: sourceLocation)
    guard let result = box.result else {
        throw PropertyViolation("the test task did not finish (\(run.stop))")
    }
    return try result.get()
}

/// Spawns extra tasks in the same world as an ``inWorld`` body.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

extension VirtualClock {
    /// Milliseconds since the world started, as a Double (for readable expectations).
    var ms: Double { Double(now.nanoseconds) / 1e6 }
}

/// The instant `ms` milliseconds after the start of a world (for pure state machines).
func at(ms: Double) -> VirtualClock.Instant {
    VirtualClock.Instant(nanoseconds: Int64((ms * 1e6).rounded()))
}
