import Resilience
import SimKernel
import Testing

@Suite("RateLimiter (async wrapper)")
struct RateLimiterTests {
    typealias Rejection = RateLimiter<TokenBucket<VirtualClock.Instant>, VirtualClock>.Rejection
    @Test("acquire sleeps on the clock until the permit is available")
    func acquireWaits() throws {
        let times = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 1), clock: clock)
            var times: [Double] = []
            for _ in 0..<3 {
                try await limiter.acquire()
                times.append(clock.ms)
            }
            return times
        }
        #expect(times == [0, 100, 200])
    }

    @Test("acquire fails at once, taking nothing, when the wait would pass maxWait")
    func failsAtOnce() throws {
        let (error, elapsed, tokens) = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 1), clock: clock)
            try await limiter.acquire()
            var caught: Rejection?
            do throws(Rejection) { try await limiter.acquire(maxWait: .milliseconds(99)) } catch { caught = error }
            return (caught, clock.ms, limiter.snapshot.tokens(at: clock.now))
        }
        #expect(error == .wouldExceedMaxWait)
        #expect(elapsed == 0)
        #expect(tokens == 0)
    }

    @Test("under a task deadline, a wait that would pass it fails at once and books nothing")
    func deadlineFailsFast() throws {
        let (error, elapsed, tokensLater) = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 1), clock: clock)
            try await limiter.acquire()
            let (caught, when) = (try? await TaskDeadline.withTimeout(.milliseconds(50), on: clock) { () async -> (Rejection?, Double) in
                do throws(Rejection) { try await limiter.acquire() } catch { return (error, clock.ms) }
                return (nil, clock.ms)
            }) ?? (nil, -1)
            // Nothing was booked: the token due at 100 ms is still there for someone else.
            try? await clock.sleep(until: at(ms: 100), tolerance: nil)
            return (caught, when, limiter.snapshot.tokens(at: clock.now))
        }
        #expect(error == .wouldExceedMaxWait)
        #expect(elapsed == 0)
        #expect(tokensLater == 1)
    }

    @Test("asking for more than the burst fails at once")
    func moreThanBurst() throws {
        let error = try inWorld { clock -> Rejection? in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 2), clock: clock)
            do throws(Rejection) { try await limiter.acquire(3) } catch { return error }
            return Rejection?.none
        }
        #expect(error == .wouldExceedMaxWait)
    }

    @Test("cancellation while waiting gives the reservation back")
    func cancellationReturnsReservation() throws {
        let (outcome, secondAcquiredAt) = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 1), clock: clock)
            try await limiter.acquire()
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        try await limiter.acquire()   // would act at 100 ms
                        return "acquired"
                    } catch { return "\(error)" }
                }
                group.addTask {
                    try? await clock.sleep(until: at(ms: 50), tolerance: nil)
                    return "timer"
                }
                _ = await group.next()
                group.cancelAll()
                return await group.next()!
            }
            // The cancelled booking is returned: the next caller acts at 100 ms, not 200 ms.
            try await limiter.acquire()
            return (outcome, clock.ms)
        }
        #expect(outcome == "cancelled")
        #expect(secondAcquiredAt == 100)
    }

    @Test("an already-cancelled task is refused without booking")
    func alreadyCancelled() throws {
        let (error, tokens) = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(10), burst: 1), clock: clock)
            let result = await withTaskGroup(of: Rejection?.self) { group in
                group.cancelAll()
                group.addTask {
                    do throws(Rejection) { try await limiter.acquire() } catch { return error }
                    return nil
                }
                return await group.next()!
            }
            return (result, limiter.snapshot.tokens(at: clock.now))
        }
        #expect(error == .cancelled)
        #expect(tokens == 1)
    }

    @Test("seed 000: 100 permits/s with a 1 s timeout lets 100 of 150 simultaneous callers through, spaced 10 ms")
    func seed000() throws {
        let (granted, refused, last) = try inWorld { clock in
            let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(100), burst: 100, initialTokens: 0), clock: clock)
            return await withTaskGroup(of: Double?.self) { group in
                for _ in 0..<150 {
                    group.addTask {
                        do {
                            try await limiter.acquire(maxWait: .seconds(1))
                            return clock.ms
                        } catch { return nil }
                    }
                }
                var granted = 0, refused = 0, last = 0.0
                for await time in group {
                    if let time { granted += 1; last = max(last, time) } else { refused += 1 }
                }
                return (granted, refused, last)
            }
        }
        #expect(granted == 100)
        #expect(refused == 50)
        #expect(last == 1000)
    }

    @Test("callers queue on a QueueingLimiter up to its maxQueueingTime")
    func queueingThroughWrapper() throws {
        let outcomes = try inWorld { clock in
            let limiter = RateLimiter(try QueueingLimiter(rate: try .perSecond(10), maxQueueingTime: .milliseconds(250)), clock: clock)
            return await withTaskGroup(of: Double?.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        do {
                            try await limiter.acquire()
                            return clock.ms
                        } catch { return nil }
                    }
                }
                var times: [Double?] = []
                for await time in group { times.append(time) }
                return times
            }
        }
        #expect(outcomes.compactMap { $0 }.sorted() == [0, 100, 200])
        #expect(outcomes.filter { $0 == nil }.count == 2)
    }

    @Test("tryAcquire on a window limiter through the wrapper")
    func windowThroughWrapper() throws {
        let admitted = try inWorld { clock in
            let limiter = RateLimiter(try SlidingWindowLog(limit: 2, window: .seconds(1)), clock: clock)
            var admitted = 0
            for _ in 0..<5 where limiter.tryAcquire() { admitted += 1 }
            try await clock.sleep(until: at(ms: 1000), tolerance: nil)
            for _ in 0..<5 where limiter.tryAcquire() { admitted += 1 }
            return admitted
        }
        #expect(admitted == 4)
    }

    @Test("acquire works on ContinuousClock")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let limiter = RateLimiter(try TokenBucket(rate: try .perSecond(50), burst: 1), clock: clock)
        let start = clock.now
        for _ in 0..<3 { try await limiter.acquire(maxWait: .seconds(5)) }
        let elapsed = start.duration(to: clock.now)
        // Two waits of 20 ms; the upper bound only guards against hanging (the test
        // threads are shared with CPU-bound tests on a 2-core machine).
        #expect(elapsed >= .milliseconds(39))
        #expect(elapsed < realClockPatience)
    }
}
