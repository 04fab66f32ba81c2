import Sweep
import Testing

@Suite("Sweep pages and shards")
struct SweepOutputTests {
    let mmc = "worlds/validation/mmc.json"

    @Test("sweep.html charts each chosen metric against each axis, with Erlang C dashed beside an M/M/c world, self-contained")
    func page() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, set: ["traffic.customers=1500"], vary: ["services.backend.workers=8..10/1", "traffic.rate=6/s,7/s"],
                                seeds: 2, metrics: ["backend.wait.mean", "backend.latency.p99"])
        let analysis = try sweep(world, plan)
        let html = SweepHTML.page(analysis)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(html.contains("backend.wait.mean against workers"))
        #expect(html.contains("Erlang C rate=7/s"))
        // Theory lines: two on the wait-against-workers chart (one per rate), three on
        // wait-against-rate (one per worker count), none for p99, which Erlang C does not give.
        #expect(html.components(separatedBy: ">Erlang C").count - 1 == 5)
        #expect(!html.contains("<script") && !html.contains("href=") && !html.contains("src="))
        let record = try #require(analysis.records(of: 0).first)
        // M/M/8 at 6/s: Erlang C's mean wait, in ms, recorded beside the measured one.
        let exact = try #require(record.values["erlang_c.backend.wait.mean"])
        #expect(abs(exact - 1000 * ErlangCReference.meanWait(servers: 8, load: 6)) < 1e-6)
    }

    @Test("shards merged give byte for byte the files of the unsharded sweep")
    func shardsMerge() throws {
        let world = try sweepWorld(mmc)
        let plan = try makePlan(world, set: ["traffic.customers=1000"], vary: ["services.backend.workers=8..10/1"], seeds: 3,
                                metrics: ["backend.wait.mean"], slo: ["backend.latency.mean < 1500"], minimize: "services.backend.workers")
        let whole = SweepFiles.files(try sweep(world, plan))
        let runner = SweepRunner(plan: plan, specs: try world.specs(for: plan))
        var parts: [(folder: String, plan: SweepPlan, shard: Shard?, records: [RunRecord])] = []
        for index in [3, 1, 2] { // any order
            let shard = try Shard(parsing: "\(index)/3")
            let records = try runner.run(shard.runs(of: plan.runCount), jobs: 2)
            // What a shard writes, read back as merge reads it.
            let files = SweepFiles.files(SweepAnalysis(plan: plan, records: records), shard: shard)
            #expect(files.map(\.name) == ["sweep.json", "runs.jsonl"])
            let (readPlan, readShard) = try SweepPlan.read(json: files[0].contents, file: "shard\(index)/sweep.json")
            let readRecords = try files[1].contents.split(separator: "\n").enumerated().map {
                try RunRecord(jsonLine: String($1), file: "shard\(index)/runs.jsonl", line: $0 + 1)
            }
            parts.append(("shard\(index)", readPlan, readShard, readRecords))
        }
        let merged = try SweepMerge.join(parts)
        #expect(texts(SweepFiles.files(SweepAnalysis(plan: merged.plan, records: merged.records))) == texts(whole))
        // A missing shard, or one from another sweep, is refused.
        #expect(throws: SweepError.self) { try SweepMerge.join(Array(parts.prefix(2))) }
        var other = parts
        other[0].plan.seeds = [1, 2]
        #expect(throws: SweepError.self) { try SweepMerge.join(other) }
    }
}

/// Erlang C's mean wait from the textbook sum, for small c (independent of ``ErlangC``).
enum ErlangCReference {
    static func meanWait(servers c: Int, load a: Double) -> Double {
        var term = 1.0, sum = 0.0
        for k in 0..<c { sum += term; term *= a / Double(k + 1) }
        let last = term * Double(c) / (Double(c) - a)
        return last / (sum + last) / (Double(c) - a)
    }
}
