/// How a store command raced against a deadline ended.
enum LockCallOutcome<Reply: Sendable>: Sendable {
    /// The store replied in time.
    case replied(Reply)
    /// The command failed without a reply (it may still have taken effect).
    case failed(any Error)
    /// The deadline came first; the command was cancelled.
    case deadlinePassed
    /// The calling task was cancelled first.
    case cancelled
}

extension Clock where Duration == Swift.Duration {
    /// Runs one store command, giving up at `deadline`.
    ///
    /// Unlike ``race(deadline:_:onTimeout:)`` this needs no continuation to resume: the
    /// command is a child task, cancelled when the deadline's child wins (transports end
    /// promptly on cancellation, per ``LockStoreConnection``). The task group waits for the
    /// cancelled command to end, so no call outlives the caller's scope.
    func lockCall<Reply: Sendable>(
        before deadline: Instant,
        _ command: @escaping @Sendable () async throws -> Reply
    ) async -> LockCallOutcome<Reply> {
        await withTaskGroup(of: LockCallOutcome<Reply>.self) { group in
            group.addTask {
                do { return .replied(try await command()) } catch { return .failed(error) }
            }
            group.addTask {
                do {
                    try await self.sleep(until: deadline, tolerance: nil)
                    return .deadlinePassed
                } catch {
                    return .cancelled
                }
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
    }
}
