import Resilience
import SimKernel
import Synchronization
import Testing

private typealias Remote = CachingFakeRemote<VirtualClock>
private typealias Cache = TwoLevelCache<Remote, VirtualClock>

private func makeCache(
    _ remote: Remote, _ clock: VirtualClock, localTTL: Duration = .seconds(1), localNegativeTTL: Duration = .milliseconds(500),
    localJitter: TTLJitter = .none, remoteTTL: Duration = .seconds(60), remoteJitter: TTLJitter = .below(0.1),
    remoteFailure: Cache.RemoteFailurePolicy = .fallThrough, seed: UInt64 = 1
) throws -> Cache {
    Cache(try .init(localCapacity: 100, localTTL: localTTL, localNegativeTTL: localNegativeTTL, localJitter: localJitter,
                remoteTTL: remoteTTL, remoteJitter: remoteJitter, remoteFailure: remoteFailure),
          remote: remote, clock: clock, random: RandomStream(rawSeed: seed))
}

private func sleep(_ clock: VirtualClock, untilMs ms: Double) async {
    try? await clock.sleep(until: at(ms: ms), tolerance: nil)
}

/// The source of truth of the freshness property: versioned rows with a history.
private final class VersionedDatabase: Sendable {
    struct Change: Sendable {
        var time: VirtualClock.Instant
        var key: Int
        var value: Int?
    }

    private let state = Mutex<(rows: [Int: Int], history: [Change])>(([:], []))

    func write(_ key: Int, _ value: Int?, at time: VirtualClock.Instant) {
        state.withLock { state in
            state.rows[key] = value
            state.history.append(Change(time: time, key: key, value: value))
        }
    }

    func read(_ key: Int) -> Int? { state.withLock { $0.rows[key] } }

    var history: [Change] { state.withLock { $0.history } }
}

/// Whether `value` was the state of one key of a source at some instant in `window`,
/// given the source's changes in time order (state nil before the first). A change with
/// an expiry holds until then; each holds until the next change, both ends included (two
/// changes at one instant may be seen in either order).
private func held(
    _ value: Int?, in window: ClosedRange<VirtualClock.Instant>,
    changes: [(time: VirtualClock.Instant, value: Int?, expiresAt: VirtualClock.Instant?)]
) -> Bool {
    if value == nil, changes.first.map({ $0.time >= window.lowerBound }) ?? true { return true }
    for (index, change) in changes.enumerated() where change.value == value {
        var end = index + 1 < changes.count ? changes[index + 1].time : VirtualClock.Instant(nanoseconds: .max)
        if let expiry = change.expiresAt, expiry < end { end = expiry }
        if change.time <= window.upperBound && end >= window.lowerBound { return true }
    }
    return false
}

