import Resilience
import SimKernel
import Synchronization

/// What the store did, as its server would log it (at the store's clock).
struct LockEvent: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case granted(FencingToken, ttl: Duration)
        case contended
        case extended(ttl: Duration)
        case extendRefused
        case deleted
        case deleteRefused
    }
    var key: String
    var owner: LockOwner
    var at: VirtualClock.Instant
    var kind: Kind

    var description: String { "\(at) \(owner) \(key) \(kind)" }
}

/// An append-only log shared by every link to one store.
final class LockHistory: Sendable {
    private let events = Mutex<[LockEvent]>([])
    func append(_ event: LockEvent) { events.withLock { $0.append(event) } }
    var all: [LockEvent] { events.withLock { $0 } }
}

/// Why a simulated command got no reply.
enum LockLinkFailure: Error, Equatable {
    /// The store was unreachable: the command did not arrive.
    case down
    /// The command took effect but its reply was lost.
    case replyLost
}

/// A simulated network link from one client process to a shared in-memory store, with
/// random latency, lost replies, outages, and process pauses (nothing leaves or arrives
/// while the client process is frozen). Sleeps honour cancellation, as the
/// ``LockStoreConnection`` contract asks.
final class SimulatedLockLink: LockStoreConnection {
    struct Settings: Sendable {
        /// One-way latency, uniform in this range (milliseconds).
        var latencyMs: ClosedRange<Int> = 0...0
        /// Probability that an applied command's reply is lost.
        var replyLoss: Double = 0
        /// Restrict reply losses to compare-and-extend (renewals) only.
        var lossOnlyOnExtend = false
    }

    private struct State {
        var random: RandomStream
        var settings: Settings
        var down = false
        var pausedUntil: VirtualClock.Instant?
        var dropNext = 0
    }

    let store: InMemoryLockConnection<VirtualClock>
    let clock: VirtualClock
    let history: LockHistory
    private let state: Mutex<State>

    init(store: InMemoryLockConnection<VirtualClock>, history: LockHistory, random: RandomStream, settings: Settings = Settings()) {
        self.store = store
        clock = store.clock
        self.history = history
        state = Mutex(State(random: random, settings: settings))
    }

    /// Makes the store unreachable (or reachable again) over this link.
    func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    /// Loses the replies of the next `count` commands (after they take effect).
    func dropReplies(_ count: Int) { state.withLock { $0.dropNext = count } }

    /// Freezes the client process until `instant`: its requests wait, replies wait.
    func pause(until instant: VirtualClock.Instant) { state.withLock { $0.pausedUntil = instant } }

    private func latency() -> Duration {
        state.withLock { state in .milliseconds(state.random.int(in: state.settings.latencyMs)) }
    }

    /// Waits `delay`, or until the pause ends; a cleanup command (compare-and-delete) is
    /// delivered even from a cancelled task, as ``LockStoreConnection`` asks, and then
    /// skips the waits it can no longer make.
    private func wait(until instant: VirtualClock.Instant, cleanup: Bool) async throws {
        guard instant > clock.now else { return }
        if cleanup {
            try? await clock.sleep(until: instant, tolerance: nil)
        } else {
            try await clock.sleep(until: instant, tolerance: nil)
        }
    }

    private func pausedUntil() -> VirtualClock.Instant {
        state.withLock { $0.pausedUntil } ?? .zero
    }

    private func roundTrip<R>(extend: Bool = false, cleanup: Bool = false, _ apply: () async -> (R, LockEvent?)) async throws -> R {
        try await wait(until: pausedUntil(), cleanup: cleanup)
        try await wait(until: clock.now.advanced(by: latency()), cleanup: cleanup)
        if state.withLock({ $0.down }) { throw LockLinkFailure.down }
        let (reply, event) = await apply()
        if let event { history.append(event) }
        try await wait(until: clock.now.advanced(by: latency()), cleanup: cleanup)
        try await wait(until: pausedUntil(), cleanup: cleanup)
        let lost = state.withLock { state in
            if state.dropNext > 0 {
                state.dropNext -= 1
                return true
            }
            return (!state.settings.lossOnlyOnExtend || extend) && state.random.chance(state.settings.replyLoss)
        }
        if lost { throw LockLinkFailure.replyLost }
        return reply
    }

