import Resilience
import SimKernel
import Testing

@Suite("TaskDeadline propagated to a handler")
struct PropagatedDeadlineTests {
    @Test("a propagated deadline is seen by nested waits but does not cancel the work under way")
    func seenNotEnforced() throws {
        let (remaining, end, finished) = try inWorld { clock in
            try await TaskDeadline.withPropagatedDeadline(at(ms: 300), on: clock) {
                let remaining = TaskDeadline.remaining(on: clock)
                // Work longer than the deadline runs to its end: no timer cancels it.
                try await clock.sleep(for: .milliseconds(500))
                return (remaining, clock.ms, !Task.isCancelled)
            }
        }
        #expect(remaining == .milliseconds(300))
        #expect(end == 500)
        #expect(finished)
    }

    @Test("once the propagated deadline has passed, check() refuses and limit() leaves no wait")
    func passedDeadline() throws {
        let (refused, limit) = try inWorld { clock in
            await TaskDeadline.withPropagatedDeadline(at(ms: 100), on: clock) {
                try? await clock.sleep(for: .milliseconds(150))
                var refused = false
                do { try TaskDeadline.check(on: clock) } catch { refused = true }
                return (refused, TaskDeadline.limit(.seconds(1), on: clock))
            }
        }
        #expect(refused)
        #expect(limit == .zero)
    }

    @Test("a nested withDeadline inside a propagated scope arms its own timer at the propagated deadline")
    func nestedEnforcedScope() throws {
        let (outcome, end) = try inWorld { clock in
            let outcome = await TaskDeadline.withPropagatedDeadline(at(ms: 200), on: clock) {
                do {
                    return try await TaskDeadline.withTimeout(.seconds(5), on: clock) {
                        try await clock.sleep(for: .seconds(1))
                        return "finished"
                    }
                } catch {
                    return error is DeadlineExceeded ? "deadline" : "\(error)"
                }
            }
            return (outcome, clock.ms)
        }
        #expect(outcome == "deadline")
        #expect(end == 200)
    }

    @Test("an earlier enclosing deadline still governs a later propagated one; nil propagates nothing")
    func earlierEnclosingWins() throws {
        let seen = try inWorld { clock in
            try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                let later = await TaskDeadline.withPropagatedDeadline(at(ms: 5_000), on: clock) {
                    TaskDeadline.instant(on: clock)
                }
                let none = await TaskDeadline.withPropagatedDeadline(nil, on: clock) { TaskDeadline.instant(on: clock) }
                return [later, none]
            }
        }
        #expect(seen == [at(ms: 1_000), at(ms: 1_000)])
    }

    @Test("withoutDeadline hides the deadline from what it runs (where a task outliving the request is created), and only there")
    func withoutDeadline() throws {
        let (hiddenSync, hiddenAsync, outside) = try inWorld { clock in
            await TaskDeadline.withPropagatedDeadline(at(ms: 100), on: clock) {
                let hiddenSync = TaskDeadline.withoutDeadline { TaskDeadline.instant(on: clock) }
                let hiddenAsync = await TaskDeadline.withoutDeadline { () async in
                    try? await clock.sleep(for: .milliseconds(200))
                    return TaskDeadline.remaining(on: clock)
                }
                return (hiddenSync, hiddenAsync, TaskDeadline.instant(on: clock))
            }
        }
        #expect(hiddenSync == nil)
        #expect(hiddenAsync == nil)
        #expect(outside == at(ms: 100))
    }

    @Test("a retrier under a propagated deadline stops retrying when the next attempt would start after it")
    func retrierStopsAtPropagatedDeadline() throws {
        let (attempts, end, stopped) = try inWorld { clock in
            let retrier = Retrier(policy: try RetryPolicy(maxAttempts: 10, backoff: try .constant(.milliseconds(100))),
                                  clock: clock, random: RandomStream(seed: 1, name: "retry"))
            var attempts = 0
            var stopped: RetryStopReason?
            await TaskDeadline.withPropagatedDeadline(at(ms: 250), on: clock) {
                _ = try? await retrier.run({
                    attempts += 1
                    throw BackendError.unavailable
                }, onEvent: { event in
                    if case .gaveUp(_, let reason, _) = event { stopped = reason }
                })
            }
            return (attempts, clock.ms, stopped)
        }
        // Attempts at 0, 100 and 200 ms; a fourth would start at 300 ms, after the deadline.
        #expect(attempts == 3)
        #expect(end == 200)
        #expect(stopped == .deadlineWouldPass)
    }
}
