/// A sweep that cannot be planned, run, written or merged: bad `--vary`, `--slo` or
/// `--minimize` text, a configuration the world reader refuses, shard folders that do not
/// belong together. The command line reports it and exits 2.
public struct SweepError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, naming the option or file and what was expected and found.
    public let description: String

    /// An error with `description` as its message.
    public init(_ description: String) { self.description = description }
}
