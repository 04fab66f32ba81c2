import Platform

/// What `delivery-sim run` exits with, so that a CI system can tell why a run failed
/// without reading its output.
enum ExitStatus {
    /// The run completed and every expectation held.
    static let passed: Int32 = 0
    /// The run ended normally and an expectation failed.
    static let expectationFailed: Int32 = 1
    /// The world, the command line or the output folder is invalid; nothing ran.
    static let invalidInput: Int32 = 2
    /// The run stalled: tasks wait on something nobody will provide.
    static let stalled: Int32 = 3
    /// The run ran out of its budget: `max_events`, or `limits.max_in_flight`.
    static let budget: Int32 = 4
    /// Determinism broke: work escaped the simulation's executor.
    static let determinism: Int32 = 5
    /// The model stopped the run on a programming error (a misrouted call).
    static let modelError: Int32 = 6

    /// The lines of `--help` that list them.
    static let help = """
    EXIT STATUS:
      0  the run completed and every expectation held
      1  an expectation failed (each is listed)
      2  the world or the command line is invalid, or the results cannot be written
         where asked, or standard output cannot be written
      3  the run stalled (tasks wait on something nobody will provide)
      4  the run ran out of its budget (max_events, or limits.max_in_flight)
      5  determinism broke (work escaped the simulation)
      6  the model stopped the run on a programming error
    A run that stopped early (3 to 6) exits with that status even if an expectation
    also failed; its results so far are written.
    """

    /// The status of a finished run.
    static func of(_ outcome: WorldOutcome) -> Int32 {
        switch outcome.result.stop {
        case .completed, .reachedEndTime: return outcome.passed ? passed : expectationFailed
        case .stalled: return stalled
        case .budgetExhausted, .overLimit: return budget
        case .violation: return determinism
        case .failed: return modelError
        }
    }
}
