import Bench
import Foundation
import Report
import World
#if canImport(Glibc)
import Glibc
#endif

/// `delivery-sim bench`: DeliverySim against a plain event loop, SimPy and Ciw on the
/// same M/M/c model, each run in a child process (see the `Bench` target).
enum BenchCommand {
    static let help = """
    USAGE: delivery-sim bench [--customers N] [--repeats R] [--seed S]
                              [--only deliverysim,plain,simpy,ciw] [--json FILE]
                              [--python PATH] [--peers DIR] [--scaling]
                              [--factors LIST]

    Runs the same M/M/c queue (c = 8, λ = 7.2/s, μ = 1/s, so ρ = 0.9; FIFO; arrivals
    stop after N customers and the queue drains) in four implementations and prints a
    table of their speed, memory and what each measured:
      deliverysim  worlds/validation/mmc.json through DeliverySim's actors, worker pool
                   and kernel: the same code `run` uses
      plain        a binary-heap event loop in Swift, no actors, no framework: the floor
      simpy        the peers' mmc_simpy.py (SimPy 4)
      ciw          the peers' mmc_ciw.py (Ciw)
    Each run is a child process, so its wall and CPU time and peak memory (wait4) are
    its own; repeats are interleaved and the median is reported, with each one's CPU
    time and peak memory as a multiple of DeliverySim's. Each row's mean wait Wq, time
    in system W and P(wait) sit under Erlang C's exact values: every implementation
    models the same thing. A Python peer that cannot run here (no Python, or simpy/ciw
    not installed) gets a row saying so, not an error; bench never installs anything.

    Build with -c release first: a debug build's timings mean little (bench warns).

    OPTIONS:
      --customers N      customers per run (default 1000000)
      --repeats R        runs per implementation; the median is reported (default 3)
      --seed S           the seed of every run (default 42)
      --only LIST        the implementations to run, comma-separated (default all)
      --json FILE        also write the results, every run and the machine (cores,
                         load average at the start, Swift version, build
                         configuration) as JSON
      --python PATH      the Python that runs the peers (default: the first python3 on
                         PATH); it needs simpy==4.1.2 and ciw==3.2.7, e.g. in a venv:
                         python3 -m venv /tmp/peers && /tmp/peers/bin/pip install
                         simpy==4.1.2 ciw==3.2.7, then --python /tmp/peers/bin/python
      --peers DIR        the folder holding mmc_simpy.py and mmc_ciw.py (default
                         ../shared/peers when present)
      --scaling          also run worlds/baseline.json as a platform ×1 and ×10 (the
                         overrides of scripts/scaled-baseline: demand and capacity),
                         --repeats times each, and print its orders, events, wall and
                         CPU time, peak memory and CPU per order (×10 takes about a
                         minute of CPU per run)
      --factors LIST     the factors --scaling runs, comma-separated whole numbers
                         (default 1,10; implies --scaling). × user and × RSS are
                         against ×1, so include 1 to get them: 1,10,100 checks the
                         ×100 platform (about 7 minutes of CPU and 2.5 GB per run;
                         --only plain keeps the M/M/c rows short)
      -h, --help         show this help

    EXIT STATUS:
      0  every implementation ran, or could not be run here and says why
      1  a run failed (its row says how)
      2  the command line is invalid, the M/M/c world is missing or not the model,
         or the JSON file cannot be written where asked
    """

