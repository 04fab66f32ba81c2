import Platform
import Testing

/// The registry-storm pair at reduced size: fewer instances, each heartbeat costing the
/// registry proportionally more (and a proportionally smaller backlog), so the registry
/// is loaded as in the shipped worlds (396 instances against ~300 instances' capacity)
/// for a fraction of the events; five minutes of traffic.
@Suite("Incident: registry storm")
struct RegistryStormIncidentTests {
    /// 56 instances besides the gateways; with these costs the registry serves about 88
    /// instances (the shipped world's ~300 scaled by 116/396).
    static func reduced(gateways: Int) -> [String] {
        [
            #"duration="5m""#, #"traffic.rate="2/s""#,
            "services.gateway.instances=\(gateways)",
            "infrastructure.registry.queue=30",
            #"infrastructure.registry.heartbeat_work={"lognormal": {"median": "55ms", "p99": "102ms"}}"#,
            #"infrastructure.registry.registration_work={"lognormal": {"median": "273ms", "p99": "512ms"}}"#,
        ]
    }

    @Test("past the registry's capacity heartbeats are refused, healthy registrations expire and callers lose routes")
    func stormPastTheThreshold() throws {
        let outcome = try runWorld(try loadWorld("worlds/incidents/registry-storm.json", overrides: Self.reduced(gateways: 60)))
        #expect(outcome.value("registry.refused") > 1000)
        #expect(outcome.value("registry.expired") > 100)
        // Re-registrations follow the expiries: the storm's extra load.
        #expect(outcome.value("registry.registrations") > 100)
        // Heartbeats that got through waited in the backlog for seconds.
        #expect(outcome.value("registry.heartbeat.delay.p50") > 1000)
        #expect(outcome.value("gateway.failed.unavailable") > 10)
    }

    @Test("below the registry's capacity no heartbeat is refused and no healthy registration expires")
    func calmBelowTheThreshold() throws {
        let outcome = try runWorld(try loadWorld("worlds/incidents/registry-storm.json", overrides: Self.reduced(gateways: 24)))
        #expect(outcome.value("registry.heartbeats") > 1000)
        #expect(outcome.value("registry.refused") == 0)
        #expect(outcome.value("registry.expired") == 0)
        #expect(outcome.metric("gateway.failed.unavailable") == nil)
    }

    @Test("the fixed world (10 s heartbeats, 30 s TTL) keeps every route of the same instances, at the price of a slower failover")
    func fixedKeepsRoutes() throws {
        let storm = try runWorld(try loadWorld("worlds/incidents/registry-storm.json", overrides: Self.reduced(gateways: 60)))
        let fixed = try runWorld(try loadWorld("worlds/incidents/registry-storm-fixed.json", overrides: Self.reduced(gateways: 60)))
        #expect(fixed.value("registry.refused") == 0)
        #expect(fixed.value("registry.expired") == 0)
        #expect(fixed.metric("gateway.failed.unavailable") == nil)
        #expect(fixed.value("orders.failed") < storm.value("orders.failed"))
        // Three crashes: each dead instance stays listed for most of the 30 s TTL.
        #expect(fixed.value("registry.failover.count") == 3)
        #expect(fixed.value("registry.failover.mean") > 15_000)
        #expect(fixed.value("registry.failover.max") <= 30_001)
    }

    @Test("failover time follows the TTL: a crashed instance is listed until its last renewal is a TTL old", arguments: [15, 60])
    func failoverFollowsTTL(ttl: Int) throws {
        let outcome = try runSmall([
            #"infrastructure={"registry": {"heartbeat": "5s", "ttl": "\#(ttl)s"}}"#,
            #"faults=[{"kind": "crash", "target": "order#0", "at": "62s"}]"#,
        ])
        let failover = try outcome.required("registry.failover.max")
        // The last heartbeat came at most one interval before the crash.
        #expect(failover > Double(ttl - 5) * 1000)
        #expect(failover <= Double(ttl) * 1000 + 1)
        #expect(outcome.value("registry.failover.count") == 1)
    }
}
