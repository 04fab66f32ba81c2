import Resilience
import SimKernel
import Testing

private typealias Cache = CacheAside<Int, String, VirtualClock>

private func makeCache(
    _ clock: VirtualClock, capacity: Int = 100, ttl: Duration = .seconds(10), negativeTTL: Duration = .seconds(5),
    jitter: TTLJitter = .none, earlyRefresh: EarlyRefresh? = nil, seed: UInt64 = 1
) throws -> Cache {
    Cache(try .init(capacity: capacity, ttl: ttl, negativeTTL: negativeTTL, jitter: jitter, earlyRefresh: earlyRefresh),
          clock: clock, random: RandomStream(rawSeed: seed))
}

/// What one caller of a schedule got.
private enum CallerOutcome: Sendable, Equatable {
    case value(String?)
    case cancelled
    case failed(String)
}

/// Runs `get` and folds its result into a ``CallerOutcome``.
private func outcome(_ body: () async throws -> String?) async -> CallerOutcome {
    do {
        return .value(try await body())
    } catch is CancellationError {
        return .cancelled
    } catch {
        return .failed("\(error)")
    }
}

/// Runs `body` and cancels it at `cancelAt` (if given) unless it finished first.
private func cancellable(
    _ clock: VirtualClock, cancelAt: VirtualClock.Instant?, _ body: @escaping @Sendable () async -> CallerOutcome
) async -> CallerOutcome {
    guard let cancelAt else { return await body() }
    return await withTaskGroup(of: CallerOutcome?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await clock.sleep(until: cancelAt, tolerance: nil)
            return nil
        }
        var result = CallerOutcome.cancelled
        for await finished in group {
            group.cancelAll()
            if let finished { result = finished }
        }
        return result
    }
}

private func sleep(_ clock: VirtualClock, untilMs ms: Double) async {
    try? await clock.sleep(until: at(ms: ms), tolerance: nil)
}

@Suite("CacheAside")
struct CacheAsideTests {
    // MARK: Basics

