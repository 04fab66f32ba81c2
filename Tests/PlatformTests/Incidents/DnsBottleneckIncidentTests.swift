import Platform
import Testing

/// The dns-bottleneck pair at reduced size: eight minutes of traffic.
@Suite("Incident: DNS bottleneck")
struct DnsBottleneckIncidentTests {
    static let reduced = [#"duration="8m""#, #"traffic.rate=[{"for": "7m", "rate": "2/s"}]"#]

    @Test("slow lookups under a short TTL make calls to the dependencies time out, and only in minutes with a slow lookup")
    func timeoutsFollowSlowLookups() throws {
        let outcome = try runWorld(try loadWorld("worlds/incidents/dns-bottleneck.json", overrides: Self.reduced))
        #expect(outcome.value("dns.lookup.max") >= 5000)
        let wechat = outcome.value("auth.calls.wechat.failed.deadline")
        let gateway = outcome.value("payment.calls.payment_gateway.failed.deadline")
        #expect(wechat + gateway > 5)
        var minutesWithTimeouts = 0
        for minute in 0..<8 {
            let window = minutes(Double(minute), Double(minute + 1))
            let timeouts = (outcome.windowed("auth.calls.wechat.failed.deadline", in: window) ?? 0)
                + (outcome.windowed("payment.calls.payment_gateway.failed.deadline", in: window) ?? 0)
            guard timeouts > 0 else { continue }
            minutesWithTimeouts += 1
            // A lookup is recorded when it starts; the calls it holds up fail within
            // its 5 s, so in its minute or the next.
            let slowest = max(outcome.windowed("dns.lookup.max", in: window) ?? 0,
                              outcome.windowed("dns.lookup.max", in: minutes(Double(max(minute - 1, 0)), Double(minute))) ?? 0)
            #expect(slowest >= 2000, "minute \(minute): \(timeouts) timeouts without a slow lookup")
        }
        // Occasional: a few minutes, not all of them.
        #expect(minutesWithTimeouts >= 1)
        #expect(minutesWithTimeouts < 7)
    }

    @Test("the fixed world (60 s TTL, serve-stale) has no dependency timeout")
    func fixedHasNoTimeouts() throws {
        let outcome = try runWorld(try loadWorld("worlds/incidents/dns-bottleneck-fixed.json", overrides: Self.reduced))
        #expect(outcome.value("dns.lookups") >= 2)
        #expect(outcome.value("dns.wait.max") < 10)
        #expect(outcome.value("auth.calls.wechat.failed.deadline") == 0)
        #expect(outcome.value("payment.calls.payment_gateway.failed.deadline") == 0)
    }

    @Test("serving stale hides the slow lookups themselves: same 5 s TTL, same lookups, no timeout")
    func serveStaleHidesTheTail() throws {
        let storm = try runWorld(try loadWorld("worlds/incidents/dns-bottleneck.json", overrides: Self.reduced))
        let stale = try runWorld(try loadWorld("worlds/incidents/dns-bottleneck.json", overrides: Self.reduced + [
            #"infrastructure.dns.stale_while_revalidate="10m""#,
        ]))
        #expect(stale.value("dns.lookup.max") >= 5000)
        #expect(stale.value("dns.lookups") >= storm.value("dns.lookups") * 0.8)
        #expect(stale.value("dns.stale") > 10)
        #expect(stale.value("auth.calls.wechat.failed.deadline") == 0)
        #expect(stale.value("payment.calls.payment_gateway.failed.deadline") == 0)
    }
}

extension WorldOutcome {
    /// A metric in a window, nil when the window has none of it (a counter not yet
    /// made, a histogram without samples there).
    fileprivate func windowed(_ name: String, in window: ClosedRange<Duration>) -> Double? {
        MetricQuery(metrics: metrics, end: result.endTime).value(name, in: window)
    }
}
