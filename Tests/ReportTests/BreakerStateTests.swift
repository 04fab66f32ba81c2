import Foundation
import Platform
import Report
import SimKernel
import Testing

/// The breaker state gauges the report draws as bands.
@Suite("Breaker state")
struct BreakerStateTests {
    @Test("the open-instances gauge follows the transitions, and the report draws the open share as a band")
    func openGauge() throws {
        // Penetration traffic at 300/s from 10 s: the order service's inventory calls time
        // out and both instances' breakers open (min_calls lowered so they can decide early).
        let run = try runArtifacts("worlds/incidents/double12.json", overrides: [
            "duration=100s", #"traffic.bad_traffic=[{"for":"10s","rate":0},{"for":"80s","rate":"300/s"}]"#, "expect=[]",
            "services.order.calls.inventory.breaker.min_calls=5",
        ])
        let metrics = run.outcome.metrics
        func total(_ name: String) -> Int64 { metrics.existingCounter(name)?.total ?? 0 }
        let open = try #require(metrics.existingGauge("order.calls.inventory.breaker.open"))
        let toOpen = total("order.calls.inventory.breaker.to_open")
        #expect(toOpen >= 1)
        // Out of open there is only half-open: the instances open now are those that
        // opened and have not moved on.
        #expect(open.value == Double(toOpen - total("order.calls.inventory.breaker.to_half_open")))
        #expect(open.maximum <= 2, "two order instances")
        let html = run.file("report.html")
        #expect(html.contains(">order → inventory</text>"))
        #expect(html.contains("<rect fill=\"\(Palette.breakerOpen)\""), "an open band is drawn")
    }
}
