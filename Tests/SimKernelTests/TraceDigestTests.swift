import SimKernel
import Testing

@Suite("Trace digest, format 2")
struct TraceDigestTests {
    static let bit63 = Int64(bitPattern: 1 << 63)

    /// The digest of one event with these fields (names given by their hashes).
    func digest(time: Int64 = 1_000, kind: UInt64 = 0x1111, source: UInt64 = 0x2222,
                a: Int64 = 7, b: Int64 = 9, detail: UInt64 = 0) -> UInt64 {
        var digest = TraceDigest()
        digest.add(time: 0, kind: 0x33, source: 0x44, a: 1, b: 2, detail: 0) // an event before
        digest.add(time: time, kind: kind, source: source, a: a, b: b, detail: detail)
        digest.add(time: 2_000, kind: 0x33, source: 0x44, a: 3, b: 4, detail: 0) // and after
        return digest.value
    }

    /// Format 1's fold, kept here to show what the test below guards against.
    func formatOneState(_ words: [UInt64]) -> UInt64 {
        words.reduce(0x6a09_e667_f3bc_c908) { ($0 ^ $1) &* 0x9e37_79b9_7f4a_7c15 }
    }

    @Test("flipping bit 63 of two neighbouring words of one event changes the digest (format 1 cancelled it)")
    func twoTopBitsDoNotCancel() {
        let words: [UInt64] = [1_000, 0x1111, 0x2222, 7, 9]
        var flipped = words
        flipped[3] ^= 1 << 63
        flipped[4] ^= 1 << 63
        #expect(formatOneState(words) == formatOneState(flipped), "the old fold lets the two flips cancel")
        #expect(digest(a: 7 ^ Self.bit63, b: 9 ^ Self.bit63) != digest())
        #expect(digest(time: 1_000 ^ Self.bit63, a: 7 ^ Self.bit63) != digest())
        #expect(digest(kind: 0x1111 ^ (1 << 63), source: 0x2222 ^ (1 << 63)) != digest())
    }

    @Test("through Trace.record too: one traced event whose two integers differ in bit 63 gives another digest")
    func recordedTopBits() {
        func run(_ a: Int64, _ b: Int64) -> UInt64 {
            let sim = Simulation(seed: 1)
            let trace = sim.trace
            let kind = trace.name("db.row_lock"), source = trace.name("database")
            let clock = sim.clock
            sim.spawn("locks") {
                trace.record(kind, source, 3, 1_000)
                try? await clock.sleep(for: .milliseconds(5))
                trace.record(kind, source, a, b)
                trace.record(kind, source, 4, 0)
            }
            return sim.run().digest
        }
        #expect(run(15 ^ Self.bit63, 2_500 ^ Self.bit63) != run(15, 2_500))
        #expect(run(15, 2_500) == run(15, 2_500))
    }

    @Test("a single-bit change in any word flips about half of the digest's bits")
    func avalanche() {
        let reference = digest()
        var flips: [Int] = []
        for bit in 0..<64 {
            let mask = Int64(bitPattern: 1 << UInt64(bit))
            let variants = [
                digest(time: 1_000 ^ mask), digest(kind: 0x1111 ^ UInt64(bitPattern: mask)),
                digest(source: 0x2222 ^ UInt64(bitPattern: mask)), digest(a: 7 ^ mask), digest(b: 9 ^ mask),
                digest(detail: UInt64(bitPattern: mask)),
            ]
            flips += variants.map { ($0 ^ reference).nonzeroBitCount }
        }
        let mean = Double(flips.reduce(0, +)) / Double(flips.count)
        #expect(flips.count == 384)
        #expect(abs(mean - 32) < 1.5, "mean bits flipped \(mean)")
        #expect(flips.min()! >= 12, "every flip reaches many output bits")
    }

    @Test("each event's position counts: swapping two events' integers changes the digest")
    func orderMatters() {
        #expect(digest(a: 9, b: 7) != digest())
    }

    @Test("the format version is 2, and an empty trace has a fixed digest")
    func versioned() {
        #expect(Trace.formatVersion == 2)
        #expect(TraceDigest().value == TraceDigest().value)
        var one = TraceDigest()
        one.add(time: 0, kind: 0, source: 0, a: 0, b: 0, detail: 0)
        #expect(one.value != TraceDigest().value, "an all-zero event still counts")
    }

    @Test("an event's detail name is part of the digest and of the event handed to the sink")
    func detailRecorded() {
        func run(_ detail: String?) -> (UInt64, [TraceEvent], String) {
            let sim = Simulation(seed: 1)
            let trace = sim.trace
            let kind = trace.name("done"), source = trace.name("order#0")
            let outcome = detail.map(trace.name) ?? .none
            var events: [TraceEvent] = []
            trace.sink = { events.append($0) }
            sim.spawn("one") { trace.record(kind, source, 4, 0, detail: outcome) }
            let digest = sim.run().digest
            return (digest, events, trace.text(of: events[0].detail))
        }
        let ok = run("ok"), failed = run("error"), none = run(nil)
        #expect(ok.0 != failed.0 && ok.0 != none.0 && failed.0 != none.0)
        #expect(ok.2 == "ok" && failed.2 == "error" && none.2 == "")
        #expect(ok.1.map(\.a) == [4])
    }
}

@Suite("A world run in slices")
struct SlicedRunTests {
    /// A world that counts, samples and levels at irregular instants, in slices ending at
    /// `pauses` (seconds) and then to the end.
    func run(pausingAt pauses: [Int64]) -> (digest: UInt64, rows: [String], total: Int64, mean: Double) {
        let sim = Simulation(seed: 5)
        sim.metrics.keepTimeSeries(interval: 10_000_000_000)
        let counter = sim.metrics.counter("c"), histogram = sim.metrics.histogram("h"), gauge = sim.metrics.gauge("g")
        let trace = sim.trace, tick = trace.name("tick"), source = trace.name("s")
        let clock = sim.clock
        sim.spawn("work") {
            for step in 1...40 {
                try? await clock.sleep(for: .milliseconds(1_300 + (step * 7919) % 2_000))
                counter.add(Int64(step))
                histogram.record(Int64(step) * 1_000)
                gauge.set(Double(step % 7))
                trace.record(tick, source, Int64(step))
            }
        }
        var result = sim.run(until: .seconds(pauses.first ?? 1_000))
        for pause in pauses.dropFirst() { result = sim.run(until: .seconds(pause)) }
        if !pauses.isEmpty { result = sim.run() }
        let rows = sim.metrics.timeSeries!.rows.map { row in
            "\(row.start)-\(row.end) c=\(row.counters[0].value) h=\(row.histograms[0].value.count)"
                + " g=\(row.gauges[0].value.mean)/\(row.gauges[0].value.max)/\(row.gauges[0].value.last)"
        }
        return (result.digest, rows, counter.total, gauge.mean(at: result.endTime))
    }

    @Test("slices of a run, cut inside intervals and on a boundary, give the rows, totals and digest of one run")
    func slicesEqualOneRun() {
        let whole = run(pausingAt: [])
        let sliced = run(pausingAt: [3, 15, 20, 27, 51])
        #expect(whole.rows.count == 10)
        #expect(sliced.rows == whole.rows)
        #expect(sliced.digest == whole.digest)
        #expect(sliced.total == whole.total)
        #expect(sliced.mean == whole.mean)
    }
}
