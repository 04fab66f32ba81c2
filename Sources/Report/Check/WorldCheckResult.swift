/// What `check` found for one world.
public struct WorldCheckResult: Sendable {
    /// The outcome, from the best to the worst.
    public enum Status: Sendable, Equatable {
        /// The run matches its baseline and meets its expectations.
        case matches
        /// `--update` wrote a new baseline.
        case updated
        /// `--update` found the baseline already describing this run and left it alone.
        case unchanged
        /// The run differs from its baseline, or fails its own expectations.
        case differs
        /// The world or its baseline cannot be read or used (exit 2).
        case invalid
    }

    /// The world file's path, as given.
    public let world: String
    /// The verdict, which decides the exit status of `check` (the worst of all worlds).
    public let status: Status
    /// One line: the verdict.
    public let headline: String
    /// The explanation of a difference or an error, one line each (indented by the printer).
    public let details: [String]

    /// The headline and details as printed.
    public var text: String { ([headline] + details.map { "  " + $0 }).joined(separator: "\n") }
}
