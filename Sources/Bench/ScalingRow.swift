/// One line of the scaling table: the baseline platform × a factor, its runs or why
/// there are none.
public struct ScalingRow: Sendable {
    /// The scale factor.
    public var factor: Int
    /// Every repeat, in order; empty when ``failure`` says why.
    public var runs: [ScalingRun]
    /// Why a run failed, if one did.
    public var failure: String?

    /// A row.
    public init(factor: Int, runs: [ScalingRun], failure: String?) {
        self.factor = factor
        self.runs = runs
        self.failure = failure
    }

    /// The median of a figure over the runs; nil without runs.
    public func median(_ figure: (ScalingRun) -> Double) -> Double? {
        runs.isEmpty || failure != nil ? nil : BenchRow.median(runs.map(figure))
    }
}

/// One run of the scaled baseline: what it did and what its process cost.
public struct ScalingRun: Sendable, Equatable {
    /// The world's own report.
    public var figures: ScaledRunFigures
    /// Its child process.
    public var process: ChildProcess.Outcome

    /// A run.
    public init(figures: ScaledRunFigures, process: ChildProcess.Outcome) {
        self.figures = figures
        self.process = process
    }

    /// User CPU per order created, seconds: what should not grow with the factor.
    public var userSecondsPerOrder: Double { process.userSeconds / Double(max(figures.ordersCreated, 1)) }
}
