@testable import Platform
import SimKernel
import Testing
import World

/// Dispatch's index of riders by free places: it must pick exactly the rider a scan over
/// every rider picks (most places free, ties round robin from the turn), whatever the loads.
@Suite("Rider roster")
struct RiderRosterTests {
    /// The rider a scan over `free` picks when the turn is at `start`: most places free,
    /// the first of those at or after `start` (wrapping); nil when nobody has a place.
    static func scan(_ free: [Int], from start: Int) -> Int? {
        guard let most = free.max(), most > 0 else { return nil }
        return (Array(start..<free.count) + Array(0..<start)).first { free[$0] == most }
    }

    @Test("picks the rider a scan picks, over seeded random sequences of load changes and picks",
          arguments: [(riders: 1, capacity: 1), (riders: 7, capacity: 2), (riders: 64, capacity: 3), (riders: 1_500, capacity: 2),
                      (riders: 1_000, capacity: 5)])
    func sameChoiceAsScan(riders: Int, capacity: Int) {
        let roster = RiderRoster(riders: riders, capacity: capacity)
        var free = Array(repeating: capacity, count: riders)
        var random = RandomStream(seed: 10, name: "roster-\(riders)-\(capacity)")
        var turn = 0, wrapped = 0
        for step in 0..<20_000 {
            let rider = random.nextInt(below: riders)
            // Mostly single steps (an order taken or delivered), sometimes a shift change
            // (down to 0 or back to full), as riders' loads really move.
            switch random.nextInt(below: 10) {
            case 0: free[rider] = 0
            case 1: free[rider] = capacity
            case 2...5: free[rider] = max(0, free[rider] - 1)
            default: free[rider] = min(capacity, free[rider] + 1)
            }
            roster.update(rider: rider, available: free[rider])
            let expected = Self.scan(free, from: turn)
            #expect(roster.leastLoaded(from: turn) == expected, "step \(step)")
            // Half the time dispatch picks (the turn moves past the pick), half it only looks.
            if random.nextInt(below: 2) == 0 {
                #expect(roster.pick() == expected, "step \(step)")
                if let expected {
                    if expected < turn { wrapped += 1 }
                    turn = (expected + 1) % riders
                }
                #expect(roster.turn == turn)
            }
        }
        for rider in 0..<riders { #expect(roster.available(rider) == free[rider]) }
        if riders > 1 { #expect(wrapped > 10, "the turn went round the riders") }
        // Drain everyone: nobody is left to pick, and the turn stays.
        for rider in 0..<riders { roster.update(rider: rider, available: 0) }
        #expect(roster.pick() == nil)
        #expect(roster.turn == turn)
        roster.update(rider: riders - 1, available: 1)
        #expect(roster.pick() == riders - 1)
    }

    @Test("ties go round robin: searches at once spread over the riders with most places free, not onto the first")
    func tiesGoRoundRobin() {
        let roster = RiderRoster(riders: 5, capacity: 3)
        roster.update(rider: 1, available: 2)
        // Four searches before any rider reports a change: four different riders, in turn,
        // each with three places free; rider 1 (two places) is passed over.
        #expect((0..<4).map { _ in roster.pick() } == [0, 2, 3, 4])
        #expect(roster.pick() == 0, "round again")
    }

    @Test("a load above capacity (a double assignment without the rider lock) counts as no place free")
    func overloadedRiderHasNoPlace() {
        let roster = RiderRoster(riders: 3, capacity: 2)
        roster.update(rider: 0, available: -1)
        roster.update(rider: 1, available: 1)
        #expect(roster.available(0) == 0)
        #expect(roster.pick() == 2)
    }

    @Test("during a run, the roster holds every rider's free places and picks as a scan over the riders from the turn would")
    func consistentWithRidersDuringARun() throws {
        // Few riders with shifts, so that loads and shifts both move, and riders run out.
        let spec = try smallWorld(["riders.count=40", #"riders.shift="3m""#, #"riders.off_duty="1m""#])
        let world = try PlatformWorld(spec: spec)
        defer { world.sim.shutdown() }
        final class Tally: @unchecked Sendable {
            var checks = 0, mismatches = 0, busyChecks = 0, noneFree = 0
        }
        let tally = Tally()
        let platform = world.platform
        let executor = world.sim.executor
        // A background chore every 5 s of virtual time reads the roster and every rider on
        // the world's thread (it never keeps the world alive).
        func probe() {
            let free = platform.people.riders.map { rider in rider.isolatedOnWorldThread((), { rider, _ in rider.availableCapacity }) }
            tally.checks += 1
            if free.contains(where: { $0 < spec.riders.capacity }) { tally.busyChecks += 1 }
            let roster = platform.people.riderRoster
            if Self.scan(free, from: roster.turn) == nil { tally.noneFree += 1 }
            let stored = free.indices.map { roster.available($0) }
            // Looked at, not picked: the probe must not move dispatch's turn.
            if stored != free || roster.leastLoaded(from: roster.turn) != Self.scan(free, from: roster.turn) { tally.mismatches += 1 }
            executor.schedule(at: executor.now + 5_000_000_000, background: true) { probe() }
        }
        executor.schedule(at: 0, background: true) { probe() }
        let outcome = world.run()
        #expect(outcome.result.stop.isSuccess)
        #expect(try #require(outcome.metrics.existingCounter("dispatch.assigned")).total > 100)
        #expect(tally.checks > 100)
        #expect(tally.busyChecks > 50, "riders carried orders or were off shift at most checks")
        #expect(tally.noneFree > 0, "at some point no rider was free")
        #expect(tally.mismatches == 0)
    }
}