    func set(_ key: String, owner: LockOwner, ttl: Duration) async throws -> LockAcquisition {
        try await roundTrip {
            let reply = await store.set(key, owner: owner, ttl: ttl)
            let kind: LockEvent.Kind
            switch reply {
            case .granted(let token): kind = .granted(token, ttl: ttl)
            case .held: kind = .contended
            }
            return (reply, LockEvent(key: key, owner: owner, at: clock.now, kind: kind))
        }
    }

    func get(_ key: String) async throws -> LockHolder? {
        try await roundTrip {
            (await store.get(key), nil)
        }
    }

    func compareAndDelete(_ key: String, owner: LockOwner) async throws -> Bool {
        try await roundTrip(cleanup: true) {
            let deleted = await store.compareAndDelete(key, owner: owner)
            return (deleted, LockEvent(key: key, owner: owner, at: clock.now, kind: deleted ? .deleted : .deleteRefused))
        }
    }

    func compareAndExtend(_ key: String, owner: LockOwner, ttl: Duration) async throws -> Bool {
        try await roundTrip(extend: true) {
            let extended = await store.compareAndExtend(key, owner: owner, ttl: ttl)
            return (extended, LockEvent(key: key, owner: owner, at: clock.now, kind: extended ? .extended(ttl: ttl) : .extendRefused))
        }
    }
}

/// An independent reference model of a lock store, to check a store's log against:
/// one live holder per key at most, tokens strictly increasing, compare-and-delete and
/// compare-and-extend only by the live holder.
struct LockModel {
    struct Live {
        var owner: LockOwner
        var token: FencingToken
        var expiresAt: VirtualClock.Instant
    }
    private(set) var live: [String: Live] = [:]
    private(set) var lastToken: FencingToken?
    /// Compare-and-deletes refused while another owner held the key: a plain `DEL` would
    /// have deleted that holder's lock.
    private(set) var foreignDeletesRefused = 0

    func holder(_ key: String, at now: VirtualClock.Instant) -> Live? {
        guard let entry = live[key], now < entry.expiresAt else { return nil }
        return entry
    }

    /// Checks `event` against the model, then applies it.
    mutating func check(_ event: LockEvent) throws {
        let holder = holder(event.key, at: event.at)
        switch event.kind {
        case .granted(let token, let ttl):
            try require(holder == nil, "granted \(event) while \(holder.map { "\($0.owner)" } ?? "") held it: two live holders")
            if let lastToken { try require(token > lastToken, "token \(token) after \(lastToken): not increasing") }
            lastToken = token
            live[event.key] = Live(owner: event.owner, token: token, expiresAt: event.at.advanced(by: ttl))
        case .contended:
            break
        case .extended(let ttl):
            try require(holder?.owner == event.owner, "extended \(event) for a non-holder")
            live[event.key]?.expiresAt = event.at.advanced(by: ttl)
        case .extendRefused:
            try require(holder?.owner != event.owner, "refused to extend the live holder's lock: \(event)")
        case .deleted:
            try require(holder?.owner == event.owner, "deleted another holder's lock: \(event), holder \(String(describing: holder?.owner))")
            live[event.key] = nil
        case .deleteRefused:
            try require(holder?.owner != event.owner, "refused the live holder's own release: \(event)")
            if holder != nil { foreignDeletesRefused += 1 }
        }
    }
}

extension LockClient where C == VirtualClock, Connection == SimulatedLockLink, Random == RandomStream {
    /// A client of `link` drawing jitter from `random`.
    convenience init(link: SimulatedLockLink, configuration: Configuration, clientID: UInt64, random: RandomStream) {
        self.init(connection: link, clock: link.clock, configuration: configuration, clientID: clientID, random: random)
    }
}

/// A mutex-protected value that child tasks can share (a local `Mutex` cannot be
/// captured by an escaping closure).
final class LockTestBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
    var value: Value { storage.withLock { $0 } }
}
