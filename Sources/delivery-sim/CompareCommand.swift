import Report

/// `delivery-sim compare RUN_A RUN_B [--out DIR]`
enum CompareCommand {
    static let help = """
    USAGE: delivery-sim compare RUN_A RUN_B [--out DIR]

    Compares two runs from their bundles (any two output folders, e.g. an incident and
    its fixed world) and writes DIR/compare.html: both runs' charts overlaid (A solid,
    B dashed), the two timelines side by side, and every figure of summary.json with
    both values and the difference. Runs of different lengths or intervals are put on
    one grid by re-merging their interval rows, not refused.

    OPTIONS:
      --out DIR            write DIR/compare.html (default:
                           output/compare/<A world>-<A seed>-vs-<B world>-<B seed>/);
                           DIR is created if needed, other files in it are left alone
      -h, --help           show this help

    EXIT STATUS: 0 the page was written; 2 a folder is missing, is not a run bundle, or
    a file in it is corrupt (the error names the file and line), or the page cannot be
    written.
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["out"], flags: [])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard args.positional.count == 2 else {
            throw UsageError("compare takes two run folders, got \(args.positional.count) (see delivery-sim compare --help)")
        }
        let a = try RunBundle.load(OutputDirectory(path: args.positional[0]).path)
        let b = try RunBundle.load(OutputDirectory(path: args.positional[1]).path)
        let folder = OutputDirectory(path: args.value("out") ?? "output/compare/\(a.name)-\(a.seed)-vs-\(b.name)-\(b.seed)").path
        let path = "\(folder)/compare.html"
        try FileWriting.write(ComparePage(a, b).html, to: path, createFolder: true)
        print("wrote \(path)")
        return 0
    }
}