    /// The world DeliverySim's row runs, from the project's root.
    static let world = "worlds/validation/mmc.json"
    /// Where the peers' scripts are by default, from the project's root.
    static let defaultPeers = "../shared/peers"

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["customers", "repeats", "seed", "only", "json", "python", "peers",
                                                     "child", "world", "factor", "factors"], flags: ["scaling"])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard args.positional.isEmpty else {
            throw UsageError("bench takes options only, got \"\(args.positional[0])\" (see delivery-sim bench --help)")
        }
        let customers = try wholeNumber(args, "customers", default: 1_000_000, from: 1)
        let repeats = try wholeNumber(args, "repeats", default: 3, from: 1)
        let seed = UInt64(try wholeNumber(args, "seed", default: 42, from: 0))
        if let child = args.value("child") {
            return try runChild(child, world: args.value("world"), customers: customers, seed: seed,
                                factor: try wholeNumber(args, "factor", default: 1, from: 1))
        }
        for own in ["world", "factor"] where args.value(own) != nil {
            throw UsageError("unknown option --\(own) (it is bench's own, for the runs it starts)")
        }
        var chosen = BenchImplementation.allCases
        if let only = args.value("only") {
            switch BenchImplementation.list(only) {
            case .success(let list): chosen = list
            case .failure(let unknown):
                let names = BenchImplementation.allCases.map(\.rawValue)
                let hint = Arguments.nearest(unknown.name, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw UsageError("--only: no implementation \"\(unknown.name)\"\(hint); the implementations are "
                    + names.joined(separator: ", "))
            }
        }
        if let json = args.value("json") { try checkWritable(json) }

        let machine = MachineFacts.current()
        if machine.isDebugBuild {
            printError("""
            WARNING: this delivery-sim is a DEBUG build: its timings are many times slower than a
            release build's and say little about the code. Build with: swift build -c release
            """)
        }
        // Every world is found and checked before the first run, not after minutes of them.
        let executable = try ownExecutable()
        let worldPath = try projectFile(world)
        if chosen.contains(.deliverysim) { _ = try loadWorld(worldPath, customers: customers) }
        var scalingChildren: [(Int, ChildProcess)] = []
        let factors = try scalingFactors(args)
        if !factors.isEmpty {
            let baseline = try projectFile(ScaledBaseline.world)
            for factor in factors {
                _ = try WorldFiles.load(baseline, overrides: ScaledBaseline.overrides(factor: factor))
                scalingChildren.append((factor, ChildProcess(program: executable, arguments: [
                    "bench", "--child", "baseline", "--world", baseline, "--factor", String(factor)])))
            }
        }
        let python = PythonPeers.locate(python: args.value("python"), peers: args.value("peers"), defaultPeers: defaultPeers)
        let children = chosen.map { implementation -> (BenchImplementation, Result<ChildProcess, PythonPeers.Missing>) in
            switch implementation {
            case .deliverysim, .plain:
                var childArguments = ["bench", "--child", implementation.rawValue, "--customers", String(customers), "--seed", String(seed)]
                if implementation == .deliverysim { childArguments += ["--world", worldPath] }
                return (implementation, .success(ChildProcess(program: executable, arguments: childArguments)))
            case .simpy, .ciw:
                return (implementation, python.child(for: implementation, customers: customers, seed: seed))
            }
        }
        let showProgress = isatty(2) == 1
        let rows = BenchRunner(customers: customers, repeats: repeats).run(children) { implementation, index in
            if showProgress { printError("bench: \(implementation.rawValue) run \(index) of \(repeats)…") }
        }
        let scaling = BenchRunner(customers: customers, repeats: repeats).runScaling(scalingChildren) { factor, index in
            if showProgress { printError("bench: baseline ×\(factor) run \(index) of \(repeats)…") }
        }
        let report = BenchReport(customers: customers, repeats: repeats, seed: seed, rows: rows,
                                 theory: BenchModel.erlangC, machine: machine, scaling: scaling)
        print(report.table)
        if machine.isDebugBuild { print("WARNING: debug build: these timings are not the code's (swift build -c release).") }
        if let json = args.value("json") {
            try FileWriting.write(CanonicalJSON.string(report.json), to: json)
            print("wrote \(json)")
        }
        return report.succeeded ? 0 : 1
    }

    /// A child run: one implementation, its figures on standard output in the peers'
    /// format. Not in `--help`: the parent starts it.
    /// `--child overrides` prints the scaled baseline's `--set` values, one per line, so
    /// `scripts/scaled-baseline` applies exactly the overrides `--scaling` does.
    static func runChild(_ name: String, world: String?, customers: Int, seed: UInt64, factor: Int) throws -> Int32 {
        if name == "overrides" {
            for line in ScaledBaseline.overrides(factor: factor) { print(line) }
            return 0
        }
        if name == "baseline" {
            guard let world else { throw UsageError("--child baseline needs --world") }
            let spec = try WorldFiles.load(world, overrides: ScaledBaseline.overrides(factor: factor))
            print(try ScaledBaseline.run(spec, factor: factor, seed: nil).line, terminator: "")
            return 0
        }
        let figures: MMCFigures
        switch BenchImplementation(rawValue: name) {
        case .deliverysim:
            guard let world else { throw UsageError("--child deliverysim needs --world") }
            figures = try DeliverySimMMC.run(try loadWorld(world, customers: customers), seed: seed)
        case .plain:
            let (result, runSeconds) = timedSeconds { BenchModel.plain.run(customers: customers, seed: seed) }
            figures = MMCFigures(implementation: "plain", customers: result.customers, meanWait: result.meanWait,
                                 meanSojourn: result.meanSojourn, probabilityOfWaiting: result.probabilityOfWaiting,
                                 events: result.events, runSeconds: runSeconds)
        default:
            throw UsageError("--child runs deliverysim, plain, baseline or overrides, not \"\(name)\"")
        }
        print(figures.lines(requested: customers, seed: seed), terminator: "")
        return 0
    }

    /// The M/M/c world with `customers` customers, checked to be the peers' model.
    static func loadWorld(_ path: String, customers: Int) throws -> WorldSpec {
        let spec = try WorldFiles.load(path, overrides: ["traffic.customers=\(customers)"])
        do { try DeliverySimMMC.check(spec) } catch { throw InputError(path, "bench cannot use this world: \(error.description)") }
        return spec
    }

    /// A shipped file (`worlds/validation/mmc.json`) under the working directory, or else
    /// under a folder holding this executable (`.build/release/delivery-sim` lives in the
    /// project).
    static func projectFile(_ relative: String) throws -> String {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var folder = URL(fileURLWithPath: try ownExecutable()).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw InputError(relative, "no such file: bench runs it from the project's root (cd into the DeliverySim folder)")
    }

    /// This program's path, to start it again as a child.
    static func ownExecutable() throws -> String {
        guard let path = Bundle.main.executablePath else { throw UsageError("cannot find this program's own path to run children") }
        return path
    }

    /// The factors `--scaling` runs, in the order given: `--factors` (which implies
    /// `--scaling`), else 1 and 10 with `--scaling`, else none.
    static func scalingFactors(_ args: Arguments) throws -> [Int] {
        guard let list = args.value("factors") else { return args.flag("scaling") ? [1, 10] : [] }
        var factors: [Int] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let factor = wholeNumber(text, from: 1) else {
                throw UsageError("--factors expects whole numbers from 1 up, separated by commas (e.g. 1,10,100), got \"\(text)\" in \"\(list)\"")
            }
            guard !factors.contains(factor) else {
                throw UsageError("--factors lists \(factor) twice in \"\(list)\"")
            }
            factors.append(factor)
        }
        return factors
    }

    /// `--NAME` as a whole number ≥ `from`, or `fallback` when absent.
    static func wholeNumber(_ args: Arguments, _ name: String, default fallback: Int, from lowest: Int) throws -> Int {
        guard let text = args.value(name) else { return fallback }
        guard let value = wholeNumber(text, from: lowest) else {
            throw UsageError("--\(name) expects a whole number from \(lowest) up, got \"\(text)\"")
        }
        return value
    }

    /// `text` as a whole number ≥ `lowest` (underscores allowed: 1_000_000), or nil.
    static func wholeNumber(_ text: String, from lowest: Int) -> Int? {
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= lowest else { return nil }
        return value
    }

    /// Fails before the benchmark, not after it, when FILE cannot be written.
    static func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputError(path: path, reason: "it is a folder (--json names a file)")
        }
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputError(path: folder, reason: "no such folder (--json)")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw OutputError(path: folder, reason: "the folder cannot be written (--json)")
        }
    }
}
