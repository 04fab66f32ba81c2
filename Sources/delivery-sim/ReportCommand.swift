import Report

/// `delivery-sim report RUN_DIR`
enum ReportCommand {
    static let help = """
    USAGE: delivery-sim report RUN_DIR

    Renders RUN_DIR/report.html again from the run bundle in RUN_DIR (world.json,
    summary.json, timeseries.jsonl), which every run writes: the same bundle gives the
    same page, byte for byte. Open it in any browser; it needs nothing else (inline
    SVG and CSS, no script, nothing fetched).

    OPTIONS:
      -h, --help           show this help

    EXIT STATUS: 0 the report was written; 2 RUN_DIR is missing, is not a run bundle,
    or a file in it is corrupt (the error names the file and line), or the page cannot
    be written.
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: [], flags: [])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard args.positional.count == 1 else {
            throw UsageError(args.positional.isEmpty ? "report needs a run's output folder (see delivery-sim report --help)"
                                                     : "report takes one run folder, got \(args.positional.count)")
        }
        let bundle = try RunBundle.load(OutputDirectory(path: args.positional[0]).path)
        let path = "\(bundle.path)/\(RunBundle.reportFile)"
        try FileWriting.write(ReportPage(bundle).html, to: path)
        print("wrote \(path)")
        return 0
    }
}
