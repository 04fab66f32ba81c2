import Resilience
import SimKernel
import Synchronization

// Shared fakes of the caching tests. Names start with `Caching` so that they cannot clash
// with other folders' test helpers in the same test module.

/// A random generator that counts its draws (to prove that something draws nothing).
struct CachingCountingRandom: RandomNumberGenerator {
    var base = RandomStream(rawSeed: 7)
    var draws = 0
    mutating func next() -> UInt64 {
        draws += 1
        return base.next()
    }
}

/// A test error with a label.
struct CachingTestError: Error, Equatable {
    var label: String
    init(_ label: String) { self.label = label }
}

/// A thread-safe counter and log for loads and calls.
final class CachingProbe: Sendable {
    private let state = Mutex<(calls: Int, active: Int, maxActive: Int)>((0, 0, 0))

    /// Calls started so far.
    var calls: Int { state.withLock { $0.calls } }
    /// Most calls running at once.
    var maxActive: Int { state.withLock { $0.maxActive } }

    /// Records the start of a call; returns its 1-based number.
    @discardableResult
    func begin() -> Int {
        state.withLock { state in
            state.calls += 1
            state.active += 1
            state.maxActive = max(state.maxActive, state.active)
            return state.calls
        }
    }

    /// Records the end of a call.
    func end() { state.withLock { $0.active -= 1 } }
}

/// A shared remote cache (the Redis of the tests) on any clock: values with TTLs, a fixed
/// latency per call (sleeping on the clock, then acting), an on/off failure switch, and a
/// history of every state change for freshness checks.
final class CachingFakeRemote<C: Clock>: RemoteCache, Sendable where C.Duration == Duration {
    typealias Key = Int
    typealias Value = Int

    struct Change: Sendable {
        var time: C.Instant
        var key: Int
        var value: Int?
        var expiresAt: C.Instant?
    }

    private struct State {
        var entries: [Int: (value: Int, expiresAt: C.Instant)] = [:]
        var history: [Change] = []
        var gets = 0
        var sets = 0
        var deletes = 0
        var failing = false
        var lastTTL: Duration?
    }

    let clock: C
    let latency: Duration
    private let state = Mutex(State())

    init(clock: C, latency: Duration = .zero) {
        self.clock = clock
        self.latency = latency
    }

    var history: [Change] { state.withLock { $0.history } }
    var gets: Int { state.withLock { $0.gets } }
    var sets: Int { state.withLock { $0.sets } }
    var deletes: Int { state.withLock { $0.deletes } }
    var lastTTL: Duration? { state.withLock { $0.lastTTL } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// The live value without latency or counting.
    func peek(_ key: Int) -> Int? {
        let now = clock.now
        return state.withLock { state in
            guard let entry = state.entries[key], now < entry.expiresAt else { return nil }
            return entry.value
        }
    }

    /// Stores a value directly (another process writing), recorded in the history.
    func seed(_ key: Int, _ value: Int, ttl: Duration = .seconds(3600)) {
        let now = clock.now
        state.withLock { state in
            state.entries[key] = (value, now.advanced(by: ttl))
            state.history.append(Change(time: now, key: key, value: value, expiresAt: now.advanced(by: ttl)))
        }
    }

    private func delay() async throws {
        if latency > .zero { try await clock.sleep(until: clock.now.advanced(by: latency), tolerance: nil) }
    }

    func get(_ key: Int) async throws -> Int? {
        try await delay()
        let now = clock.now
        return try state.withLock { state in
            state.gets += 1
            if state.failing { throw CachingTestError("remote down") }
            guard let entry = state.entries[key], now < entry.expiresAt else { return nil }
            return entry.value
        }
    }

    func set(_ key: Int, _ value: Int, ttl: Duration) async throws {
        try await delay()
        let now = clock.now
        try state.withLock { state in
            state.sets += 1
            if state.failing { throw CachingTestError("remote down") }
            state.lastTTL = ttl
            state.entries[key] = (value, now.advanced(by: ttl))
            state.history.append(Change(time: now, key: key, value: value, expiresAt: now.advanced(by: ttl)))
        }
    }

    func delete(_ key: Int) async throws {
        try await delay()
        let now = clock.now
        try state.withLock { state in
            state.deletes += 1
            if state.failing { throw CachingTestError("remote down") }
            state.entries[key] = nil
            state.history.append(Change(time: now, key: key, value: nil, expiresAt: nil))
        }
    }
}

/// A value behind a lock that closures of concurrent tasks can share (a local `Mutex`
/// cannot be captured by them).
final class CachingLocked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
