import Foundation
import Report
import SimKernel

/// `run --trace [--trace-window FROM..TO] [--trace-sample N]`: the trace files streamed
/// into the run's temporary folder while the world runs.
extension RunCommand {
    /// The trace export the command line asks for, or nil (a window or a sample implies
    /// `--trace`).
    static func traceOptions(_ args: Arguments) throws(UsageError) -> TraceExportOptions? {
        let window = args.value("trace-window"), sample = args.value("trace-sample")
        guard args.flag("trace") || window != nil || sample != nil else { return nil }
        do { return try TraceExportOptions(window: window, sample: sample) } catch { throw UsageError(error.description) }
    }

    /// Starts streaming `trace` into a staged output folder.
    static func startTrace(_ options: TraceExportOptions, into directory: OutputDirectory,
                           trace: Trace) throws(OutputError) -> (StagedOutput, TraceExport) {
        let staged = try directory.stage()
        do {
            return (staged, try TraceExport(directory: staged.path, trace: trace, options: options))
        } catch {
            directory.discard(staged)
            throw OutputError(path: directory.path, reason: "the trace files cannot be created (\(error.localizedDescription))")
        }
    }
}
