#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Report
import SimKernel

/// delivery-sim: runs deterministic simulations of a food-delivery platform under overload.

/// One command of the tool: its name, its one-line summary for `--help`, its full help
/// and its entry point (arguments after the command name; returns the exit status).
struct Command: Sendable {
    let name: String
    let synopsis: String
    let help: String
    let main: @Sendable ([String]) throws -> Int32
}

/// Every command, in the order `--help` lists them.
nonisolated let commands: [Command] = [
    Command(name: "run", synopsis: "run WORLD.json        run a world; results in output/<world>/<seed>/",
            help: RunCommand.help, main: RunCommand.main),
    Command(name: "validate", synopsis: "validate WORLD.json   check world files without running them",
            help: ValidateCommand.help, main: ValidateCommand.main),
    Command(name: "report", synopsis: "report RUN_DIR        render a run's report.html again from its bundle",
            help: ReportCommand.help, main: ReportCommand.main),
    Command(name: "compare", synopsis: "compare RUN_A RUN_B   compare two runs side by side (compare.html)",
            help: CompareCommand.help, main: CompareCommand.main),
    Command(name: "sweep", synopsis: "sweep WORLD.json      run a grid of configurations × seeds; the cheapest meeting an SLO",
            help: SweepCommand.help, main: SweepCommand.main),
    Command(name: "check", synopsis: "check [DIR|WORLD...]  run worlds and compare them with their committed baselines",
            help: CheckCommand.help, main: CheckCommand.main),
    Command(name: "bench", synopsis: "bench                 time DeliverySim against a plain event loop, SimPy and Ciw on M/M/c",
            help: BenchCommand.help, main: BenchCommand.main),
]

let topHelp = """
delivery-sim — deterministic simulation of a food-delivery platform under overload

USAGE: delivery-sim <command> [options]

COMMANDS:
\(commands.map { "  " + $0.synopsis }.joined(separator: "\n"))
  help [COMMAND]        show help for a command

Same world + same seed ⇒ byte-identical results. See README.md for a tour.
`delivery-sim --version` prints the tool's version.
Run `delivery-sim <command> --help` for a command's options.
"""

/// Writes to standard error.
func printError(_ text: String) {
    var line = text
    if !line.hasSuffix("\n") { line += "\n" }
    let bytes = Array(line.utf8)
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}

/// "run, validate and sweep": the command names as a sentence lists them.
func commandList() -> String {
    let names = commands.map(\.name)
    return names.dropLast().joined(separator: ", ") + " and " + names.last!
}

/// Runs the command named first in `arguments` and returns its exit status; every
/// usage or input error is printed here and exits 2, so commands only throw.
func dispatch(_ arguments: [String]) -> Int32 {
    guard let name = arguments.first else {
        // No command is a usage mistake (a script that lost its arguments should fail).
        printError(topHelp)
        return 2
    }
    let rest = Array(arguments.dropFirst())
    let names = commands.map(\.name)
    do {
        if let command = commands.first(where: { $0.name == name }) { return try command.main(rest) }
        switch name {
        case "--version", "version":
            print("delivery-sim \(ToolVersion.number) (trace format \(Trace.formatVersion))")
            return 0
        case "help", "--help", "-h":
            guard let topic = rest.first else {
                print(topHelp)
                return 0
            }
            guard let command = commands.first(where: { $0.name == topic }) else {
                let hint = Arguments.nearest(topic, in: names).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw UsageError("no help for \"\(topic)\"\(hint): the commands are \(commandList())")
            }
            print(command.help)
            return 0
        default:
            let hint = Arguments.nearest(name, in: names + ["help"]).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw UsageError("unknown command \"\(name)\"\(hint); see delivery-sim --help")
        }
    } catch let error as UsageError {
        printError("error: \(error.description)")
        return 2
    } catch let error as InputError {
        printError(error.description)
        return 2
    } catch let error as BundleError {
        printError("error: \(error.description)")
        return 2
    } catch let error as OutputError {
        printError("error: \(error.description)")
        return 2
    } catch {
        printError("error: \(error)")
        return 2
    }
}

/// The status after making sure standard output was written: a summary lost to a full
/// disk or a closed pipe is a failure, not a success.
func flushedStatus(_ status: Int32) -> Int32 {
    // fflush(NULL) flushes every stream, standard output among them (the C global
    // itself cannot be named under strict concurrency); a summary is one buffer's worth.
    guard fflush(nil) != 0 else { return status }
    printError("error: cannot write to standard output (\(String(cString: strerror(errno))))")
    return status == 0 ? 2 : status
}

// Before the worlds' allocations, on the thread that runs them: big worlds' cold tasks
// then cost fewer TLB misses (see HugePageHeap).
HugePageHeap.enable()
exit(flushedStatus(dispatch(Array(CommandLine.arguments.dropFirst()))))
