#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Platform
import Report
import Sweep
import World

/// `delivery-sim sweep WORLD --vary PATH=VALUES... [--seeds N] [-j N] [--slo ...] [--minimize ...]`
/// and `delivery-sim sweep merge DIR...`.
enum SweepCommand {
    static let help = """
    USAGE: delivery-sim sweep WORLD.json --vary PATH=VALUES... [--seeds N] [-j N] [--out DIR]
                              [--set PATH=VALUE]... [--metric NAME]... [--slo "METRIC OP VALUE"]...
                              [--minimize EXPRESSION] [--adaptive] [--no-warmup-deletion] [--shard I/N] [--quiet]
           delivery-sim sweep --plan SWEEP.json [-j N] [--out DIR] [--shard I/N] [--quiet]
           delivery-sim sweep merge SHARD-DIR... [--out DIR]

    Runs a world once per configuration of a grid and seed, in parallel, and writes into
    DIR (default output/<world>/sweep):
      sweep.csv              one row per configuration and seed: the varied parameters,
                             the seed, digest and how the run ended, each chosen metric's
                             warm-up deletion, then every summary metric (sorted names)
      sweep-summary.csv      per configuration and metric: mean and 95% interval
                             (Student t over the seeds; batch means with one seed)
      sweep-differences.csv  paired differences of the chosen metrics between
                             neighbouring configurations, beside the unpaired interval
      sweep.txt              the table and the answer, as printed
      sweep.html             each chosen metric against each varied parameter (SVG),
                             with Erlang C's curve beside an M/M/c world
      sweep.json, runs.jsonl the plan and one record per run (what merge joins)
    Runs with the same seed see the same customers, choices and service times whatever
    the configuration (common random numbers), so paired differences are tight. The
    files are identical whatever -j is.

    OPTIONS:
      --vary PATH=v1,v2,...  an axis of the grid: a world field and its values, each one
                             what --set PATH=VALUE accepts (repeatable; the grid is every
                             combination, the first axis varying slowest)
      --vary PATH=lo..hi/step  values from lo to hi in steps: numbers (10..100/10,
                             0.5..2/0.5) or durations (250ms..2s/250ms)
      --seeds N              run each configuration with seeds 1..N (default 3)
      -j, --jobs N           runs at once, each on its own thread (default: the cores)
      --out DIR              where the files go (new, empty or an earlier sweep's)
      --set PATH=VALUE       override a field in every run (repeatable)
      --metric NAME          a metric to tabulate, judge and compare (repeatable; any
                             expectation metric name; default: the --slo metrics, else
                             app.order.latency.p99 and orders.failed_ratio for a platform
                             world, the first service's latency.mean and wait.mean else)
      --slo "METRIC OP VALUE"  an objective every seed of a configuration must meet, e.g.
                             "app.order.latency.p99 < 800ms", "orders.failed_ratio < 1%"
                             (latencies in ms; a duration unit converts; repeatable)
      --minimize EXPRESSION  the cost to minimise among configurations meeting every
                             objective: numbers, varied paths, + - * / and parentheses,
                             e.g. "services.order.workers + 2 * infrastructure.database.max_open"
                             (a duration parameter counts in milliseconds)
      --no-warmup-deletion   judge the chosen metrics over whole runs instead of after
                             the initial transient MSER-5 finds in each run's series
      --adaptive             with --slo: make only the runs the answer needs: cheapest
                             configurations first, a configuration dropped at its first
                             seed missing an objective, one axis bisected to its boundary
                             (assuming more of it never breaks an objective); the answer
                             is the full grid's, the table has only the runs made
      --shard I/N            run only shard I of N (every Nth run); the folder holds
                             sweep.json and runs.jsonl for `sweep merge`
      --plan SWEEP.json      run the sweep a sweep file describes instead of the options
                             above: the sweep.json a sweep writes (world, set, vary,
                             seeds, metrics, slo, minimize, warmup_deletion, adaptive), so
                             a sweep can be kept in version control and re-run
      --quiet                print only where the results went
      -h, --help             show this help

    MERGE: `delivery-sim sweep merge DIR...` joins the folders of shards 1..N of one sweep
    into exactly the files the unsharded sweep writes (--out DIR, default
    output/<world>/sweep).

    EXIT STATUS: 0 the sweep ran (and, with --slo, some configuration met every objective
    in every seed); 1 no configuration met them; 2 the world, an option, a --vary value
    or a configuration is invalid, a chosen metric does not exist, or the results cannot
    be written (checked before the runs start; nothing is written).
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        if arguments.first == "merge" { return try merge(Array(arguments.dropFirst())) }
        let args = try Arguments(arguments,
                                 valued: ["vary", "seeds", "j", "jobs", "out", "set", "metric", "slo", "minimize", "shard", "plan"],
                                 flags: ["no-warmup-deletion", "adaptive", "quiet"],
                                 repeatable: ["set", "vary", "metric", "slo"])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        if args.value("plan") != nil {
            guard args.positional.isEmpty else { throw UsageError("--plan names its world; give no world file beside it") }
            for option in ["vary", "set", "metric", "slo", "minimize", "seeds"] where !args.all(option).isEmpty {
                throw UsageError("--plan holds the whole sweep; --\(option) cannot be added to it")
            }
            for flag in ["adaptive", "no-warmup-deletion"] where args.flag(flag) {
                throw UsageError("--plan holds the whole sweep; --\(flag) cannot be added to it")
            }
        } else {
            guard args.positional.count == 1 else {
                throw UsageError(args.positional.isEmpty ? "sweep needs a world file (see delivery-sim sweep --help)"
                                                         : "sweep takes one world file, got \(args.positional.count)")
            }
        }
        let seedCount = try positive(args.value("seeds"), option: "--seeds", default: 3, most: 100_000)
        if args.value("j") != nil, args.value("jobs") != nil { throw UsageError("give -j or --jobs, not both") }
        let jobs = try positive(args.value("j") ?? args.value("jobs"), option: "-j",
                                default: ProcessInfo.processInfo.activeProcessorCount, most: 1024)
        var shard: Shard?
        if let text = args.value("shard") {
            do throws(SweepError) { shard = try Shard(parsing: text) } catch { throw UsageError(error.description) }
        }
        let (plan, specs): (SweepPlan, [WorldSpec])
        if let planPath = args.value("plan") {
            do {
                let (stored, _) = try SweepPlan.read(json: try readText(planPath), file: planPath)
                let world = try loadWorld(stored.worldPath)
                let base = try world.base(set: stored.set)
                guard base.name == stored.worldName else {
                    throw SweepError("\(planPath): the plan is for world \"\(stored.worldName)\", but \(stored.worldPath) is now \"\(base.name)\"")
                }
                guard !(stored.adaptive && shard != nil) else {
                    throw SweepError("--adaptive cannot be sharded: which runs it makes depends on the results of earlier ones")
                }
                plan = stored
                specs = try world.specs(for: stored)
            } catch let error as SweepError {
                throw InputError(nil, error.description)
            }
        } else {
        let path = args.positional[0]
        let world = try loadWorld(path)
        let set = args.all("set")
        do {
            let base = try world.base(set: set)
            var parameters: [SweepParameter] = []
            for (position, text) in args.all("vary").enumerated() {
                let parameter = try SweepParameter(parsing: text, position: position + 1)
                if parameters.contains(where: { $0.path == parameter.path }) {
                    throw SweepError("--vary #\(position + 1): \(parameter.path) is already varied")
                }
                parameters.append(parameter)
            }
            var objectives: [ServiceLevelObjective] = []
            for (position, text) in args.all("slo").enumerated() {
                objectives.append(try ServiceLevelObjective(parsing: text, position: position + 1))
            }
            let cost = try args.value("minimize").map { text throws(SweepError) in
                try CostExpression(parsing: text, parameters: parameters.map(\.path))
            }
            if cost != nil, objectives.isEmpty { throw SweepError("--minimize needs at least one --slo to meet") }
            if args.flag("adaptive"), objectives.isEmpty { throw SweepError("--adaptive needs at least one --slo: it searches for the cheapest configuration meeting them") }
            if args.flag("adaptive"), shard != nil { throw SweepError("--adaptive cannot be sharded: which runs it makes depends on the results of earlier ones") }
            var metrics = args.all("metric")
            if metrics.isEmpty, objectives.isEmpty { metrics = defaultMetrics(base) }
            for objective in objectives where !metrics.contains(objective.metric) { metrics.append(objective.metric) }
            let candidate = SweepPlan(worldPath: path, worldName: base.name, set: set, parameters: parameters,
                                      seeds: (1...UInt64(seedCount)).map { $0 }, metrics: metrics,
                                      objectives: objectives, cost: cost, warmupDeletion: !args.flag("no-warmup-deletion"),
                                      adaptive: args.flag("adaptive"))
            plan = candidate
            specs = try world.specs(for: candidate)
        } catch let error as SweepError {
            throw InputError(nil, error.description)
        }
        }
        let directory = OutputDirectory(path: args.value("out") ?? defaultFolder(plan, shard: shard), ownFiles: SweepFiles.names)
        try directory.checkWritable()

        let runner = SweepRunner(plan: plan, specs: specs)
        let indices = shard?.runs(of: plan.runCount) ?? Array(0..<plan.runCount)
        let quiet = args.flag("quiet")
        let clock = ContinuousClock()
        let started = clock.now
        var records: [RunRecord] = []
        do {
            if plan.adaptive {
                let progress = Progress(total: plan.runCount, enabled: !quiet && isatty(2) == 1, clock: clock, started: started)
                var made = 0
                records = try AdaptiveSearch(plan: plan).run { batch throws(SweepError) in
                    let batchRecords = try runner.run(batch, jobs: jobs)
                    if made == 0, let first = batchRecords.first { try checkMetrics(plan, against: first) }
                    made += batchRecords.count
                    progress.update(done: made)
                    return batchRecords
                }
                progress.finish()
            } else {
                // The first run's metrics are checked as soon as it ends, so a misspelt
                // metric stops the sweep after one run, not after all of them.
                let progress = Progress(total: indices.count, enabled: !quiet && isatty(2) == 1, clock: clock, started: started)
                progress.update(done: 0)
                records = try runner.run(indices, jobs: jobs, checkFirst: { record throws(SweepError) in
                    try checkMetrics(plan, against: record)
                }, progress: { done, _ in progress.update(done: done) })
                progress.finish()
            }
        } catch {
            throw InputError(nil, error.description)
        }
        let wall = started.duration(to: clock.now)
        let analysis = SweepAnalysis(plan: plan, records: records)
        let files = try directory.write(SweepFiles.files(analysis, shard: shard))
        if !quiet {
            if shard == nil { print(SweepReport.text(analysis), terminator: "") }
            print("\(records.count) run(s) in \(formatSeconds(wall)) wall on \(min(jobs, max(1, indices.count))) thread(s)")
        }
        print("wrote " + files.joined(separator: ", "))
        if shard == nil, !plan.objectives.isEmpty, analysis.cheapest == nil { return 1 }
        return 0
    }

    /// `sweep merge DIR...`.
    static func merge(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["out"], flags: ["quiet"])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard !args.positional.isEmpty else { throw UsageError("sweep merge needs the shards' folders") }
        var parts: [(folder: String, plan: SweepPlan, shard: Shard?, records: [RunRecord])] = []
        do {
            for folder in args.positional {
                let planFile = folder + "/sweep.json", runsFile = folder + "/runs.jsonl"
                let (plan, shard) = try SweepPlan.read(json: try readText(planFile), file: planFile)
                var records: [RunRecord] = []
                for (number, line) in try readText(runsFile).split(separator: "\n").enumerated() {
                    records.append(try RunRecord(jsonLine: String(line), file: runsFile, line: number + 1))
                }
                parts.append((folder, plan, shard, records))
            }
            let merged = try SweepMerge.join(parts.map { ($0.folder, $0.plan, $0.shard, $0.records) })
            let directory = OutputDirectory(path: args.value("out") ?? defaultFolder(merged.plan, shard: nil),
                                            ownFiles: SweepFiles.names)
            try directory.checkWritable()
            let analysis = SweepAnalysis(plan: merged.plan, records: merged.records)
            let files = try directory.write(SweepFiles.files(analysis))
            if !args.flag("quiet") { print(SweepReport.text(analysis), terminator: "") }
            print("merged \(parts.count) shard(s), \(merged.records.count) run(s); wrote " + files.joined(separator: ", "))
        } catch let error as SweepError {
            throw InputError(nil, error.description)
        }
        return 0
    }

    static func loadWorld(_ path: String) throws(InputError) -> SweepWorld {
        do { return SweepWorld(path: path, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))) } catch {
            throw InputError(path, WorldFiles.explain(error, path: path))
        }
    }

    static func readText(_ path: String) throws(SweepError) -> String {
        do { return try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) } catch {
            throw SweepError("\(path): \(WorldFiles.explain(error, path: path))")
        }
    }

    static func defaultFolder(_ plan: SweepPlan, shard: Shard?) -> String {
        "output/\(plan.worldName)/sweep" + (shard.map { "-shard-\($0.index)-of-\($0.count)" } ?? "")
    }

    /// The metrics a sweep reports when none is named.
    static func defaultMetrics(_ spec: WorldSpec) -> [String] {
        if spec.hasPlatform { return ["app.order.latency.p99", "orders.failed_ratio"] }
        guard let service = spec.services.first?.name else { return [] }
        return ["\(service).latency.mean", "\(service).wait.mean"]
    }

    /// Every chosen metric must exist in the first run.
    static func checkMetrics(_ plan: SweepPlan, against record: RunRecord) throws(SweepError) {
        let known = Array(record.values.keys).sorted()
        for metric in plan.metrics where record.values[metric] == nil && !record.counters.contains(metric) {
            let near = Arguments.nearest(metric, in: known).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw SweepError("no metric named \"\(metric)\" in the first run (\(plan.label(of: record.configuration)), seed \(record.seed))\(near); "
                + "see docs/worlds.md, Metric names, or the columns of a run's sweep.csv")
        }
    }

    static func positive(_ text: String?, option: String, default value: Int, most: Int) throws(UsageError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), number >= 1, number <= most else {
            throw UsageError("\(option) expects a whole number from 1 to \(most), got \"\(text)\"")
        }
        return number
    }

    static func formatSeconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(Int((seconds * 10).rounded()) / 10) + "." + String(Int((seconds * 10).rounded()) % 10) + " s"
    }
}
