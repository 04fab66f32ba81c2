/// Runs the chosen implementations, each repeat of each in its own child process.
///
/// Repeats are interleaved (every implementation once, then again), so a change in the
/// machine's load during the benchmark falls on all of them rather than on one.
public struct BenchRunner: Sendable {
    /// Customers per run.
    public var customers: Int
    /// Runs per implementation.
    public var repeats: Int

    /// A runner of `repeats` runs of `customers` customers.
    public init(customers: Int, repeats: Int) {
        precondition(customers > 0 && repeats > 0, "a benchmark needs customers and repeats")
        self.customers = customers
        self.repeats = repeats
    }

    /// Runs each implementation whose child is ready; `progress` hears "simpy 2/3" before
    /// each run. Rows come back in the order of `children`.
    public func run(_ children: [(BenchImplementation, Result<ChildProcess, PythonPeers.Missing>)],
                    progress: (BenchImplementation, Int) -> Void = { _, _ in }) -> [BenchRow] {
        var statuses: [BenchRow.Status] = children.map { _, child in
            switch child {
            case .success: .measured([])
            case .failure(let missing): .unavailable(missing.reason)
            }
        }
        for repeatIndex in 1...repeats {
            for (index, (implementation, child)) in children.enumerated() {
                guard case .measured(let runs) = statuses[index], case .success(let process) = child else { continue }
                progress(implementation, repeatIndex)
                switch measure(process) {
                case .success(let run): statuses[index] = .measured(runs + [run])
                case .failure(let problem): statuses[index] = .failed(problem.reason)
                }
            }
        }
        return zip(children, statuses).map { BenchRow(implementation: $0.0, status: $1) }
    }

    /// Runs the scaled baseline at each factor (`children`: factor and its child),
    /// `repeats` times each, interleaved; `progress` hears the factor and the repeat.
    public func runScaling(_ children: [(Int, ChildProcess)], progress: (Int, Int) -> Void = { _, _ in }) -> [ScalingRow] {
        var rows = children.map { ScalingRow(factor: $0.0, runs: [], failure: nil) }
        for repeatIndex in 1...repeats {
            for (index, (factor, child)) in children.enumerated() where rows[index].failure == nil {
                progress(factor, repeatIndex)
                let finished = finish(child)
                switch finished.flatMap({ outcome in
                    ScaledRunFigures.parse(outcome.output).map { ScalingRun(figures: $0, process: outcome) }
                        .mapError { RunFailure(reason: $0.description) }
                }) {
                case .success(let run): rows[index].runs.append(run)
                case .failure(let problem): rows[index].failure = problem.reason
                }
            }
        }
        return rows
    }

    /// A child run to its end, or why it failed.
    func finish(_ child: ChildProcess) -> Result<ChildProcess.Outcome, RunFailure> {
        let outcome: ChildProcess.Outcome
        do { outcome = try child.run() } catch { return .failure(.init(reason: error.description)) }
        guard outcome.succeeded else {
            return .failure(.init(reason: outcome.ending + (Self.lastLine(outcome.output).map { ": \($0)" } ?? "")))
        }
        return .success(outcome)
    }

    /// One run: the child, its exit, its figures, and that it served every customer.
    func measure(_ child: ChildProcess) -> Result<BenchRun, RunFailure> {
        let outcome: ChildProcess.Outcome
        switch finish(child) {
        case .success(let finished): outcome = finished
        case .failure(let failure): return .failure(failure)
        }
        switch MMCFigures.parse(outcome.output) {
        case .failure(let problem):
            return .failure(.init(reason: problem.description + (Self.lastLine(outcome.output).map { " (last line: \($0))" } ?? "")))
        case .success(let figures):
            guard figures.customers == customers else {
                return .failure(.init(reason: "served \(figures.customers) customers of \(customers)"))
            }
            return .success(BenchRun(figures: figures, process: outcome))
        }
    }

    /// Why a run failed, in the words of a table row.
    struct RunFailure: Error {
        var reason: String
    }

    /// The last line with text in a child's output: what a failing program said last.
    static func lastLine(_ output: String) -> String? {
        output.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }.map(String.init)
    }
}
