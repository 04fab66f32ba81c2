#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Report
import SimKernel

/// delivery-sim: runs deterministic simulations of a food-delivery platform under overload.
let topHelp = """
delivery-sim — deterministic simulation of a food-delivery platform under overload

USAGE: delivery-sim <command> [options]

COMMANDS:
  run WORLD.json        run a world; results in output/<world>/<seed>/
  validate WORLD.json   check world files without running them
  report RUN_DIR        render a run's report.html again from its bundle
  compare RUN_A RUN_B   compare two runs side by side (compare.html)
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

func dispatch(_ arguments: [String]) -> Int32 {
    guard let command = arguments.first else {
        // No command is a usage mistake (a script that lost its arguments should fail).
        printError(topHelp)
        return 2
    }
    let rest = Array(arguments.dropFirst())
    do {
        switch command {
        case "run": return try RunCommand.main(rest)
        case "validate": return try ValidateCommand.main(rest)
        case "report": return try ReportCommand.main(rest)
        case "compare": return try CompareCommand.main(rest)
        case "--version", "version":
            print("delivery-sim \(ToolVersion.number) (trace format \(Trace.formatVersion))")
            return 0
        case "help", "--help", "-h":
            switch rest.first {
            case "run": print(RunCommand.help)
            case "validate": print(ValidateCommand.help)
            case "report": print(ReportCommand.help)
            case "compare": print(CompareCommand.help)
            case nil: print(topHelp)
            case let other?:
                let hint = Arguments.nearest(other, in: ["run", "validate", "report", "compare"]).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw UsageError("no help for \"\(other)\"\(hint): the commands are run, validate, report and compare")
            }
            return 0
        default:
            let hint = Arguments.nearest(command, in: ["run", "validate", "report", "compare", "help"]).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw UsageError("unknown command \"\(command)\"\(hint); see delivery-sim --help")
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

exit(flushedStatus(dispatch(Array(CommandLine.arguments.dropFirst()))))
