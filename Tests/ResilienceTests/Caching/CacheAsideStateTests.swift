import Resilience
import SimKernel
import Testing

/// The pure core of the cache-aside cache, driven with explicit instants and plain waiter
/// labels (no clock, task or continuation).
@Suite("CacheAsideState")
struct CacheAsideStateTests {
    private typealias State = CacheAsideState<Int, String, VirtualClock.Instant, String>

    private func at(_ seconds: Int64) -> VirtualClock.Instant { .init(nanoseconds: seconds * 1_000_000_000) }

    @Test("concurrent misses of one key share one load; its value is then a hit until its TTL from the load's start")
    func singleFlight() throws {
        var random = RandomStream(rawSeed: 1)
        var state = State(try .init(ttl: .seconds(10), negativeTTL: .seconds(5), jitter: .none))
        guard case .lead(let flight, nil) = state.begin(7, at: at(0), using: &random) else {
            Issue.record("the first miss leads the load")
            return
        }
        guard case .mustWait = state.begin(7, at: at(1), using: &random) else {
            Issue.record("a second miss without a waiter must come back with one")
            return
        }
        let waiter = state.makeWaiterID()
        guard case .joined = state.begin(7, at: at(1), waiter: (waiter, "second"), using: &random) else {
            Issue.record("a second miss joins the load in flight")
            return
        }
        #expect(state.complete(flight, value: "seven", startedAt: at(0), at: at(2), using: &random) == ["second"])
        guard case .hit("seven") = state.begin(7, at: at(9), using: &random) else {
            Issue.record("a hit before the TTL")
            return
        }
        #expect(state.peek(7, at: at(10)) == .miss, "the TTL counts from the load's start")
        let statistics = state.statistics
        #expect(statistics.loads == 1)
        #expect(statistics.coalesced == 1)
        #expect(statistics.hits == 1)
    }

    @Test("an absence is cached for the negative TTL; a failed load wakes its waiters and caches nothing")
    func negativeAndFailure() throws {
        var random = RandomStream(rawSeed: 2)
        var state = State(try .init(ttl: .seconds(10), negativeTTL: .seconds(5), jitter: .none))
        guard case .lead(let absent, _) = state.begin(1, at: at(0), using: &random) else { Issue.record(Comment(rawValue: "lead")); return }
        _ = state.complete(absent, value: nil, startedAt: at(0), at: at(0), using: &random)
        #expect(state.peek(1, at: at(4)) == .absent)
        #expect(state.peek(1, at: at(5)) == .miss)

        guard case .lead(let failing, _) = state.begin(2, at: at(0), using: &random) else { Issue.record(Comment(rawValue: "lead")); return }
        let waiter = state.makeWaiterID()
        _ = state.begin(2, at: at(0), waiter: (waiter, "w"), using: &random)
        guard case .fail(let woken) = state.fail(failing, leaderCancelled: false, at: at(1)) else {
            Issue.record(Comment(rawValue: "a load that threw fails its waiters")); return
        }
        #expect(woken == ["w"])
        #expect(state.peek(2, at: at(1)) == .miss)
        #expect(state.statistics.loadFailures == 1)
    }

    @Test("a cancelled leader hands the flight to the longest waiter; an abandoned waiter leaves the line")
    func handOffAndAbandon() throws {
        var random = RandomStream(rawSeed: 3)
        var state = State(try .init(ttl: .seconds(10), jitter: .none))
        guard case .lead(let flight, _) = state.begin(3, at: at(0), using: &random) else { Issue.record(Comment(rawValue: "lead")); return }
        let first = state.makeWaiterID(), second = state.makeWaiterID()
        _ = state.begin(3, at: at(0), waiter: (first, "first"), using: &random)
        _ = state.begin(3, at: at(0), waiter: (second, "second"), using: &random)
        #expect(state.abandon(second) == "second")
        guard case .handOff(let next, let same) = state.fail(flight, leaderCancelled: true, at: at(1)) else {
            Issue.record(Comment(rawValue: "a cancelled leader hands off")); return
        }
        #expect(next == "first" && same == flight)
        #expect(state.complete(same, value: "three", startedAt: at(1), at: at(2), using: &random).isEmpty)
        #expect(state.peek(3, at: at(2)) == .value("three"))
        #expect(state.statistics.handoffs == 1 && state.statistics.cancelledWaits == 1)
    }
}