    @Test("a miss loads once and later calls hit without loading")
    func missThenHit() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let first = try await cache.get(1) { probe.begin(); return "v1" }
            let second = try await cache.get(1) { probe.begin(); return "v2" }
            #expect(first == "v1" && second == "v1")
            #expect(probe.calls == 1)
            let stats = cache.statistics
            #expect(stats.hits == 1 && stats.misses == 1 && stats.loads == 1 && stats.entries == 1)
            if case .value(let cached) = cache.peek(1) { #expect(cached == "v1") } else { Issue.record("not cached") }
            if case .miss = cache.peek(2) {} else { Issue.record("key 2 should miss") }
        }
    }

    @Test("the TTL counts from the start of the load that produced the value")
    func ttlFromLoadStart() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(1))
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = {
                let n = probe.begin()
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                return "v\(n)"
            }
            #expect(try await cache.get(1, load: load) == "v1")
            #expect(clock.ms == 100)
            await sleep(clock, untilMs: 999)
            #expect(try await cache.get(1, load: load) == "v1")
            await sleep(clock, untilMs: 1000)
            #expect(try await cache.get(1, load: load) == "v2")
            #expect(cache.statistics.expirations == 1)
        }
    }

    @Test("a load slower than the TTL returns its value but caches nothing")
    func slowLoadNotCached() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(1), negativeTTL: .seconds(1))
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = {
                probe.begin()
                try await clock.sleep(until: clock.now.advanced(by: .seconds(2)), tolerance: nil)
                return "slow"
            }
            #expect(try await cache.get(1, load: load) == "slow")
            #expect(cache.statistics.entries == 0)
            #expect(try await cache.get(1, load: load) == "slow")
            #expect(probe.calls == 2)
        }
    }

    @Test("a load that finds nothing caches the absence for the negative TTL")
    func negativeCaching() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(60), negativeTTL: .seconds(5))
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = { probe.begin(); return nil }
            #expect(try await cache.get(404, load: load) == nil)
            await sleep(clock, untilMs: 4999)
            #expect(try await cache.get(404, load: load) == nil)
            #expect(probe.calls == 1, "the database was not asked again")
            #expect(cache.statistics.negativeHits == 1)
            if case .absent = cache.peek(404) {} else { Issue.record("absence should be cached") }
            await sleep(clock, untilMs: 5000)
            #expect(try await cache.get(404, load: load) == nil)
            #expect(probe.calls == 2, "the absence expired after 5 s")
        }
    }

    @Test("a negative TTL of zero turns negative caching off")
    func negativeCachingOff() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, negativeTTL: .zero)
            let probe = CachingProbe()
            for _ in 0..<3 { #expect(try await cache.get(404) { probe.begin(); return nil } == nil) }
            #expect(probe.calls == 3)
            #expect(cache.statistics.negativeHits == 0)
        }
    }

    @Test("a full cache evicts its least recently used key")
    func capacityEviction() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, capacity: 2)
            let probe = CachingProbe()
            for key in [1, 2, 3, 1] { _ = try await cache.get(key) { probe.begin(); return "v\(key)" } }
            #expect(probe.calls == 4, "key 1 was evicted by key 3 and reloaded")
            #expect(cache.statistics.evictions == 2)
            #expect(cache.statistics.entries == 2)
        }
    }

    @Test("removeExpired sweeps expired entries")
    func sweep() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(1))
            for key in 0..<3 { _ = try await cache.get(key) { "v" } }
            await sleep(clock, untilMs: 1000)
            #expect(cache.removeExpired() == 3)
            #expect(cache.statistics.entries == 0)
        }
    }

    // MARK: Single-flight, failures, cancellation

    @Test("concurrent misses of one key share a single load")
    func concurrentMissesCoalesce() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let values = await withTaskGroup(of: String?.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try? await cache.get(7) {
                            probe.begin()
                            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(50)), tolerance: nil)
                            return "hot"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values == Array(repeating: "hot", count: 10))
            #expect(probe.calls == 1)
            #expect(cache.statistics.coalesced == 9)
            #expect(cache.statistics.misses == 10)
        }
    }

    @Test("a failed load wakes its waiters with the error and caches nothing")
    func failureIsShared() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let outcomes = await withTaskGroup(of: CallerOutcome.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        await outcome {
                            try await cache.get(1) {
                                probe.begin()
                                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(50)), tolerance: nil)
                                throw CachingTestError("db down")
                            }
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0 == .failed("\(CachingTestError("db down"))") })
            #expect(probe.calls == 1)
            #expect(cache.statistics.loadFailures == 1)
            #expect(cache.statistics.entries == 0)
            #expect(try await cache.get(1) { "recovered" } == "recovered")
        }
    }

    @Test("a cancelled waiter leaves at once and the others still get the value")
    func cancelledWaiter() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = {
                probe.begin()
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                return "v"
            }
            let results = await withTaskGroup(of: (Int, CallerOutcome, Double).self) { group in
                for caller in 0..<3 {
                    group.addTask {
                        let result = await cancellable(clock, cancelAt: caller == 1 ? at(ms: 50) : nil) {
                            await outcome { try await cache.get(1, load: load) }
                        }
                        return (caller, result, clock.ms)
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = ($1.1, $1.2) }
            }
            #expect(results[0]?.0 == .value("v") && results[0]?.1 == 100)
            #expect(results[1]?.0 == .cancelled && results[1]?.1 == 50, "left at the moment of cancellation")
            #expect(results[2]?.0 == .value("v"))
            #expect(probe.calls == 1)
            #expect(cache.statistics.cancelledWaits == 1)
            #expect(cache.statistics.waiting == 0)
        }
    }

    @Test("cancelling the loading caller hands the load to the longest waiter")
    func cancelledLeaderHandsOff() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let results = await withTaskGroup(of: (Int, CallerOutcome).self) { group in
                for caller in 0..<3 {
                    group.addTask {
                        await sleep(clock, untilMs: Double(caller) * 10)
                        let result = await cancellable(clock, cancelAt: caller == 0 ? at(ms: 50) : nil) {
                            await outcome {
                                try await cache.get(1) {
                                    probe.begin()
                                    defer { probe.end() }
                                    try await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                                    return "from caller \(caller)"
                                }
                            }
                        }
                        return (caller, result)
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(results[0] == .cancelled)
            #expect(results[1] == .value("from caller 1"), "caller 1 waited longest and took over")
            #expect(results[2] == .value("from caller 1"))
            #expect(probe.calls == 2 && probe.maxActive == 1)
            #expect(cache.statistics.handoffs == 1)
            #expect(clock.ms == 150)
        }
    }

    @Test("a cancelled loading caller with nobody waiting leaves no flight behind")
    func cancelledLeaderAlone() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let result = await cancellable(clock, cancelAt: at(ms: 10)) {
                await outcome {
                    try await cache.get(1) {
                        try await clock.sleep(until: clock.now.advanced(by: .seconds(1)), tolerance: nil)
                        return "never"
                    }
                }
            }
            #expect(result == .cancelled)
            #expect(cache.statistics.loadsInFlight == 0)
            #expect(try await cache.get(1) { "fresh" } == "fresh")
        }
    }

    @Test("a loading caller whose load ignores cancellation still publishes the value")
    func loadIgnoringCancellation() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let result = await cancellable(clock, cancelAt: at(ms: 10)) {
                await outcome {
                    try await cache.get(1) {
                        try? await clock.sleep(until: at(ms: 20), tolerance: nil)
                        return "done"
                    }
                }
            }
            #expect(result == .value("done"))
            #expect(try await cache.get(1) { "reloaded" } == "done")
        }
    }

    @Test("an already cancelled task does not start a load")
    func alreadyCancelled() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let result = await withTaskGroup(of: CallerOutcome.self) { group in
                group.cancelAll()
                group.addTask { await outcome { try await cache.get(1) { probe.begin(); return "v" } } }
                return await group.next()!
            }
            #expect(result == .cancelled)
            #expect(probe.calls == 0)
            #expect(cache.statistics.loadsInFlight == 0)
        }
    }

    @Test("a caller does not join a load older than the shortest TTL; it starts a fresh one")
    func joinWindow() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(10), negativeTTL: .seconds(1))
            let probe = CachingProbe()
            let results = await withTaskGroup(of: (Int, String?).self) { group in
                for (caller, arrival) in [0.0, 500, 2000].enumerated() {
                    group.addTask {
                        await sleep(clock, untilMs: arrival)
                        let value = try? await cache.get(1) {
                            let n = probe.begin()
                            try await clock.sleep(until: clock.now.advanced(by: .seconds(5)), tolerance: nil)
                            return "load \(n)"
                        }
                        return (caller, value ?? nil)
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(results[0] == "load 1" && results[1] == "load 1", "joined within 1 s")
            #expect(results[2] == "load 2", "the first load was 2 s old: too old to join")
            #expect(probe.calls == 2)
            // The older load finished last-but-superseded: the newer one's value is cached.
            if case .value(let cached) = cache.peek(1) { #expect(cached == "load 2") } else { Issue.record("nothing cached") }
        }
    }

    // MARK: Invalidation and put

    @Test("invalidate removes the entry so the next call reloads")
    func invalidateReloads() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = { "v\(probe.begin())" }
            #expect(try await cache.get(1, load: load) == "v1")
            cache.invalidate(1)
            #expect(try await cache.get(1, load: load) == "v2")
            #expect(cache.statistics.invalidations == 1)
        }
    }

    @Test("an invalidation during a load keeps that load's result out of the cache")
    func invalidateDuringLoad() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let database = CachingLocked("old")
            let load: @Sendable () async throws -> String? = {
                let read = database.withLock { $0 }
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(200)), tolerance: nil)
                return read
            }
            let values = await withTaskGroup(of: String?.self) { group in
                group.addTask { try? await cache.get(1, load: load) }
                group.addTask {
                    await sleep(clock, untilMs: 50)
                    return try? await cache.get(1, load: load)
                }
                group.addTask {
                    await sleep(clock, untilMs: 100)
                    database.withLock { $0 = "new" }
                    cache.invalidate(1)
                    return nil
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values.filter { $0 == "old" }.count == 2, "callers of the detached load still get its result")
            if case .miss = cache.peek(1) {} else { Issue.record("the stale read must not be cached") }
            #expect(try await cache.get(1, load: load) == "new")
        }
    }

    @Test("put stores a value, and callers waiting on a load get the put value")
    func putDuringLoad() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock)
            let results = await withTaskGroup(of: (Int, String?).self) { group in
                group.addTask {
                    let value = try? await cache.get(1) {
                        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(200)), tolerance: nil)
                        return "loaded"
                    }
                    return (0, value ?? nil)
                }
                group.addTask {
                    await sleep(clock, untilMs: 50)
                    let value = try? await cache.get(1) { "unused" }
                    return (1, value ?? nil)
                }
                group.addTask {
                    await sleep(clock, untilMs: 100)
                    cache.put(1, "written")
                    return (2, clock.ms == 100 ? "at 100" : nil)
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(results[0] == "loaded", "the loading caller returns what it loaded")
            #expect(results[1] == "written", "the waiter got the newer, written value")
            if case .value(let cached) = cache.peek(1) { #expect(cached == "written") } else { Issue.record("not cached") }
            #expect(cache.statistics.puts == 1)
        }
    }

    // MARK: Early refresh

    @Test("an eager early refresh reloads a live entry while it is still served")
    func earlyRefresh() throws {
        try inWorld { clock async throws in
            // β huge: any hit with a measured load time refreshes.
            let cache = try makeCache(clock, ttl: .seconds(10), earlyRefresh: EarlyRefresh(beta: 1e9))
            let probe = CachingProbe()
            let load: @Sendable () async throws -> String? = {
                let n = probe.begin()
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                return "v\(n)"
            }
            #expect(try await cache.get(1, load: load) == "v1")
            await sleep(clock, untilMs: 1000)
            let values = await withTaskGroup(of: (Int, String?).self) { group in
                group.addTask { (0, (try? await cache.get(1, load: load)) ?? nil) }
                group.addTask {
                    await sleep(clock, untilMs: 1050)
                    return (1, (try? await cache.get(1, load: load)) ?? nil)
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(values[0] == "v2", "the refreshing caller returns the fresh value")
            #expect(values[1] == "v1", "meanwhile others keep hitting the live entry")
            #expect(cache.statistics.earlyRefreshes == 1)
            #expect(probe.calls == 2)
        }
    }

    @Test("a failed early refresh returns the still-live cached value")
    func earlyRefreshFailure() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, ttl: .seconds(10), earlyRefresh: EarlyRefresh(beta: 1e9))
            let first = try await cache.get(1) {
                try await clock.sleep(until: clock.now.advanced(by: .milliseconds(100)), tolerance: nil)
                return "v1"
            }
            #expect(first == "v1")
            let failing: @Sendable () async throws -> String? = { throw CachingTestError("db down") }
            let value = try await cache.get(1, load: failing)
            #expect(value == "v1")
            #expect(cache.statistics.loadFailures == 1)
            if case .value(let cached) = cache.peek(1) { #expect(cached == "v1") } else { Issue.record("entry lost") }
        }
    }

    @Test("without a measured load time early refresh never triggers")
    func earlyRefreshNeedsLoadTime() throws {
        try inWorld { clock async throws in
            let cache = try makeCache(clock, earlyRefresh: EarlyRefresh(beta: 1e9))
            _ = try await cache.get(1) { "instant" }
            for ms in stride(from: 100.0, to: 9_000, by: 1000) {
                await sleep(clock, untilMs: ms)
                _ = try await cache.get(1) { "refreshed" }
            }
            #expect(cache.statistics.earlyRefreshes == 0)
        }
    }

    // MARK: Properties

    @Test("N concurrent gets of one missing key run exactly one load and all get its value (500 schedules)")
    func singleFlightProperty() throws {
        try forEachSchedule("cache-aside.single-flight", count: 500) { random in
            let callers = random.int(in: 2...16)
            let arrivals = (0..<callers).map { _ in Double(random.int(in: 0...200)) }
            let loadTime = random.milliseconds(in: 1...300)
            let absent = random.chance(0.2)
            let seed = random.next()
            let (outcomes, loads, stats) = try inWorld { clock async throws in
                let cache = try makeCache(clock, ttl: .seconds(3600), negativeTTL: .seconds(600), jitter: .below(0.5), seed: seed)
                let probe = CachingProbe()
                let outcomes = await withTaskGroup(of: CallerOutcome.self) { group in
                    for arrival in arrivals {
                        group.addTask {
                            await sleep(clock, untilMs: arrival)
                            return await outcome {
                                try await cache.get(42) {
                                    probe.begin()
                                    try await clock.sleep(until: clock.now.advanced(by: loadTime), tolerance: nil)
                                    return absent ? nil : "value-\(seed)"
                                }
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                return (outcomes, probe.calls, cache.statistics)
            }
            let expected = CallerOutcome.value(absent ? nil : "value-\(seed)")
            try require(loads == 1, "\(loads) loads for \(callers) callers (arrivals \(arrivals), load \(loadTime))")
            try require(outcomes.allSatisfy { $0 == expected }, "outcomes \(outcomes)")
            try require(stats.misses == stats.coalesced + 1, "misses \(stats.misses), coalesced \(stats.coalesced)")
            try require(stats.hits + stats.negativeHits + stats.misses == callers, "counters \(stats)")
            try require(stats.loadsInFlight == 0 && stats.waiting == 0, "left over: \(stats)")
        }
    }

    @Test("cancelling callers never cancels the load for the others, nor runs two loads at once (500 schedules)")
    func cancellationProperty() throws {
        try forEachSchedule("cache-aside.cancellation", count: 500) { random in
            let callers = random.int(in: 2...12)
            let arrivals = (0..<callers).map { _ in Double(random.int(in: 0...200)) }
            let cancels: [Double?] = arrivals.map { random.chance(0.4) ? $0 + Double(random.int(in: 0...300)) : nil }
            let loadTime = random.milliseconds(in: 1...250)
            let failing = random.chance(0.15)
            let (outcomes, probeCalls, maxActive, successes, stats) = try inWorld { clock async throws in
                let cache = try makeCache(clock, ttl: .seconds(3600), negativeTTL: .seconds(3600))
                let probe = CachingProbe()
                let succeeded = CachingLocked(0)
                let outcomes = await withTaskGroup(of: (Int, CallerOutcome).self) { group in
                    for caller in 0..<callers {
                        group.addTask {
                            await sleep(clock, untilMs: arrivals[caller])
                            let result = await cancellable(clock, cancelAt: cancels[caller].map { at(ms: $0) }) {
                                await outcome {
                                    try await cache.get(1) {
                                        probe.begin()
                                        defer { probe.end() }
                                        try await clock.sleep(until: clock.now.advanced(by: loadTime), tolerance: nil)
                                        if failing { throw CachingTestError("db down") }
                                        succeeded.withLock { $0 += 1 }
                                        return "value"
                                    }
                                }
                            }
                            return (caller, result)
                        }
                    }
                    return await group.reduce(into: [Int: CallerOutcome]()) { $0[$1.0] = $1.1 }
                }
                return (outcomes, probe.calls, probe.maxActive, succeeded.withLock { $0 }, cache.statistics)
            }
            let context = "arrivals \(arrivals), cancels \(cancels), load \(loadTime), failing \(failing): \(outcomes.sorted { $0.key < $1.key })"
            try require(maxActive <= 1, "two loads ran at once; \(context)")
            try require(successes <= 1, "\(successes) successful loads; \(context)")
            for caller in 0..<callers where cancels[caller] == nil {
                let result = outcomes[caller]
                try require(result == (failing ? .failed("\(CachingTestError("db down"))") : .value("value")),
                            "caller \(caller) (not cancelled) got \(String(describing: result)); \(context)")
            }
            for caller in 0..<callers where cancels[caller] != nil {
                let result = outcomes[caller]
                try require(result == .cancelled || result == .value("value") || result == .failed("\(CachingTestError("db down"))"),
                            "caller \(caller) got \(String(describing: result)); \(context)")
            }
            // Every CancellationError is a cancelled waiter or a cancelled loading caller,
            // and every load started that did not finish belongs to a cancelled caller.
            let cancelledCount = outcomes.values.filter { $0 == .cancelled }.count
            let failedLoads = failing ? stats.loadFailures : 0
            try require(cancelledCount == stats.cancelledWaits + (probeCalls - successes - failedLoads),
                        "cancelled \(cancelledCount), stats \(stats), loads \(probeCalls), successes \(successes); \(context)")
            try require(stats.loads == probeCalls, "stats.loads \(stats.loads) vs \(probeCalls)")
            try require(stats.loadsInFlight == 0 && stats.waiting == 0, "left over: \(stats)")
        }
    }

    // MARK: Real clock

    @Test("on ContinuousClock concurrent misses share one load and the TTL expires in real time")
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let cache = CacheAside<Int, String, ContinuousClock>(
            try .init(ttl: .milliseconds(300), jitter: .none), clock: clock)
        let probe = CachingProbe()
        let load: @Sendable () async throws -> String? = {
            let n = probe.begin()
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(30)), tolerance: nil)
            return "v\(n)"
        }
        let values = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<20 { group.addTask { try? await cache.get(1, load: load) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: "v1", count: 20))
        #expect(probe.calls == 1)
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(450)), tolerance: nil)
        #expect(try await cache.get(1, load: load) == "v2")
    }

    @Test("an actor can pass a load closure isolated to itself (ContinuousClock)")
    func actorIsolatedLoad() async throws {
        let service = MenuService()
        let names = try await service.names(for: [1, 2, 1, 2, 1])
        #expect(names == ["dish-1", "dish-2", "dish-1", "dish-2", "dish-1"])
        #expect(await service.databaseReads == 2)
    }
}

/// A service actor caching reads of its own database, as a platform actor would: the
/// load closure touches actor state without any hop or `Sendable` requirement.
private actor MenuService {
    // `try!`: constant, valid arguments.
    private let cache = CacheAside<Int, String, ContinuousClock>(try! .init(jitter: .none), clock: ContinuousClock())
    private(set) var databaseReads = 0

    func names(for ids: [Int]) async throws -> [String] {
        var names: [String] = []
        for id in ids {
            let name = try await cache.get(id) {
                databaseReads += 1
                return "dish-\(id)"
            }
            names.append(name ?? "?")
        }
        return names
    }
}