@Suite("TwoLevelCache")
struct TwoLevelCacheTests {
    @Test("a local miss reads the remote and promotes the hit into the local level")
    func promotion() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock, latency: .milliseconds(2))
            remote.seed(1, 100)
            let cache = try makeCache(remote, clock)
            let probe = CachingProbe()
            #expect(try await cache.get(1) { probe.begin(); return 0 } == 100)
            #expect(try await cache.get(1) { probe.begin(); return 0 } == 100)
            #expect(probe.calls == 0, "the source was never asked")
            #expect(remote.gets == 1, "the second read was served locally")
            let stats = cache.statistics
            #expect(stats.local.hits == 1 && stats.local.misses == 1)
            #expect(stats.remote.gets == 1 && stats.remote.hits == 1 && stats.remote.sourceLoads == 0)
        }
    }

    @Test("a miss in both levels loads once and fills both, the remote for its jittered TTL")
    func fillBoth() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock, remoteTTL: .seconds(300), remoteJitter: .below(0.1))
            #expect(try await cache.get(2) { 200 } == 200)
            #expect(remote.peek(2) == 200)
            let ttl = try #require(remote.lastTTL)
            #expect(ttl >= .seconds(270) && ttl <= .seconds(300))
            if case .value(let local) = cache.peekLocal(2) { #expect(local == 200) } else { Issue.record("not promoted") }
            #expect(try await cache.get(2) { 999 } == 200)
            #expect(cache.statistics.remote.sourceLoads == 1 && cache.statistics.remote.sets == 1)
        }
    }

    @Test("an absence is cached only locally, for the local negative TTL")
    func absenceLocalOnly() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock, localNegativeTTL: .milliseconds(500))
            let probe = CachingProbe()
            let load: @Sendable () async throws -> Int? = { probe.begin(); return nil }
            #expect(try await cache.get(404, load: load) == nil)
            #expect(remote.sets == 0)
            await sleep(clock, untilMs: 499)
            #expect(try await cache.get(404, load: load) == nil)
            #expect(probe.calls == 1 && remote.gets == 1)
            await sleep(clock, untilMs: 500)
            #expect(try await cache.get(404, load: load) == nil)
            #expect(probe.calls == 2 && remote.gets == 2)
            #expect(cache.statistics.remote.sourceAbsent == 2)
        }
    }

    @Test("a local copy expires after the local TTL and is read again from the remote")
    func localTTLBoundsStaleness() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            remote.seed(1, 100)
            let cache = try makeCache(remote, clock, localTTL: .seconds(1))
            #expect(try await cache.get(1) { nil } == 100)
            remote.seed(1, 101) // another process wrote through
            await sleep(clock, untilMs: 999)
            #expect(try await cache.get(1) { nil } == 100)
            await sleep(clock, untilMs: 1000)
            #expect(try await cache.get(1) { nil } == 101)
        }
    }

    @Test("invalidate deletes the key from both levels")
    func invalidateBoth() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock)
            _ = try await cache.get(1) { 1 }
            try await cache.invalidate(1)
            #expect(remote.peek(1) == nil)
            if case .miss = cache.peekLocal(1) {} else { Issue.record("local copy survived") }
            #expect(try await cache.get(1) { 2 } == 2)
            #expect(cache.statistics.remote.deletes == 1)
            #expect(cache.statistics.local.invalidations == 1)
        }
    }

    @Test("set writes through the remote and the local level")
    func writeThrough() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock)
            _ = try await cache.get(1) { 1 }
            try await cache.set(1, 5)
            #expect(remote.peek(1) == 5)
            if case .value(let local) = cache.peekLocal(1) { #expect(local == 5) } else { Issue.record("not stored locally") }
            let probe = CachingProbe()
            #expect(try await cache.get(1) { probe.begin(); return 0 } == 5)
            #expect(probe.calls == 0)
        }
    }

    @Test("invalidateLocal drops only the local copy (a pub/sub invalidation)")
    func invalidateLocalOnly() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            remote.seed(1, 100)
            let cache = try makeCache(remote, clock)
            _ = try await cache.get(1) { nil }
            remote.seed(1, 101)
            cache.invalidateLocal(1)
            #expect(remote.peek(1) == 101)
            #expect(try await cache.get(1) { nil } == 101)
        }
    }

    @Test("with the remote down, reads fall through to the source by default")
    func remoteDownFallsThrough() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            remote.setFailing(true)
            let cache = try makeCache(remote, clock)
            #expect(try await cache.get(1) { 7 } == 7)
            let stats = cache.statistics.remote
            #expect(stats.errors == 2, "the read and the fill failed")
            #expect(stats.sourceLoads == 1 && stats.sets == 0)
            #expect(try await cache.get(1) { 8 } == 7, "served locally meanwhile")
        }
    }

    @Test("with the fail policy a remote error reaches the caller")
    func remoteDownFails() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            remote.setFailing(true)
            let cache = try makeCache(remote, clock, remoteFailure: .fail)
            let probe = CachingProbe()
            await #expect(throws: CachingTestError.self) { try await cache.get(1) { probe.begin(); return 7 } }
            #expect(probe.calls == 0)
        }
    }

    @Test("a failed write-through removes the local copy and rethrows")
    func failedWriteThrough() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock)
            _ = try await cache.get(1) { 1 }
            remote.setFailing(true)
            await #expect(throws: CachingTestError.self) { try await cache.set(1, 2) }
            if case .miss = cache.peekLocal(1) {} else { Issue.record("a possibly stale local copy survived") }
            await #expect(throws: CachingTestError.self) { try await cache.invalidate(1) }
        }
    }

    @Test("concurrent local misses of one key make one remote read")
    func oneRemoteReadPerKey() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock, latency: .milliseconds(5))
            remote.seed(1, 100)
            let cache = try makeCache(remote, clock)
            let values = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<10 { group.addTask { (try? await cache.get(1) { nil }) ?? nil } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values == Array(repeating: 100, count: 10))
            #expect(remote.gets == 1)
            #expect(cache.statistics.local.coalesced == 9)
        }
    }

    @Test("a fill whose key was invalidated during the load is not written to the remote")
    func skippedFill() throws {
        try inWorld { clock async throws in
            let remote = Remote(clock: clock)
            let cache = try makeCache(remote, clock)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await cache.get(1) {
                        try await clock.sleep(until: at(ms: 100), tolerance: nil)
                        return 1
                    }
                }
                group.addTask {
                    await sleep(clock, untilMs: 50)
                    try? await cache.invalidate(1)
                }
            }
            #expect(remote.peek(1) == nil, "the stale read was not put back")
            #expect(cache.statistics.remote.skippedFills == 1)
        }
    }

    @Test("never serves a value older than its local TTL, nor a value invalidated on the same instance (500 schedules)")
    func freshnessProperty() throws {
        try forEachSchedule("two-level.freshness", count: 500) { random in
            let instances = random.int(in: 2...3)
            let localTTL = random.milliseconds(in: 50...400)
            let localNegativeTTL = random.milliseconds(in: 20...200)
            let localJitter = TTLJitter(fraction: random.nextUnit() * 0.5, spread: random.chance(0.7) ? .below : .around)
            let remoteTTL = random.milliseconds(in: 100...2000)
            let remoteLatency = random.milliseconds(in: 0...10)
            let databaseLatency = random.milliseconds(in: 0...60)
            let keys = 3
            let initial: [Int?] = (0..<keys).map { _ in random.chance(0.3) ? nil : 1 }
            struct Read: Sendable { var instance: Int; var key: Int; var at: Double }
            struct Write: Sendable { var instance: Int; var key: Int; var at: Double; var value: Int?; var throughSet: Bool }
            let reads = (0..<random.int(in: 20...50)).map { _ in
                Read(instance: random.int(in: 0...instances - 1), key: random.int(in: 0...keys - 1), at: Double(random.int(in: 0...3000)))
            }
            var version = 1
            let writes = (0..<random.int(in: 2...10)).map { _ in
                version += 1
                let value: Int? = random.chance(0.1) ? nil : version
                return Write(instance: random.int(in: 0...instances - 1), key: random.int(in: 0...keys - 1),
                             at: Double(random.int(in: 0...3000)), value: value, throughSet: value != nil && random.chance(0.3))
            }.sorted { $0.at < $1.at }
            let seeds = (0..<instances).map { _ in random.next() }

            typealias ReadResult = (read: Read, start: VirtualClock.Instant, end: VirtualClock.Instant, value: Int?, error: String?)
            typealias WriteResult = (write: Write, end: VirtualClock.Instant)
            let (readResults, writeResults, databaseHistory, remoteHistory) = try inWorld { clock async throws in
                let remote = Remote(clock: clock, latency: remoteLatency)
                let database = VersionedDatabase()
                for key in 0..<keys { database.write(key, initial[key], at: clock.now) }
                let caches = try seeds.map { seed in
                    try makeCache(remote, clock, localTTL: localTTL, localNegativeTTL: localNegativeTTL, localJitter: localJitter,
                              remoteTTL: remoteTTL, remoteJitter: .below(0.2), seed: seed)
                }
                // Writes are serialised (one writer task), as a row lock would; reads race them.
                async let writeLog: [WriteResult] = {
                    var log: [WriteResult] = []
                    for write in writes {
                        await sleep(clock, untilMs: write.at)
                        database.write(write.key, write.value, at: clock.now)
                        if write.throughSet, let value = write.value {
                            try? await caches[write.instance].set(write.key, value)
                        } else {
                            try? await caches[write.instance].invalidate(write.key)
                        }
                        log.append((write, clock.now))
                    }
                    return log
                }()
                let readLog = await withTaskGroup(of: ReadResult.self) { group in
                    for read in reads {
                        group.addTask {
                            await sleep(clock, untilMs: read.at)
                            let start = clock.now
                            do {
                                let value = try await caches[read.instance].get(read.key) {
                                    let row = database.read(read.key)
                                    try await clock.sleep(until: clock.now.advanced(by: databaseLatency), tolerance: nil)
                                    return row
                                }
                                return (read, start, clock.now, value, nil)
                            } catch {
                                return (read, start, clock.now, nil, "\(error)")
                            }
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                return (readLog, await writeLog, database.history, remote.history)
            }

            let valueBound = localJitter.bounds(for: localTTL).upperBound
            let absenceBound = localJitter.bounds(for: localNegativeTTL).upperBound
            for result in readResults {
                let context = "read \(result.read) [\(result.start), \(result.end)] → \(String(describing: result.value))"
                try require(result.error == nil, "\(context) failed: \(result.error ?? "")")
                let databaseChanges = databaseHistory.filter { $0.key == result.read.key }.map { ($0.time, $0.value, VirtualClock.Instant?.none) }
                let remoteChanges = remoteHistory.filter { $0.key == result.read.key }.map { ($0.time, $0.value, $0.expiresAt) }
                func fromSources(_ window: ClosedRange<VirtualClock.Instant>) -> Bool {
                    held(result.value, in: window, changes: databaseChanges)
                        || (result.value != nil && held(result.value, in: window, changes: remoteChanges))
                }
                // (A) Whatever is served was in the database or the remote within the local TTL.
                let bound = result.value == nil ? absenceBound : valueBound
                let earliest = VirtualClock.Instant(nanoseconds: max(0, result.start.nanoseconds - bound.nanoseconds))
                try require(fromSources(earliest ... result.end),
                            "\(context) is older than the local TTL \(bound) (db \(databaseChanges), remote \(remoteChanges))")
                // (B) After this instance invalidated or wrote the key, nothing older survives locally.
                for write in writeResults where write.write.instance == result.read.instance
                    && write.write.key == result.read.key && write.end <= result.start {
                    let own = write.write.throughSet && result.value == write.write.value
                    try require(own || fromSources(write.end ... result.end),
                                "\(context) predates this instance's \(write.write) ending at \(write.end)")
                }
            }
        }
    }

    @Test("on ContinuousClock over an actor remote: promotion, fill and local expiry in real time")
    func continuousClock() async throws {
        let remote = ActorRemote()
        await remote.store(1, "from redis")
        let clock = ContinuousClock()
        let cache = TwoLevelCache<ActorRemote, ContinuousClock>(
            try .init(localTTL: .milliseconds(200), localJitter: .none), remote: remote, clock: clock)
        #expect(try await cache.get(1) { "from db" } == "from redis")
        #expect(try await cache.get(2) { "from db" } == "from db")
        #expect(await remote.value(2) == "from db")
        await remote.store(1, "updated")
        #expect(try await cache.get(1) { nil } == "from redis", "local copy still fresh")
        try await clock.sleep(until: clock.now.advanced(by: .milliseconds(350)), tolerance: nil)
        #expect(try await cache.get(1) { nil } == "updated")
        #expect(cache.statistics.remote.hits == 2)
    }
}

/// A cache server as an actor, as the simulation's cache-server actor would be.
private actor ActorRemote: RemoteCache {
    private var entries: [Int: String] = [:]

    func store(_ key: Int, _ value: String) { entries[key] = value }
    func value(_ key: Int) -> String? { entries[key] }

    func get(_ key: Int) async throws -> String? { entries[key] }
    func set(_ key: Int, _ value: String, ttl: Duration) async throws { entries[key] = value }
    func delete(_ key: Int) async throws { entries[key] = nil }
}
