/// One implementation's line of the benchmark: its runs, or why it has none.
public struct BenchRow: Sendable {
    /// What became of the implementation.
    public enum Status: Sendable {
        /// Every repeat ran; in order.
        case measured([BenchRun])
        /// It could not be run here (a Python peer not installed): not a failure.
        case unavailable(String)
        /// A run failed: the child's exit, or output the benchmark could not read.
        case failed(String)
    }

    /// Which implementation.
    public var implementation: BenchImplementation
    /// Its runs, or why there are none.
    public var status: Status

    /// A row.
    public init(implementation: BenchImplementation, status: Status) {
        self.implementation = implementation
        self.status = status
    }

    /// The runs, when every repeat ran.
    public var runs: [BenchRun]? {
        if case .measured(let runs) = status, !runs.isEmpty { runs } else { nil }
    }

    /// The median of a figure over the runs (the middle one; for an even count, the mean
    /// of the middle two).
    public func median(_ figure: (BenchRun) -> Double) -> Double? {
        runs.map { Self.median($0.map(figure)) }
    }

    /// The middle value (for an even count, the mean of the middle two); at least one value.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// "SimPy 4.1.2": the title, with the version the implementation reported.
    public var label: String {
        guard let name = runs?.first?.figures.implementation, let dash = name.firstIndex(of: "-") else {
            return implementation.title
        }
        return implementation.title + " " + name[name.index(after: dash)...]
    }
}

/// One run of one implementation: what it measured and what its process cost.
public struct BenchRun: Sendable, Equatable {
    /// The implementation's own report.
    public var figures: MMCFigures
    /// Its child process: wall and CPU time, peak memory.
    public var process: ChildProcess.Outcome

    /// A run.
    public init(figures: MMCFigures, process: ChildProcess.Outcome) {
        self.figures = figures
        self.process = process
    }

    /// Customers per second of the simulation loop.
    public var customersPerSecond: Double { Double(figures.customers) / figures.runSeconds }
    /// The implementation's events per second of the simulation loop, if it counts them.
    public var eventsPerSecond: Double? { figures.events.map { Double($0) / figures.runSeconds } }
}
