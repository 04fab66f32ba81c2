import Platform

/// `delivery-sim validate WORLD...`
enum ValidateCommand {
    static let help = """
    USAGE: delivery-sim validate WORLD.json... [--set PATH=VALUE]...

    Checks world files without running them: JSON syntax, every field's type, range and
    unit, unknown or misspelt fields, cross-field rules, and that every expectation
    names a metric the world makes. A world may be - (standard input) or a pipe. Every problem is reported as
    FILE:LINE:COLUMN: JSON-PATH: what was expected, what was found.

    OPTIONS:
      --set PATH=VALUE     apply an override first, as run does (repeatable)
      -h, --help           show this help

    EXIT STATUS: 0 every world is valid; 2 at least one is not.
    """

    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valued: ["set"], flags: [])
        if args.flag("help") || args.flag("h") {
            print(help)
            return 0
        }
        guard !args.positional.isEmpty else { throw UsageError("validate needs at least one world file") }
        var failed = 0
        for path in args.positional {
            do {
                let spec = try WorldFiles.load(path, overrides: args.all("set"))
                let misnamed = try PlatformWorld(spec: spec).expectationsNamingNothing()
                guard misnamed.isEmpty else { throw InputError(path, misnamed.joined(separator: "\n\(path): ")) }
                print("\(path): ok (world \(spec.name), \(spec.services.count) service(s))")
            } catch {
                printError("\(error)")
                failed += 1
            }
        }
        return failed == 0 ? 0 : 2
    }
}
