/// Why a folder cannot be read as a run bundle: the file (and line, for JSON Lines),
/// what was expected and what was found. `report` and `compare` exit 2 with it.
public struct BundleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or folder at fault, as given.
    public let file: String
    /// The 1-based line of a JSON Lines file, when the problem is on one line.
    public let line: Int?
    /// What is wrong.
    public let message: String

    /// A problem in `file` (at `line`).
    public init(_ file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
