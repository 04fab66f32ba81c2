import SimKernel
import Testing

@Suite("Histogram and metrics")
struct MetricsTests {
    @Test("percentiles are within 0.4% of the exact sample quantile; count, mean, min, max exact")
    func histogramAccuracy() {
        var random = RandomStream(seed: 7, name: "latency")
        let distribution = Distribution.lognormal(median: 0.020, p99: 0.120)
        var histogram = Histogram()
        var exact: [Int64] = []
        for _ in 0..<100_000 {
            let value = distribution.sampleNanoseconds(&random)
            histogram.record(value)
            exact.append(value)
        }
        exact.sort()
        #expect(histogram.count == exact.count)
        #expect(histogram.min == exact.first && histogram.max == exact.last)
        let exactMean = Double(exact.reduce(0, +)) / Double(exact.count)
        #expect(abs(histogram.mean! - exactMean) < 1e-6 * exactMean)
        for q in [0.5, 0.9, 0.99, 0.999] {
            let rank = Int((q * Double(exact.count)).rounded(.up)) - 1
            let truth = Double(exact[rank])
            let estimate = Double(histogram.quantile(q)!)
            #expect(abs(estimate - truth) / truth < 0.004, "q\(q): \(estimate) vs \(truth)")
        }
    }

    @Test("small values are exact; an empty histogram has no quantiles")
    func smallValues() {
        var histogram = Histogram()
        #expect(histogram.quantile(0.5) == nil && histogram.mean == nil)
        for v in [0, 1, 2, 3, 200] as [Int64] { histogram.record(v) }
        #expect(histogram.quantile(0.2) == 0)
        #expect(histogram.quantile(0.6) == 2)
        #expect(histogram.quantile(1.0) == 200)
        #expect(histogram.countAtOrBelow(0) == 1)
    }

    @Test("merging two histograms equals recording everything in one")
    func merge() {
        var a = Histogram(), b = Histogram(), both = Histogram()
        var random = RandomStream(seed: 8, name: "m")
        for i in 0..<10_000 {
            let v = Int64(random.nextInt(below: 5_000_000))
            if i % 3 == 0 { a.record(v) } else { b.record(v) }
            both.record(v)
        }
        a.merge(b)
        #expect(a == both)
    }

    @Test("a time series keeps one row per interval, and a gauge is time-weighted")
    func timeSeries() {
        let sim = Simulation(seed: 1)
        sim.metrics.keepTimeSeries(interval: 10_000_000_000)
        let requests = sim.metrics.counter("requests")
        let depth = sim.metrics.gauge("queue.depth")
        let latency = sim.metrics.histogram("latency")
        let clock = sim.clock
        sim.spawn("load") {
            for second in 0..<25 {
                requests.add()
                latency.record(Int64(second) * 1_000_000)
                depth.set(second < 10 ? 0 : 4)
                try? await clock.sleep(for: .seconds(1))
            }
        }
        let result = sim.run()
        #expect(result.endTime == 25_000_000_000)
        let rows = sim.metrics.timeSeries!.rows
        #expect(rows.map(\.start) == [0, 10_000_000_000, 20_000_000_000])
        #expect(rows.map { $0.counters[0].value } == [10, 10, 5])
        #expect(rows.map { $0.histograms[0].value.count } == [10, 10, 5])
        #expect(rows[1].gauges[0].value.mean == 4)
        #expect(rows[0].gauges[0].value.mean == 0)
        // Over the whole run the depth was 4 for 15 of 25 seconds.
        #expect(abs(depth.mean(at: result.endTime) - 4 * 15 / 25) < 1e-9)
        let window = sim.metrics.timeSeries!.window(from: 10_000_000_000, to: 25_000_000_000)!
        #expect(window.counters[0].value == 15)
        #expect(window.histograms[0].value.quantile(1) == 24_000_000)
    }

    @Test("a long run coarsens its rows instead of growing without bound")
    func boundedRows() {
        let sim = Simulation(seed: 1)
        sim.metrics.keepTimeSeries(interval: 1_000_000_000, maxRows: 8)
        let ticks = sim.metrics.counter("ticks")
        let clock = sim.clock
        sim.spawn("ticker") {
            for _ in 0..<100 {
                ticks.add()
                try? await clock.sleep(for: .seconds(1))
            }
        }
        _ = sim.run()
        let series = sim.metrics.timeSeries!
        #expect(series.rows.count <= 8)
        #expect(series.interval == 16_000_000_000)
        #expect(series.rows.reduce(0) { $0 + $1.counters[0].value } == 100)
        #expect(series.rows.first?.start == 0 && series.rows.last?.end == 100_000_000_000)
    }

