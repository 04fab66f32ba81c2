import Foundation
import Platform
import Report
import SimKernel
import World

/// `delivery-sim run WORLD [--seed N] [--out DIR] [--set PATH=VALUE]...`
enum RunCommand {
    static let help = """
    USAGE: delivery-sim run WORLD.json [--seed N] [--out DIR] [--set PATH=VALUE]... [--quiet]
                                       [--trace [--trace-window FROM..TO] [--trace-sample N]]
                                       [--batch-means METRIC]...

    Runs one world (a file, a pipe such as <(jq ...), or - for standard input) and
    writes its results into output/<world>/<seed>/, output/<world>/<seed>-<tag>/ when
    --set is given (<tag>: 8 hex digits of the overrides' SHA-256, so runs of different
    settings never replace each other), or DIR:
      summary.json     world, seed, trace digest, how the run ended, simulated time,
                       event count, and every metric (counts; mean, p50, p90, p99,
                       p999 and max of each latency, in ms; gauges; per-service
                       throughput, utilisation and Little's law; Erlang C for M/M/c
                       worlds)
      timeseries.csv   the same metrics per interval (metrics.interval in the world)
      timeseries.jsonl the time series with histogram buckets and each metric's
                       descriptor, so windows re-merge exactly (the run bundle)
      world.json       the world as run: the file with --set and the seed applied
      report.html      one self-contained page: timeline, charts with the fault
                       windows shaded, expectations, invariants (open it in a
                       browser; delivery-sim report DIR renders it again)
      checkpoints.csv  the trace digest after every 4,096 events: two runs agree up
                       to the first window in which they differ
      trace.json       with --trace: the run in the Chrome trace event format, for
                       ui.perfetto.dev or chrome://tracing (a span per request on each
                       instance, arrows for calls between services, fault windows)
      events.jsonl     with --trace: every traced event, one JSON object per line
                       (docs/trace.md lists the kinds and their fields)
      metrics.om       the same time series in OpenMetrics text, with labels
                       (service, callee, reason) and histogram buckets, for
                       promtool tsdb create-blocks-from openmetrics (see README)
    and prints a short summary. summary.json's made_by says how the run was made: the
    world file and its SHA-256, every --set, the tool's version and the trace format.
    The same world and seed always give the same files, byte for byte. While a long
    run works, a terminal on standard error shows its progress (simulated time, share
    of the duration, events/s, time left), except with --quiet.

    OPTIONS:
      --seed N             use seed N instead of the world's seed
      --out DIR            write the results into DIR (new, empty, or holding only an
                           earlier run's results, recognised by the .delivery-sim-run
                           file it left, which it replaces; checked before the run)
      --set PATH=VALUE     override a field of the world, checked like the file
                           (repeatable), e.g. --set services.backend.workers=16
                           --set traffic.customers=1000000 --set 'traffic.rate="9/s"'
      --batch-means METRIC a 95% interval for METRIC's steady-state mean from this one
                           run: batch means of its per-interval values (metrics.interval)
                           after MSER-5 deletes the initial transient (repeatable)
      --trace              also write trace.json and events.jsonl (streamed to disk
                           as the world runs; large: see the two options below)
      --trace-window FROM..TO
                           trace only events in this span of simulated time, e.g.
                           12m..18m, ..5m, 10m.. (implies --trace)
      --trace-sample N     trace 1 request in N, with every call it made, chosen by
                           a hash of its id: the same requests on every run
                           (implies --trace)
      --quiet              print only where the results went, and on standard
                           error why the run failed, if it did
      -h, --help           show this help

    Before the run, every expectation's metric is checked against the metrics the
    world makes: a misspelt name is an error (exit 2) found in a second.

    \(ExitStatus.help)
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["seed", "out", "set", "trace-window", "trace-sample", "batch-means"],
                                 flags: ["quiet", "trace"], repeatable: ["set", "batch-means"])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard args.positional.count == 1 else {
            throw UsageError(args.positional.isEmpty ? "run needs a world file (see delivery-sim run --help)"
                                                     : "run takes one world file, got \(args.positional.count)")
        }
        var seed: UInt64?
        if let text = args.value("seed") {
            guard let value = Int64(text), value >= 0 else {
                throw UsageError("--seed expects a whole number from 0 to \(Int64.max), got \"\(text)\"")
            }
            seed = UInt64(value)
        }
        let tracing = try traceOptions(args)
        let path = args.positional[0]
        let loaded = try WorldFiles.read(path, overrides: args.all("set"))
        let spec = loaded.spec
        let provenance = Provenance(worldFile: path, bytes: loaded.bytes, overrides: args.all("set"),
                                    seedOption: seed, resolved: loaded.resolved)
        let worldJSON = loaded.json
        let directory = args.value("out").map(OutputDirectory.init(path:))
            ?? OutputDirectory.standard(world: spec.name, seed: seed ?? spec.seed, tag: provenance.overridesTag)
        // Before the run, so a long simulation is not wasted on a folder it cannot write.
        try directory.checkWritable()
        let clock = ContinuousClock()
        let started = clock.now
        let world = try PlatformWorld(spec: spec, seed: seed)
        let misnamed = world.expectationsNamingNothing()
        guard misnamed.isEmpty else {
            let file = path == "-" ? "<stdin>" : path
            throw InputError(file, misnamed.joined(separator: "\n\(file): "))
        }
        let trace = try tracing.map { options throws(OutputError) in try startTrace(options, into: directory, trace: world.sim.trace) }
        let progress = args.flag("quiet") ? nil : ProgressDisplay.attach(to: world.sim, duration: spec.duration)
        let outcome = world.run()
        progress?.finish(world.sim)
        let wall = started.duration(to: clock.now)
        // Before writing, so a misspelt metric leaves nothing behind.
        let results: [(name: String, contents: String)]
        let batchMeans: [String]
        do {
            results = try RunFiles.make(outcome, world: worldJSON, trace: world.sim.trace, path: directory.path,
                                        provenance: provenance)
            batchMeans = try RunBatchMeans.lines(outcome, metrics: args.all("batch-means"))
        } catch {
            if let (staged, _) = trace { directory.discard(staged) }
            throw error
        }
        let files: [String]
        if let (staged, export) = trace {
            do { try export.finish(at: outcome.result.endTime) } catch {
                directory.discard(staged)
                throw OutputError(path: directory.path, reason: "writing the trace failed (\(error.localizedDescription))")
            }
            files = try directory.commit(staged, results)
        } else {
            files = try directory.write(results)
        }
        if args.flag("quiet") {
            print("wrote " + files.joined(separator: ", "))
            // Quiet hides the figures, never the reason for a non-zero exit.
            let problems = HumanSummary.problems(outcome)
            if !problems.isEmpty { printError(problems.joined(separator: "\n")) }
        } else {
            print(HumanSummary.text(outcome, wallSeconds: wall.seconds, files: files))
            for line in batchMeans { print(line) }
        }
        world.sim.shutdown()
        return ExitStatus.of(outcome)
    }
}
