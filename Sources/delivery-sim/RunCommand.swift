import Foundation
import Platform
import Report
import SimKernel
import World

/// `delivery-sim run WORLD [--seed N] [--out DIR] [--set PATH=VALUE]...`
enum RunCommand {
    static let help = """
    USAGE: delivery-sim run WORLD.json [--seed N] [--out DIR] [--set PATH=VALUE]... [--batch-means METRIC]... [--quiet]

    Runs one world and writes its results into output/<world>/<seed>/ (or DIR):
      summary.json     world, seed, trace digest, how the run ended, simulated time,
                       event count, and every metric (counts; mean, p50, p90, p99,
                       p999 and max of each latency, in ms; gauges; per-service
                       throughput, utilisation and Little's law; Erlang C for M/M/c
                       worlds)
      timeseries.csv   the same metrics per interval (metrics.interval in the world)
    and prints a short summary. The same world and seed always give the same files,
    byte for byte.

    OPTIONS:
      --seed N             use seed N instead of the world's seed
      --out DIR            write the results into DIR (new, empty, or an earlier
                           run's results, which it replaces; checked before the run)
      --set PATH=VALUE     override a field of the world, checked like the file
                           (repeatable), e.g. --set services.backend.workers=16
                           --set traffic.customers=1000000 --set 'traffic.rate="9/s"'
      --batch-means METRIC a 95% interval for METRIC's steady-state mean from this one
                           run: batch means of its per-interval values (metrics.interval)
                           after MSER-5 deletes the initial transient (repeatable)
      --quiet              print only where the results went, and on standard
                           error why the run failed, if it did
      -h, --help           show this help

    EXIT STATUS: 0 the run completed and every expectation held; 1 an expectation failed
    (each is listed), or the run stalled, broke determinism or ran out of its event
    budget; 2 the world or the command line is invalid, or the results cannot be
    written where asked (nothing is written).
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["seed", "out", "set", "batch-means"], flags: ["quiet"],
                                 repeatable: ["set", "batch-means"])
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
        let spec = try WorldFiles.load(args.positional[0], overrides: args.all("set"))
        let directory = args.value("out").map(OutputDirectory.init(path:))
            ?? OutputDirectory.standard(world: spec.name, seed: seed ?? spec.seed)
        // Before the run, so a long simulation is not wasted on a folder it cannot write.
        try directory.checkWritable()
        let clock = ContinuousClock()
        let started = clock.now
        let world = try PlatformWorld(spec: spec, seed: seed)
        let outcome = world.run()
        let wall = started.duration(to: clock.now)
        // Before writing, so a misspelt metric leaves nothing behind.
        let batchMeans = try RunBatchMeans.lines(outcome, metrics: args.all("batch-means"))
        let files = try directory.write([
            ("summary.json", RunSummary(outcome).text),
            ("timeseries.csv", TimeSeriesCSV.text(outcome.metrics)),
        ])
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
        return outcome.passed ? 0 : 1
    }
}