    @Test("shutting a finished world down leaves its metrics as the run left them")
    func shutdownKeepsMetrics() {
        let sim = Simulation(seed: 1)
        let polls = sim.metrics.counter("polls")
        let waits = sim.metrics.histogram("wait")
        let busy = sim.metrics.gauge("busy")
        let clock = sim.clock
        sim.spawn("poller") {
            while true {
                polls.add()
                waits.record(5)
                busy.set(1)
                do { try await clock.sleep(for: .seconds(1)) } catch {
                    // Cancelled at shutdown: what a customer's app does when its poll ends.
                    polls.add(100)
                    waits.record(1_000)
                    busy.set(7)
                    sim.metrics.counter("poll.failed").add()
                    return
                }
            }
        }
        _ = sim.run(until: .milliseconds(2_500))
        #expect(polls.total == 3)
        let meanBefore = busy.mean(at: sim.executor.now)
        sim.shutdown()
        #expect(sim.liveTasks == 0, "the poller did run its cancellation path")
        #expect(polls.total == 3)
        #expect(waits.total.count == 3 && waits.total.max == 5)
        #expect(busy.value == 1 && busy.maximum == 1 && busy.mean(at: sim.executor.now) == meanBefore)
        #expect(sim.metrics.existingCounter("poll.failed") == nil)
        #expect(sim.metrics.counters.map(\.name) == ["polls"])
    }

    @Test("keeping many rows costs each row once (a hundred thousand rows close in seconds, not hours)")
    func manyRowsStayLinear() {
        // When each closed row copied every row kept before it, this took minutes (the
        // M/M/c world with 1 s rows and max_rows 100,000 took 24 s of CPU instead of 0.1).
        let sim = Simulation(seed: 1)
        sim.metrics.keepTimeSeries(interval: 1_000, maxRows: 300_000)
        let ticks = sim.metrics.counter("ticks")
        let waits = sim.metrics.histogram("wait")
        for step in 1...100_000 {
            ticks.add()
            waits.record(Int64(step % 97))
            sim.metrics.advance(to: Int64(step) * 1_000)
        }
        let series = sim.metrics.timeSeries!
        #expect(series.rows.count == 100_000)
        #expect(series.interval == 1_000, "nothing was coarsened")
        #expect(series.rows.allSatisfy { $0.counters[0].value == 1 && $0.histograms[0].value.count == 1 })
    }
}

@Suite("Trace digest")
struct TraceTests {
    func digest(_ events: [(Int64, String, Int64)]) -> UInt64 {
        let sim = Simulation(seed: 1)
        let source = sim.trace.name("svc")
        let clock = sim.clock
        let trace = sim.trace
        sim.spawn("replay") {
            for (time, kind, value) in events {
                try? await clock.sleep(until: .init(nanoseconds: time))
                trace.record(trace.name(kind), source, value)
            }
        }
        return sim.run().digest
    }

    let base: [(Int64, String, Int64)] = [(10, "arrive", 1), (20, "start", 1), (30, "end", 1), (35, "arrive", 2)]

    @Test("the same events give the same digest; any change gives another")
    func sensitivity() {
        let reference = digest(base)
        #expect(digest(base) == reference)
        var later = base; later[2].0 = 31
        var otherValue = base; otherValue[3].2 = 3
        var otherKind = base; otherKind[1].1 = "begin"
        var swapped = base; swapped.swapAt(1, 2); swapped[1].0 = 20; swapped[2].0 = 30
        let shorter = Array(base.dropLast())
        let variants = [later, otherValue, otherKind, swapped, shorter].map(digest)
        #expect(!variants.contains(reference))
        #expect(Set(variants).count == variants.count)
    }

    @Test("a digest prints as 16 hex digits")
    func hex() {
        #expect(Trace.hex(0xab) == "00000000000000ab")
    }
}

@Suite("Metric descriptors")
struct MetricDescriptorTests {
    @Test("a handle made with a descriptor keeps the first one it was given; a plain handle has none")
    func firstDescriptorWins() {
        let sim = Simulation(seed: 1)
        let described = MetricDescriptor(.counter, unit: .count, service: "order", figure: "calls.failed",
                                         callee: "inventory", reason: "deadline")
        let counter = sim.metrics.counter("order.calls.inventory.failed.deadline", describedAs: described)
        let again = sim.metrics.counter("order.calls.inventory.failed.deadline",
                                        describedAs: MetricDescriptor(.counter, unit: .count, service: "other", figure: "x"))
        #expect(counter === again)
        #expect(again.descriptor == described)
        #expect(sim.metrics.counter("orders.created").descriptor == nil)
        let histogram = sim.metrics.histogram("order.calls.inventory.latency", describedAs:
            MetricDescriptor(.histogram, unit: .nanoseconds, service: "order", figure: "calls.latency", callee: "inventory"))
        #expect(histogram.descriptor?.unit == .nanoseconds)
    }
}
