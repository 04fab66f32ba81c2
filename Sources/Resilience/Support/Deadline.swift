/// Why a wait for a resource ended without it.
public enum WaitOutcome: Sendable, Equatable {
    /// The wait's time limit passed.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
}

extension Clock where Duration == Swift.Duration {
    /// Runs `operation` and, if it has not finished by `deadline`, calls `onTimeout`
    /// (which must make `operation` return, typically by resuming its continuation).
    ///
    /// The timer is a child task sleeping on this clock, so the race behaves the same
    /// under `ContinuousClock` and under a simulation's virtual clock (whose executor the
    /// child inherits). When `operation` wins, the timer child is cancelled at once.
    @inlinable func race<T: Sendable>(
        deadline: Instant,
        _ operation: () async -> T,
        onTimeout: @escaping @Sendable () -> Void
    ) async -> T {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.sleep(until: deadline, tolerance: nil)
                    onTimeout()
                } catch {}
            }
            let result = await operation()
            group.cancelAll()
            return result
        }
    }
}
