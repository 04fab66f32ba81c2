import Foundation
import Platform
import Report
import SimKernel
import Testing
import World

/// The run bundle keeps enough to recompute, from files alone, what the live run held.
@Suite("Run bundle")
struct RunBundleTests {
    @Test("every window re-merged from the file's buckets equals the live run's, histogram for histogram")
    func windowsReMergeExactly() throws {
        let run = try smallIncident.get()
        let live = try #require(run.outcome.metrics.timeSeries)
        let series = run.bundle.series
        #expect(series.rows.count == live.rows.count)
        #expect(series.interval == live.interval)
        // Windows aligned and misaligned with the rows, inside and across the fault.
        for (from, to) in [(0, 30), (30, 80), (45, 95), (80, 150), (0, 150)] as [(Int64, Int64)] {
            let a = try #require(live.window(from: from * 1_000_000_000, to: to * 1_000_000_000))
            let b = try #require(series.window(from: from * 1_000_000_000, to: to * 1_000_000_000))
            #expect(a.start == b.start && a.end == b.end)
            for (name, histogram) in a.histograms {
                let index = try #require(series.histogram(name))
                let reread = try #require(b.histogram(index))
                #expect(reread == histogram, "\(name) in \(from)..\(to)s")
                #expect(reread.quantile(0.99) == histogram.quantile(0.99))
            }
            for (name, value) in a.counters {
                #expect(b.counter(try #require(series.counter(name))) == value, "\(name) in \(from)..\(to)s")
            }
            for (name, value) in a.gauges {
                #expect(b.gauge(try #require(series.gauge(name))) == value, "\(name) in \(from)..\(to)s")
            }
        }
    }

    @Test("the expectation language gives the same figures over a re-read window as over the live run's")
    func queriesAgree() throws {
        let run = try smallIncident.get()
        let live = MetricQuery(metrics: run.outcome.metrics, end: run.outcome.result.endTime)
        let query = SeriesQuery(run.bundle.series)
        let names = ["orders.failed_ratio", "orders.created", "gateway.requests.per_second", "inventory.latency.p99",
                     "inventory.db.wait.mean", "order.rejected_ratio", "app.order.failure_ratio", "cache.hit_ratio",
                     "inventory.queue.mean", "order.db.in_use.max", "menu.penetrating", "gateway.latency.p999", "gateway.latency.max"]
        for (from, to) in [(Duration.seconds(30), Duration.seconds(80)), (.seconds(0), .seconds(150)), (.seconds(75), .seconds(105))] {
            let window = try #require(run.bundle.series.window(from: from.nanoseconds, to: to.nanoseconds))
            for name in names {
                let expected = try #require(live.value(name, in: from...to), "\(name)")
                let seconds = Double((to - from).nanoseconds) / 1e9
                #expect(query.value(name, over: window, seconds: seconds) == expected, "\(name) in \(from)..\(to)")
            }
        }
    }

    @Test("counter totals and descriptors survive the round trip")
    func totalsAndDescriptors() throws {
        let run = try smallIncident.get()
        let series = run.bundle.series
        let whole = try #require(series.window(from: 0, to: .max))
        var afterTheEnd: [(name: String, total: Int64)] = []
        for counter in run.outcome.metrics.counters {
            let index = try #require(series.counter(counter.name))
            // Counted once the run has stopped (after its last interval closed).
            guard whole.counter(index) != nil else { afterTheEnd.append((counter.name, counter.total)); continue }
            #expect(whole.counter(index) == counter.total, "\(counter.name)")
            #expect(series.counters[index].descriptor == counter.descriptor, "\(counter.name)")
        }
        // Only end-of-run figures (invariants, orders in flight) and counters made at the
        // end that never counted anything are missing from the rows.
        #expect(afterTheEnd.allSatisfy { $0.name == "orders.in_flight_at_end" || $0.name.hasPrefix("invariants.") || $0.total == 0 },
                "\(afterTheEnd)")
        for histogram in run.outcome.metrics.histograms {
            #expect(series.histograms[try #require(series.histogram(histogram.name))].descriptor == histogram.descriptor)
        }
        let breaker = try #require(series.gauges.first { $0.name == "order.calls.inventory.breaker.open" })
        #expect(breaker.descriptor == MetricDescriptor(.gauge, unit: .count, service: "order", figure: "calls.breaker.state",
                                                       callee: "inventory", reason: "open"))
    }

    @Test("world.json is the world as run: re-read, it gives the same spec, with the run's seed")
    func resolvedWorld() throws {
        let run = try smallIncident.get()
        #expect(run.bundle.world == run.outcome.spec)
        let reseeded = RunFiles.resolvedWorld(run.bundle.worldJSON, seed: 99)
        #expect(try WorldSpec.reader.read(reseeded).seed == 99)
        #expect(run.bundle.world.duration == .seconds(150))
    }

    @Test("two grids: rows merged onto a coarser step keep every count, and cells cover the run")
    func regrid() throws {
        let series = try smallIncident.get().bundle.series
        let cells = series.regrid(step: 30_000_000_000)
        #expect(cells.count == 5)
        #expect(cells.first?.start == 0 && cells.last?.end == series.end)
        let created = try #require(series.counter("orders.created"))
        let total = series.rows.reduce(Int64(0)) { $0 + ($1.counter(created) ?? 0) }
        #expect(cells.reduce(Int64(0)) { $0 + ($1.counter(created) ?? 0) } == total)
    }
}
