import Resilience
import SimKernel
import Synchronization
import Testing

/// Counts attempts and answers from a script: fail with `RetryTransientError` until
/// `failures` attempts have failed, then succeed.
fileprivate final class FlakyOperation: Sendable {
    private let state = Mutex<(attempts: Int, times: [Double])>((0, []))
    let failures: Int

    init(failures: Int) { self.failures = failures }

    func callAsFunction(at ms: Double) throws -> String {
        let attempt = state.withLock { state -> Int in
            state.attempts += 1
            state.times.append(ms)
            return state.attempts
        }
        if attempt <= failures { throw RetryTransientError(attempt: attempt) }
        return "ok after \(attempt)"
    }

    var attempts: Int { state.withLock { $0.attempts } }
    var times: [Double] { state.withLock { $0.times } }
}

@Suite("Retrier")
struct RetrierTests {
    private func makeRetrier(
        _ policy: RetryPolicy, budget: RetryBudget<VirtualClock.Instant>.Configuration? = nil, clock: VirtualClock
    ) -> Retrier<VirtualClock, RandomStream> {
        Retrier(policy: policy, budget: budget, clock: clock, random: RandomStream(seed: 7, name: "retrier"))
    }

    @Test("the producer's retries: 4 attempts at 0, 100, 200 and 300 ms, then the last error")
    func producer() throws {
        let operation = FlakyOperation(failures: 10)
        let (error, end) = try inWorld { clock in
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 4, backoff: try .constant(.milliseconds(100))), clock: clock)
            do {
                _ = try await retrier.run { try operation(at: clock.ms) }
                return (RetryTransientError(), clock.ms)
            } catch let error as RetryTransientError {
                return (error, clock.ms)
            }
        }
        #expect(operation.times == [0, 100, 200, 300])
        #expect(error == RetryTransientError(attempt: 4))
        #expect(end == 300)
    }

    @Test("a success after failures is returned at once and counted as a success with retry")
    func successAfterRetries() throws {
        let operation = FlakyOperation(failures: 2)
        let (value, end, statistics) = try inWorld { clock in
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 5, backoff: try .constant(.milliseconds(50))), clock: clock)
            let value = try await retrier.run { try operation(at: clock.ms) }
            return (value, clock.ms, retrier.statistics)
        }
        #expect(value == "ok after 3")
        #expect(end == 100)
        #expect(statistics.succeededWithRetry == 1 && statistics.retries == 2 && statistics.succeededWithoutRetry == 0)
    }

    @Test("a per-call jitter source sets each call's delays, whatever other calls drew before")
    func perCallJitter() throws {
        let policy = try RetryPolicy(maxAttempts: 4, backoff: try .exponential(base: .milliseconds(100), cap: .seconds(5)))
        // The delays of call 2, run alone or after call 1 failed three times.
        func delays(runFirstCall: Bool) throws -> [Double] {
            try inWorld { clock in
                let retrier = makeRetrier(policy, clock: clock)
                let jitter = { (call: UInt64) in { (attempt: Int) in RandomStream(rawSeed: call &* 1_000 &+ UInt64(attempt)) } }
                if runFirstCall {
                    let first = FlakyOperation(failures: 3)
                    _ = try await retrier.run({ try first(at: clock.ms) }, jitter: jitter(1))
                }
                let second = FlakyOperation(failures: 3)
                let start = clock.ms
                _ = try await retrier.run({ try second(at: clock.ms) }, jitter: jitter(2))
                return second.times.map { (($0 - start) * 1_000).rounded() / 1_000 }
            }
        }
        let alone = try delays(runFirstCall: false)
        let after = try delays(runFirstCall: true)
        #expect(alone.count == 4)
        #expect(alone == after)
        // Full jitter: each wait lies within its exponential ceiling (100, 200, 400 ms).
        let waits = zip(alone.dropFirst(), alone).map { $0 - $1 }
        #expect(zip(waits, [100.0, 200, 400]).allSatisfy { $0 >= 0 && $0 <= $1 })
    }

    @Test("a non-retryable error is thrown after one attempt")
    func notRetryable() throws {
        let attempts = try inWorld { clock in
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 5) { !($0 is RetryPermanentError) }, clock: clock)
            var attempts = 0
            do {
                _ = try await retrier.run { () async throws -> Int in
                    attempts += 1
                    throw RetryPermanentError()
                }
            } catch is RetryPermanentError {}
            #expect(retrier.statistics.failedWithoutRetry == 1)
            return attempts
        }
        #expect(attempts == 1)
    }

    @Test("events report every retry's attempt, delay and error, then the outcome")
    func events() throws {
        let operation = FlakyOperation(failures: 2)
        let events = try inWorld { clock -> [String] in
            let policy = try RetryPolicy(maxAttempts: 5, backoff: try .exponential(base: .milliseconds(100), cap: .seconds(1), jitter: .none))
            let retrier = makeRetrier(policy, clock: clock)
            var events: [String] = []
            _ = try await retrier.run({ try operation(at: clock.ms) }) { event in
                switch event {
                case .retrying(let attempt, let delay, let error):
                    events.append("retry \(attempt) after \(delay) (\((error as? RetryTransientError)?.attempt ?? -1))")
                case .succeeded(let attempt):
                    events.append("succeeded \(attempt)")
                case .gaveUp(let attempt, let reason, _):
                    events.append("gave up \(attempt) \(reason)")
                }
            }
            return events
        }
        #expect(events == ["retry 1 after 0.1 seconds (1)", "retry 2 after 0.2 seconds (2)", "succeeded 3"])
    }

    @Test("jittered delays are slept exactly as drawn, and the same seed gives the same schedule")
    func jitterReproducible() throws {
        func schedule() throws -> [Double] {
            let operation = FlakyOperation(failures: 5)
            return try inWorld { clock in
                let retrier = makeRetrier(try RetryPolicy(maxAttempts: 6, backoff: try .exponential(base: .milliseconds(100), cap: .seconds(5))), clock: clock)
                var delays: [Double] = []
                _ = try await retrier.run({ try operation(at: clock.ms) }) { event in
                    if case .retrying(_, let delay, _) = event { delays.append(Double(delay.nanoseconds) / 1e6) }
                }
                // Each attempt starts exactly when the previous delay ends.
                let times = operation.times
                for index in 1..<times.count {
                    #expect(abs(times[index] - times[index - 1] - delays[index - 1]) < 1e-6)
                }
                return delays
            }
        }
        let first = try schedule()
        #expect(first.count == 5)
        #expect(try schedule() == first)
    }

    @Test("the loop stops early when the next backoff would pass the deadline")
    func deadlineStopsEarly() throws {
        let operation = FlakyOperation(failures: 100)
        let (reasons, end, error) = try inWorld { clock in
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 10, backoff: try .constant(.milliseconds(300))), clock: clock)
            let reasons = RetryPoolRecorder<RetryStopReason>()
            do {
                _ = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                    try await retrier.run({ try operation(at: clock.ms) }) { event in
                        if case .gaveUp(_, let reason, _) = event { reasons.append(reason) }
                    }
                }
                return (reasons.values, clock.ms, "returned")
            } catch {
                return (reasons.values, clock.ms, "\(type(of: error))")
            }
        }
        #expect(operation.times == [0, 300, 600, 900])
        #expect(reasons == [.deadlineWouldPass])
        #expect(end == 900)
        #expect(error == "RetryTransientError")
    }

    @Test("cancellation during a backoff ends the call at once with CancellationError")
    func cancellationDuringBackoff() throws {
        let operation = FlakyOperation(failures: 100)
        let (outcome, end) = try inWorld { clock in
            await withTaskGroup(of: (String, Double).self) { group in
                group.addTask {
                    // `try!`: valid constants (the task's body cannot throw).
                    let retrier = self.makeRetrier(try! RetryPolicy(maxAttempts: 10, backoff: try! .constant(.seconds(10))), clock: clock)
                    do {
                        _ = try await retrier.run { try operation(at: clock.ms) }
                        return ("returned", clock.ms)
                    } catch {
                        #expect(retrier.statistics.cancellations == 1)
                        return ("\(type(of: error))", clock.ms)
                    }
                }
                try? await clock.sleep(for: .milliseconds(1_500))
                group.cancelAll()
                return await group.next()!
            }
        }
        #expect(outcome == "CancellationError")
        #expect(end == 1_500)
        #expect(operation.attempts == 1)
    }

    @Test("a failure seen after the task was cancelled is not retried")
    func failureAfterCancellation() throws {
        let outcome = try inWorld { clock in
            await withTaskGroup(of: String.self) { group in
                group.addTask {
                    // `try!`: valid constants (the task's body cannot throw).
                    let retrier = self.makeRetrier(try! RetryPolicy(maxAttempts: 10, backoff: try! .constant(.milliseconds(1))), clock: clock)
                    var attempts = 0
                    do {
                        _ = try await retrier.run { () async throws -> Int in
                            attempts += 1
                            // Fails because of the cancellation, with a retryable error.
                            try? await clock.sleep(for: .seconds(10))
                            throw RetryTransientError()
                        }
                        return "returned"
                    } catch {
                        return "\(type(of: error)) after \(attempts)"
                    }
                }
                try? await clock.sleep(for: .milliseconds(10))
                group.cancelAll()
                return await group.next()!
            }
        }
        #expect(outcome == "CancellationError after 1")
    }

    @Test("a shared budget stops retries beyond its reserve")
    func budgetStops() throws {
        let statistics = try inWorld { clock in
            // Reserve of exactly one retry (0.1 per second over 10 s), no ratio.
            let budget = try RetryBudget<VirtualClock.Instant>.Configuration(retryRatio: 0, minRetriesPerSecond: 0.1)
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 3, backoff: try .constant(.milliseconds(10))), budget: budget, clock: clock)
            let operation = FlakyOperation(failures: 100)
            for _ in 0..<2 {
                _ = try? await retrier.run { try operation(at: clock.ms) }
            }
            #expect(operation.attempts == 3)  // 2 for the first call (1 retry), 1 for the second
            return retrier.statistics
        }
        #expect(statistics.retries == 1)
        #expect(statistics.budgetDenials == 2)
        #expect(statistics.failedWithRetry == 1 && statistics.failedWithoutRetry == 1)
    }

    @Test("a per-call jitter source leaves the shared budget in charge: retries beyond its reserve stop")
    func budgetStopsPerCallJitter() throws {
        let statistics = try inWorld { clock in
            let budget = try RetryBudget<VirtualClock.Instant>.Configuration(retryRatio: 0, minRetriesPerSecond: 0.1)
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 3, backoff: try .exponential(base: .milliseconds(10), cap: .seconds(1))),
                                      budget: budget, clock: clock)
            let operation = FlakyOperation(failures: 100)
            for call in 0..<2 {
                _ = try? await retrier.run({ try operation(at: clock.ms) },
                                           jitter: { attempt in RandomStream(rawSeed: UInt64(call) &* 1_000 &+ UInt64(attempt)) })
            }
            #expect(operation.attempts == 3)  // 2 for the first call (1 retry), 1 for the second
            return retrier.statistics
        }
        #expect(statistics.retries == 1)
        #expect(statistics.budgetDenials == 2)
    }

    @Test("a retry storm of concurrent callers is throttled to the budget's ratio")
    func storm() throws {
        let (attempts, retries) = try inWorld { clock in
            let budget = try RetryBudget<VirtualClock.Instant>.Configuration(retryRatio: 0.2, minRetriesPerSecond: 0)
            let retrier = makeRetrier(try RetryPolicy(maxAttempts: 3, backoff: try .exponential(base: .milliseconds(50), cap: .seconds(1))), budget: budget, clock: clock)
            let operation = FlakyOperation(failures: .max)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try? await clock.sleep(for: .milliseconds(Int64(index)))
                        _ = try? await retrier.run { try operation(at: clock.ms) }
                    }
                }
            }
            return (operation.attempts, retrier.statistics.retries)
        }
        // Without a budget: 300 attempts. With it: 100 requests + at most 20 retries.
        #expect(retries <= 20 && retries >= 19)
        #expect(attempts == 100 + retries)
    }

    @Test("on ContinuousClock, a flaky operation succeeds after real backoffs")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let retrier = Retrier(policy: try RetryPolicy(maxAttempts: 3, backoff: try .constant(.milliseconds(10))), clock: clock)
        let operation = FlakyOperation(failures: 2)
        let start = clock.now
        let value = try await retrier.run { try operation(at: 0) }
        let elapsed = start.duration(to: clock.now)
        #expect(value == "ok after 3")
        #expect(elapsed >= .milliseconds(20) && elapsed < realClockPatience, "only catches a hang: a loaded machine delays real-time continuations")
    }
}
