import Resilience
import World

// The world's pool settings as the Resilience library's types. The world reader has
// already checked every value (with locations), so a ``ConfigurationError`` here is a bug
// in the reader: callers make these through `Simulation.configured`, which stops the run.

extension QueueDisciplineSpec {
    /// The library's discipline.
    ///
    /// - Throws: ``ConfigurationError`` for CoDel parameters the library refuses.
    func discipline() throws(ConfigurationError) -> QueueDiscipline {
        switch self {
        case .fifo: return .fifo
        case .lifo: return .lifo
        case .codel(let target, let interval): return .codel(try CoDelParameters(target: target, interval: interval))
        }
    }

    /// Whether the discipline drops work (CoDel).
    var sheds: Bool {
        if case .codel = self { return true }
        return false
    }
}

extension ServiceSpec {
    /// Each instance's worker pool: `workers` at start, growing on demand up to
    /// `max_workers` (or by the autoscale rule up to its `max`), new workers starting after
    /// the start-up delay and retiring after `idle_timeout` idle.
    ///
    /// - Throws: ``ConfigurationError`` for values the library refuses.
    func workerPoolConfiguration() throws(ConfigurationError) -> WorkerPoolConfiguration {
        try WorkerPoolConfiguration(
            workers: workers, maxWorkers: maxWorkers, queueCapacity: queueCapacity, idleTimeout: idleTimeout,
            startupDelay: workerStartup, growsOnDemand: autoscale == nil, discipline: queueDiscipline.discipline())
    }
}

extension AutoscaleSpec {
    /// The library's rule.
    ///
    /// - Throws: ``ConfigurationError`` for values the library refuses.
    func rule() throws(ConfigurationError) -> AutoscaleRule {
        try AutoscaleRule(queueAbove: queueAbove, utilisationBelow: utilisationBelow, add: add, every: every)
    }
}
