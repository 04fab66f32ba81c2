import Resilience
import World

// The world's pool settings as the Resilience library's types. The world reader has
// already checked every value (with locations), so a refusal here is a programming error.

extension QueueDisciplineSpec {
    /// The library's discipline.
    var discipline: QueueDiscipline {
        switch self {
        case .fifo: return .fifo
        case .lifo: return .lifo
        case .codel(let target, let interval):
            do {
                return .codel(try CoDelParameters(target: target, interval: interval))
            } catch {
                preconditionFailure("the world reader let through CoDel parameters the library refuses: \(error)")
            }
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
    var workerPoolConfiguration: WorkerPoolConfiguration {
        WorkerPoolConfiguration(
            workers: workers, maxWorkers: maxWorkers, queueCapacity: queueCapacity, idleTimeout: idleTimeout,
            startupDelay: workerStartup, growsOnDemand: autoscale == nil, discipline: queueDiscipline.discipline)
    }
}

extension AutoscaleSpec {
    /// The library's rule.
    var rule: AutoscaleRule {
        do {
            return try AutoscaleRule(queueAbove: queueAbove, utilisationBelow: utilisationBelow, add: add, every: every)
        } catch {
            preconditionFailure("the world reader let through an autoscale rule the library refuses: \(error)")
        }
    }
}
