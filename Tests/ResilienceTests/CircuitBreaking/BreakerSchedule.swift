import Resilience
import SimKernel

/// A permission a breaker harness holds for a call in progress: the model's epoch (how
/// many transitions it had seen) when it was granted, so a record that comes after a
/// transition is known to be stale, and whether the call hangs (never reports back).
struct HeldPermission {
    var permission: CircuitPermission
    var epoch: Int
    var hangs: Bool
}

/// An outcome a breaker model keeps in its own window.
struct RecordedOutcome {
    var nanoseconds: Int64
    var failed: Bool
    var slow: Bool
}

/// How often each operation of a random breaker schedule comes up: cumulative upper
/// bounds of a roll in [0, 1). A roll at or above `advance` makes a manual transition
/// (another advance when the schedule allows none).
struct BreakerStepMix {
    var acquire: Double
    var complete: Double
    var ignored: Double
    var release: Double
    var advance: Double
}

/// A model-checking harness of one breaker: the operations a random schedule draws, each
/// checking the breaker's answer against the harness's own model of the semantics. The
/// schedule itself is shared (``step(_:)``), so two harnesses differ only in their models.
protocol BreakerScheduleHarness {
    /// The operations' frequencies.
    static var mix: BreakerStepMix { get }
    /// Whether the schedule may move the breaker by hand.
    var allowManual: Bool { get }
    /// The chance that an admitted call hangs.
    var hangProbability: Double { get }
    /// The chance that a completed call fails (the schedule changes it now and then).
    var failureProbability: Double { get set }

    mutating func passTime(_ random: inout RandomStream)
    mutating func acquire(hangs: Bool) throws
    mutating func complete(_ random: inout RandomStream, ignored: Bool) throws
    mutating func release(_ random: inout RandomStream) throws
    mutating func advance() throws
    mutating func manual(_ random: inout RandomStream) throws
    func checkInvariants(afterManual: Bool) throws
}

extension BreakerScheduleHarness {
    /// Runs `steps` steps of the schedule drawn from `random`.
    mutating func run(steps: Int, _ random: inout RandomStream) throws {
        for _ in 0..<steps { try step(&random) }
    }

    /// One step: time passes, the failure probability sometimes changes, one operation
    /// runs, and the invariants are checked.
    mutating func step(_ random: inout RandomStream) throws {
        passTime(&random)
        if random.chance(0.03) { failureProbability = random.nextUnit() }
        let mix = Self.mix
        let roll = random.nextUnit()
        switch roll {
        case ..<mix.acquire: try acquire(hangs: random.chance(hangProbability))
        case ..<mix.complete: try complete(&random, ignored: false)
        case ..<mix.ignored: try complete(&random, ignored: true)
        case ..<mix.release: try release(&random)
        case ..<mix.advance: try advance()
        default:
            if allowManual { try manual(&random) } else { try advance() }
        }
        try checkInvariants(afterManual: roll >= mix.advance && allowManual)
    }
}

extension Array where Element == HeldPermission {
    /// Removes and returns a random held permission whose call reports back (does not
    /// hang); `nil` when every call hangs.
    mutating func removeReporting(_ random: inout RandomStream) -> HeldPermission? {
        let candidates = indices.filter { !self[$0].hangs }
        guard !candidates.isEmpty else { return nil }
        return remove(at: candidates[random.int(in: 0...candidates.count - 1)])
    }
}
