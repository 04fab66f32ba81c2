/// What one run of an M/M/c implementation reports about itself, in the line format the
/// peers' scripts (`mmc_simpy.py`, `mmc_ciw.py`) print, which the benchmark's own child
/// processes print too, so one reader takes all four:
///
///     impl=simpy-4.1.2 N=1000000 seed=42 done=1000000 simtime=138901.305
///     Wq=0.8769 W=1.8769 Pwait=0.7015
///     simpy_events_scheduled=4000003
///     run_seconds=8.8123 customers_per_s=113477 model_events_per_s=226954
///
/// Only `key=value` words count; anything else on a line (Ciw's "(records/stats 2.1s
/// extra)") is ignored.
public struct MMCFigures: Sendable, Equatable {
    /// The implementation and its version as it names itself (`simpy-4.1.2`).
    public var implementation: String
    /// Customers served.
    public var customers: Int
    /// Mean wait in queue Wq, seconds.
    public var meanWait: Double
    /// Mean time in system W, seconds.
    public var meanSojourn: Double
    /// The share of customers who waited, P(wait > 0).
    public var probabilityOfWaiting: Double
    /// The implementation's own events: DeliverySim's kernel steps, the plain loop's heap
    /// pops, SimPy's scheduled events; nil when it does not count them (Ciw).
    public var events: Int?
    /// The simulation loop's time as the implementation measured it, seconds (without
    /// process start-up, imports, or building the model).
    public var runSeconds: Double

    /// Figures as measured.
    public init(implementation: String, customers: Int, meanWait: Double, meanSojourn: Double,
                probabilityOfWaiting: Double, events: Int?, runSeconds: Double) {
        self.implementation = implementation
        self.customers = customers
        self.meanWait = meanWait
        self.meanSojourn = meanSojourn
        self.probabilityOfWaiting = probabilityOfWaiting
        self.events = events
        self.runSeconds = runSeconds
    }

    /// The keys that carry an event count: the benchmark's own children's, SimPy's.
    static let eventKeys = ["events", "simpy_events_scheduled"]

    /// The figures as lines in the peers' format.
    public func lines(requested: Int, seed: UInt64) -> String {
        var text = "impl=\(implementation) N=\(requested) seed=\(seed) done=\(customers)\n"
        text += "Wq=\(meanWait) W=\(meanSojourn) Pwait=\(probabilityOfWaiting)\n"
        if let events { text += "events=\(events)\n" }
        text += "run_seconds=\(runSeconds)\n"
        return text
    }

    /// Reads the figures from a child's output, or names the first key missing or
    /// malformed.
    public static func parse(_ output: String) -> Result<MMCFigures, ParseProblem> {
        var values: [String: String] = [:]
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { continue }
            values[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        guard let implementation = values["impl"] else { return .failure(ParseProblem(key: "impl")) }
        guard let customers = values["done"].flatMap({ Int($0) }), customers > 0 else {
            return .failure(ParseProblem(key: "done"))
        }
        var numbers: [Double] = []
        for key in ["Wq", "W", "Pwait", "run_seconds"] {
            guard let value = values[key].flatMap({ Double($0) }), value.isFinite else { return .failure(ParseProblem(key: key)) }
            numbers.append(value)
        }
        let events = eventKeys.lazy.compactMap { values[$0].flatMap { Int($0) } }.first
        return .success(MMCFigures(implementation: implementation, customers: customers, meanWait: numbers[0],
                                   meanSojourn: numbers[1], probabilityOfWaiting: numbers[2], events: events,
                                   runSeconds: numbers[3]))
    }

    /// A key a child's output lacked or spelt wrongly.
    public struct ParseProblem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The key (`Wq`, `run_seconds`, …).
        public var key: String
        /// "no Wq=NUMBER in the output".
        public var description: String { "no \(key)=\(key == "impl" ? "NAME" : "NUMBER") in its output" }
    }
}
