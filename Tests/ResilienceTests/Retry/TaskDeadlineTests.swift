import Resilience
import SimKernel
import Synchronization
import Testing

/// A second clock type over the same virtual time, to test deadlines read through a
/// clock of another type than the one they were set with.
fileprivate struct ShiftedClock: Clock {
    struct Instant: InstantProtocol {
        var offsetNanoseconds: Int64
        func advanced(by duration: Duration) -> Instant {
            Instant(offsetNanoseconds: offsetNanoseconds + duration.nanoseconds)
        }
        func duration(to other: Instant) -> Duration { .nanoseconds(other.offsetNanoseconds - offsetNanoseconds) }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offsetNanoseconds < rhs.offsetNanoseconds }
    }

    let base: VirtualClock
    /// This clock reads a million seconds ahead of the world's.
    var now: Instant { Instant(offsetNanoseconds: base.now.nanoseconds + 1_000_000_000_000_000) }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await base.sleep(until: VirtualClock.Instant(nanoseconds: deadline.offsetNanoseconds - 1_000_000_000_000_000))
    }
}

/// Values appended by tasks of a world, read by the test afterwards.
final class RetryPoolRecorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

/// A flag a child task sets, read by the test afterwards.
fileprivate final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite("TaskDeadline")
struct TaskDeadlineTests {
    @Test("an operation that finishes in time returns its value")
    func finishesInTime() throws {
        let (value, end) = try inWorld { clock in
            let value = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                try await clock.sleep(for: .milliseconds(300))
                return 42
            }
            return (value, clock.ms)
        }
        #expect(value == 42)
        #expect(end == 300)
    }

    @Test("an operation still running at the deadline is cancelled and the call throws DeadlineExceeded then")
    func timesOut() throws {
        let cancelled = Flag()
        let (error, end) = try inWorld { clock in
            do {
                _ = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                    do {
                        try await clock.sleep(for: .seconds(10))
                    } catch {
                        cancelled.set()
                        throw error
                    }
                    return 1
                }
                return ("returned", clock.ms)
            } catch {
                return ("\(type(of: error))", clock.ms)
            }
        }
        #expect(error == "DeadlineExceeded")
        #expect(end == 1000)
        #expect(cancelled.isSet)
    }

    @Test("no deadline outside any scope")
    func noDeadline() throws {
        let (instant, remaining) = try inWorld { clock in
            (TaskDeadline.instant(on: clock), TaskDeadline.remaining(on: clock))
        }
        #expect(instant == nil && remaining == nil)
    }

    @Test("nested calls see the earliest enclosing deadline and its remaining time")
    func nested() throws {
        let seen = try inWorld { clock -> [Double] in
            try await TaskDeadline.withDeadline(at(ms: 5_000), on: clock) {
                try await clock.sleep(for: .seconds(1))
                let later = try await TaskDeadline.withTimeout(.seconds(10), on: clock) {
                    Double(TaskDeadline.instant(on: clock)!.nanoseconds) / 1e6
                }
                let earlier = try await TaskDeadline.withTimeout(.seconds(2), on: clock) {
                    Double(TaskDeadline.instant(on: clock)!.nanoseconds) / 1e6
                }
                let remaining = TaskDeadline.remaining(on: clock)!
                return [later, earlier, Double(remaining.nanoseconds) / 1e6]
            }
        }
        #expect(seen == [5_000, 3_000, 4_000])
    }

    @Test("a later nested deadline does not extend the enclosing one")
    func laterNestedDoesNotExtend() throws {
        let (outcome, end) = try inWorld { clock in
            do {
                _ = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                    do {
                        return try await TaskDeadline.withTimeout(.seconds(10), on: clock) {
                            try await clock.sleep(for: .seconds(5))
                            return 1
                        }
                    } catch {
                        // The inner scope reports the deadline, not a bare cancellation.
                        return error is DeadlineExceeded ? -1 : -2
                    }
                }
                return ("returned", clock.ms)
            } catch {
                return ("\(type(of: error))", clock.ms)
            }
        }
        #expect(outcome == "DeadlineExceeded")
        #expect(end == 1000)
    }

    @Test("an inner deadline ends only the inner call; the outer call goes on")
    func innerDeadlineOnly() throws {
        let (result, end) = try inWorld { clock in
            let result = try await TaskDeadline.withTimeout(.seconds(10), on: clock) {
                do {
                    _ = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                        try await clock.sleep(for: .seconds(5))
                        return 1
                    }
                    return "inner returned"
                } catch is DeadlineExceeded {
                    try await clock.sleep(for: .milliseconds(500))
                    return "outer went on"
                }
            }
            return (result, clock.ms)
        }
        #expect(result == "outer went on")
        #expect(end == 1500)
    }

    @Test("a deadline already passed fails without starting the operation")
    func alreadyPassed() throws {
        let started = Flag()
        let outcome = try inWorld { clock in
            try await clock.sleep(for: .seconds(2))
            do {
                _ = try await TaskDeadline.withDeadline(at(ms: 1_000), on: clock) {
                    started.set()
                    return 1
                }
                return "returned"
            } catch {
                return "\(type(of: error))"
            }
        }
        #expect(outcome == "DeadlineExceeded")
        #expect(!started.isSet)
    }

    @Test("check throws once the deadline has passed, not before")
    func check() throws {
        let checks = RetryPoolRecorder<Bool>()
        let outcome = try inWorld { clock in
            do {
                _ = try await TaskDeadline.withTimeout(.seconds(1), on: clock) {
                    checks.append((try? TaskDeadline.check(on: clock)) != nil)
                    // Ignores the cancellation at the deadline (a busy computation).
                    try? await clock.sleep(for: .seconds(2))
                    checks.append((try? TaskDeadline.check(on: clock)) != nil)
                    return 1
                }
                return "returned"
            } catch {
                return "\(type(of: error))"
            }
        }
        #expect(checks.values == [true, false])
        #expect(outcome == "DeadlineExceeded")
    }

    @Test("child tasks inherit the deadline")
    func childTasks() throws {
        let seen = try inWorld { clock -> [Double] in
            try await TaskDeadline.withTimeout(.seconds(3), on: clock) {
                await withTaskGroup(of: Double.self) { group in
                    for index in 0..<3 {
                        group.addTask {
                            try? await clock.sleep(for: .milliseconds(Int64(100 * index)))
                            return Double(TaskDeadline.remaining(on: clock)!.nanoseconds) / 1e6
                        }
                    }
                    var all: [Double] = []
                    for await value in group { all.append(value) }
                    return all.sorted()
                }
            }
        }
        #expect(seen == [2_800, 2_900, 3_000])
    }

    @Test("cancelling the caller cancels the operation; the call ends with the operation's error")
    func callerCancelled() throws {
        let (outcome, end) = try inWorld { clock in
            await withTaskGroup(of: (String, Double).self) { group in
                group.addTask {
                    do {
                        _ = try await TaskDeadline.withTimeout(.seconds(10), on: clock) {
                            try await clock.sleep(for: .seconds(5))
                            return 1
                        }
                        return ("returned", clock.ms)
                    } catch {
                        return ("\(type(of: error))", clock.ms)
                    }
                }
                try? await clock.sleep(for: .milliseconds(700))
                group.cancelAll()
                return await group.next()!
            }
        }
        #expect(outcome == "CancellationError")
        #expect(end == 700)
    }

    @Test("a deadline set on one clock type is seen, translated through the remaining time, on another")
    func otherClockType() throws {
        let (remainingOther, remainingBase) = try inWorld { clock in
            let shifted = ShiftedClock(base: clock)
            return try await TaskDeadline.withTimeout(.seconds(2), on: shifted) {
                try await clock.sleep(for: .milliseconds(500))
                return (TaskDeadline.remaining(on: shifted)!, TaskDeadline.remaining(on: clock)!)
            }
        }
        #expect(remainingOther == .milliseconds(1_500))
        #expect(remainingBase == .milliseconds(1_500))
    }

    @Test("an earlier deadline on another clock type shortens a later one")
    func earlierOnOtherClock() throws {
        let end = try inWorld { clock in
            let shifted = ShiftedClock(base: clock)
            do {
                _ = try await TaskDeadline.withTimeout(.seconds(1), on: shifted) {
                    try await TaskDeadline.withTimeout(.seconds(5), on: clock) {
                        #expect(TaskDeadline.remaining(on: clock) == .seconds(1))
                        try await clock.sleep(for: .seconds(3))
                        return 1
                    }
                }
            } catch {
                #expect(error is DeadlineExceeded)
            }
            return clock.ms
        }
        #expect(end == 1000)
    }

    @Test("on ContinuousClock, a slow operation is cut at its deadline")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await TaskDeadline.withTimeout(.milliseconds(200), on: clock) {
                // A loaded machine may start this child late: only an upper bound holds.
                #expect(TaskDeadline.remaining(on: clock)! <= .milliseconds(200))
                try await clock.sleep(until: clock.now.advanced(by: .seconds(30)), tolerance: nil)
                return 1
            }
            Issue.record("the operation should not finish")
        } catch {
            #expect(error is DeadlineExceeded)
        }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed >= .milliseconds(200) && elapsed < realClockPatience, "only catches a hang: a loaded machine delays real-time continuations")
    }
}
