import Foundation

/// One of the implementations the benchmark compares, each run in a child process.
public enum BenchImplementation: String, CaseIterable, Sendable {
    /// The world `worlds/validation/mmc.json` through DeliverySim's actors and kernel.
    case deliverysim
    /// ``PlainMMC``: a binary-heap event loop in Swift, the floor.
    case plain
    /// The peers' `mmc_simpy.py` (SimPy 4, process style).
    case simpy
    /// The peers' `mmc_ciw.py` (Ciw, a queueing-network simulator).
    case ciw

    /// The name in the table.
    public var title: String {
        switch self {
        case .deliverysim: "DeliverySim"
        case .plain: "plain Swift loop"
        case .simpy: "SimPy"
        case .ciw: "Ciw"
        }
    }

    /// What its event count counts.
    public var eventsMeaning: String {
        switch self {
        case .deliverysim: "kernel steps (executor jobs + timers fired)"
        case .plain: "events popped from its heap (an arrival and a departure per customer)"
        case .simpy: "events SimPy scheduled"
        case .ciw: "not counted by Ciw"
        }
    }

    /// The Python module it needs, for the Python peers.
    public var pythonModule: String? {
        switch self {
        case .simpy: "simpy"
        case .ciw: "ciw"
        case .deliverysim, .plain: nil
        }
    }

    /// The peers' script that runs it, for the Python peers.
    public var script: String? { pythonModule.map { "mmc_\($0).py" } }

    /// Reads a comma-separated list (`deliverysim,plain`) in the benchmark's order, or
    /// names the word it does not know.
    public static func list(_ text: String) -> Result<[BenchImplementation], UnknownName> {
        var chosen: Set<BenchImplementation> = []
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = word.trimmingCharacters(in: .whitespaces).lowercased()
            guard let implementation = BenchImplementation(rawValue: name) else { return .failure(UnknownName(name: name)) }
            chosen.insert(implementation)
        }
        return .success(allCases.filter(chosen.contains))
    }

    /// A name `--only` does not know.
    public struct UnknownName: Error, Sendable, Equatable {
        /// The name as given (lowercased, trimmed).
        public var name: String
    }
}
