/// Thrown when an operation run under ``TaskDeadline`` is still running at its deadline
/// (Go's `context.DeadlineExceeded`, gRPC's `DEADLINE_EXCEEDED`).
public struct DeadlineExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error value (it carries no data: the deadline belongs to the caller).
    public init() {}

    /// "deadline exceeded".
    public var description: String { "deadline exceeded" }
}
