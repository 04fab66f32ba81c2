@testable import Platform
import SimKernel
import Testing
import World

/// Client-side load balancing over the registry.
@Suite("Load balancing")
struct BalancerTests {
    /// Each service's in-flight count per instance, as its balancer sees it, read inside
    /// the world after the run.
    func outstanding(after spec: WorldSpec) throws -> (WorldOutcome, [String: [Int]]) {
        let world = try PlatformWorld(spec: spec)
        defer { world.sim.shutdown() }
        let outcome = world.run()
        final class Box: @unchecked Sendable { var counts: [String: [Int]] = [:] }
        let box = Box()
        let services = world.platform.services.sorted { $0.key < $1.key }
        world.sim.spawn("probe") {
            for (name, service) in services { box.counts[name] = await service.outstandingByInstance }
        }
        _ = world.sim.run(until: .nanoseconds(outcome.result.endTime), maxSteps: 1_000)
        return (outcome, box.counts)
    }

    @Test("least-outstanding forgets every call once it ends: refused, timed out, or lost in a crash")
    func outstandingReturnsToZero() throws {
        let spec = try smallWorld([
            #"services.inventory.balancer="least-outstanding""#, "services.inventory.workers=1", "services.inventory.queue=1",
            #"services.inventory.work={"constant": "200ms"}"#, #"traffic.rate=[{"for": "5m", "rate": "10/s"}]"#,
            #"services.order.balancer="least-outstanding""#,
            #"faults=[{"kind": "crash", "target": "inventory#0", "at": "1m", "restart_after": "1m"}, {"kind": "pause", "target": "order#1", "at": "2m", "for": "20s"}]"#,
            // Kitchens and riders are saturated: the last orders end a few minutes after 12m.
            #"duration="20m""#,
        ])
        let (outcome, counts) = try outstanding(after: spec)
        #expect(outcome.value("inventory.rejected.queue_full") > 10, "calls were refused")
        #expect(outcome.value("inventory.rejected.deadline") > 0, "calls were lost in the crash and timed out")
        #expect(outcome.value("orders.in_flight_at_end") == 0)
        #expect(counts.count == 8)
        for (name, perInstance) in counts.sorted(by: { $0.key < $1.key }) {
            #expect(perInstance.allSatisfy { $0 == 0 }, "\(name): \(perInstance)")
        }
    }

    @Test("least-outstanding steers calls away from a paused instance; round robin keeps sending it half")
    func steersAroundPause() throws {
        func deadlines(_ balancer: String) throws -> Double {
            // Registrations outlive the pause, so both balancers still see menu#0 listed.
            try runSmall([#"services.menu.instances=2"#, #"services.menu.balancer="\#(balancer)""#,
                          #"infrastructure={"registry": {"ttl": "10m"}}"#, #"traffic.rate=[{"for": "5m", "rate": "10/s"}]"#,
                          #"faults=[{"kind": "pause", "target": "menu#0", "at": "1m", "for": "2m"}]"#,
                          #"traffic.journeys=[{"kind": "browse", "weight": 1}]"#])
                .value("menu.rejected.deadline")
        }
        let roundRobin = try deadlines("round-robin"), leastOutstanding = try deadlines("least-outstanding")
        #expect(roundRobin > 300)
        #expect(leastOutstanding < roundRobin / 4, "round robin \(roundRobin), least-outstanding \(leastOutstanding)")
    }

    @Test("a balancer's list of listed instances follows the registry: an expired registration leaves it, a restart's registration brings the instance back")
    func listingFollowsRegistry() throws {
        // One order instance: while its registration is expired nobody can reach it, and
        // once it has registered again every call finds it (a list kept from before the
        // restart would leave the order service unreachable for the rest of the run).
        let outcome = try runSmall([
            "services.order.instances=1",
            #"infrastructure={"registry": {"heartbeat": "5s", "ttl": "15s"}}"#,
            #"faults=[{"kind": "crash", "target": "order#0", "at": "1m", "restart_after": "1m"}]"#,
        ])
        #expect(outcome.value("order.restarts") == 1)
        #expect(outcome.value("gateway.calls.order.failed.unavailable", in: minutes(1.3, 1.9)) > 0,
                "between the expiry and the restart no order instance is listed")
        #expect(outcome.value("gateway.calls.order.failed.unavailable", in: minutes(0, 1)) == 0)
        #expect(outcome.value("gateway.calls.order.failed.unavailable", in: minutes(2.2, 5)) == 0,
                "after the restart the instance is listed again")
        #expect(outcome.value("orders.created", in: minutes(2.2, 5)) > 0)
    }
}
