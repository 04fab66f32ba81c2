/// Where a JSON value came from: a line and column in a world file, or a `--set`
/// argument on the command line.
///
/// Every node of a parsed ``JSONValue`` tree carries one, so that a schema error found
/// long after parsing can still point at the exact character that caused it.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The input a location belongs to.
    public enum Origin: Sendable, Hashable {
        /// A file (or any named text); the name is shown as given, e.g. `worlds/x.json`.
        case file(String)
        /// The `n`-th `--set` argument on the command line (1-based).
        case override(Int)
        /// A value built in code rather than read from text (no line or column).
        case synthesized
    }

    /// The input this location belongs to.
    public var origin: Origin
    /// 1-based line: lines are separated by `\n` (a `\r\n` pair counts once).
    public var line: Int
    /// 1-based column, counted in Unicode scalars (a tab counts as one column).
    public var column: Int
    /// 0-based offset in UTF-8 bytes from the start of the input.
    public var offset: Int

    /// A location in an input.
    public init(origin: Origin, line: Int, column: Int, offset: Int) {
        self.origin = origin
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The location of values built in code.
    public static let synthesized = SourceLocation(origin: .synthesized, line: 0, column: 0, offset: 0)

    /// `worlds/x.json:12:5` for a file, `--set #2` for a command-line override (the
    /// argument is short, so its column would add noise), `<synthesized>` otherwise.
    /// A file with an empty name renders as `<input>`.
    public var description: String {
        switch origin {
        case .file(let name):
            return "\(name.isEmpty ? "<input>" : name):\(line):\(column)"
        case .override(let index):
            return "--set #\(index)"
        case .synthesized:
            return "<synthesized>"
        }
    }

    /// Files first (by name), then overrides (by index), then synthesized values; within
    /// one input, by offset. Used to list diagnostics in reading order.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        let (lr, rr) = (lhs.originRank, rhs.originRank)
        if lr != rr { return lr < rr }
        switch (lhs.origin, rhs.origin) {
        case (.file(let a), .file(let b)) where a != b:
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.override(let a), .override(let b)) where a != b:
            return a < b
        default:
            return lhs.offset < rhs.offset
        }
    }

    private var originRank: Int {
        switch origin {
        case .file: return 0
        case .override: return 1
        case .synthesized: return 2
        }
    }
}
