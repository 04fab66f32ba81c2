import SimKernel

/// Common random numbers: each random draw of the platform comes from a stream keyed by
/// *what* is being drawn for (this request's service time, this message's network delay,
/// this statement's cost), never from a stream shared by whoever happens to run next.
///
/// Two runs with the same seed and different pool sizes then interleave their events
/// differently yet see the same customers, choices and service times: a draw's key does
/// not depend on the order events happen in. A sweep comparing configurations compares
/// them on the same luck.
///
/// ```swift
/// // The service time of the call a message carries, whichever instance serves it:
/// var stream = platform.draws.stream(.work, key: envelope.key)
/// let work = spec.work.sampleNanoseconds(&stream)
/// ```
///
/// World-confined: only the world's thread touches it.
final class RandomDraws: @unchecked Sendable {
    /// What a draw is for; each purpose has its own family of streams.
    enum Purpose: Int, CaseIterable {
        case work, request, reply, database, cache, broker, locks, faults, dependency, dns, retry, reports, registry
    }

    /// Each purpose's base seed, derived from the world seed and the purpose's name.
    private let bases: [UInt64]
    /// Streams for draws made outside any keyed work (background chores), one per purpose.
    private var fallback: [RandomStream]
    /// Records draws for tests (nil in a normal run: the hot paths test one optional).
    var recorder: DrawRecorder?

    init(sim: Simulation) {
        bases = Purpose.allCases.map { sim.random("draws.\($0)").seed }
        fallback = Purpose.allCases.map { sim.random("draws.\($0).unkeyed") }
    }

    /// The stream for `purpose` keyed by `key` (a request's id, a message's key): the same
    /// in every run of the world, whenever it is asked for.
    func stream(_ purpose: Purpose, key: UInt64) -> RandomStream {
        RandomStream(rawSeed: StableHash.combine(bases[purpose.rawValue], key))
    }

    /// A stream for `purpose` within the work the current task is doing (a handler serving
    /// a message, a customer's app call): keyed by that work and the how-manyth draw of
    /// this purpose it makes. Outside keyed work (a reconciler's tick), an unkeyed stream.
    func current(_ purpose: Purpose) -> RandomStream {
        current(purpose, in: WorkOrigin.current)
    }

    /// ``current(_:)`` for work whose origin the caller has read already (each task-local
    /// read walks the task's bindings, far from cached in a big world).
    private func current(_ purpose: Purpose, in origin: WorkOrigin?) -> RandomStream {
        if let origin {
            return stream(purpose, key: origin.next(UInt64(purpose.rawValue)))
        }
        return RandomStream(rawSeed: fallback[purpose.rawValue].next())
    }

    /// The key of the current work's next call to `callee` (its how-manyth call there,
    /// counted apart from messages, so a retry does not shift the next call's key), or nil
    /// outside keyed work.
    func callKey(to callee: UInt64) -> UInt64? {
        WorkOrigin.current?.next(callee)
    }

    /// The stream of the retry jitter after attempt `attempt` of the call keyed `call`:
    /// the same whatever other calls retry meanwhile.
    func retryJitter(call: UInt64, attempt: Int) -> RandomStream {
        stream(.retry, key: StableHash.combine(call, UInt64(attempt)))
    }

    /// Draws a duration for `purpose` within the current work (see ``current(_:)``).
    func sample(_ distribution: Distribution, for purpose: Purpose) -> Int64 {
        // A constant takes no draw: skip deriving a stream.
        if case .constant = distribution { return distribution.sampleNanoseconds(&fallback[purpose.rawValue]) }
        guard let origin = WorkOrigin.current else { return distribution.sampleNanoseconds(&fallback[purpose.rawValue]) }
        var stream = current(purpose, in: origin)
        return distribution.sampleNanoseconds(&stream)
    }

    /// A uniform draw in [0, 1) for `purpose` within the current work.
    func unit(for purpose: Purpose) -> Double {
        guard let origin = WorkOrigin.current else { return fallback[purpose.rawValue].nextUnit() }
        var stream = current(purpose, in: origin)
        return stream.nextUnit()
    }
}

/// The identity of the work a task is doing — the message a handler serves, the app call
/// a customer makes — carried in a task-local, so every draw and every message the work
/// makes can be keyed by it and by how many of its kind came before.
///
/// World-confined: only the world's thread touches it.
final class WorkOrigin: @unchecked Sendable {
    /// The work of the current task, if it is keyed.
    @TaskLocal static var current: WorkOrigin?

    /// The work's key.
    let key: UInt64
    /// The service doing it ("customer" for the app), for partitions from infrastructure.
    let service: String
    /// The call being served, when the work is a handler's (0 otherwise): the parent of
    /// the calls it sends, in the trace.
    let call: UInt64
    /// Draws made per purpose so far, the first ``inlineCapacity`` purposes in the object
    /// itself as (purpose, count) pairs, `used` of them. Purposes are few (a handler's
    /// work time, its statements, the services it calls): a short list beats a
    /// dictionary, and a list inline beats one in an array of its own, a heap block made
    /// for each call served and, in a big world, a cold line to free when the work ends.
    @exclusivity(unchecked) private var pairs: Pairs = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @exclusivity(unchecked) private var used = 0
    /// Purposes past the first ``inlineCapacity``.
    @exclusivity(unchecked) private var more: [(purpose: UInt64, count: UInt64)] = []
    /// Six (purpose, count) pairs, word after word.
    typealias Pairs = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    /// Purposes counted inline: as many pairs as ``Pairs`` holds.
    static var inlineCapacity: Int { MemoryLayout<Pairs>.size / (2 * MemoryLayout<UInt64>.size) }

    init(key: UInt64, service: String, call: UInt64 = 0) {
        self.key = key
        self.service = service
        self.call = call
    }

    /// The key of this work's next draw (or message) of `purpose`.
    func next(_ purpose: UInt64) -> UInt64 {
        StableHash.combine(StableHash.combine(key, purpose), take(purpose))
    }

    /// How many draws of `purpose` this work made before this one; counts this one.
    private func take(_ purpose: UInt64) -> UInt64 {
        let used = self.used
        let listed = withUnsafeMutableBytes(of: &pairs) { raw -> UInt64? in
            let words = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt64.self)
            for index in 0..<used where words[2 * index] == purpose {
                defer { words[2 * index + 1] += 1 }
                return words[2 * index + 1]
            }
            guard used < Self.inlineCapacity else { return nil }
            // A new purpose, with room for it inline: its first draw.
            words[2 * used] = purpose
            words[2 * used + 1] = 1
            self.used = used + 1
            return 0
        }
        if let listed { return listed }
        if let index = more.firstIndex(where: { $0.purpose == purpose }) {
            defer { more[index].count += 1 }
            return more[index].count
        }
        more.append((purpose, 1))
        return 0
    }
}

/// What a test records of a run's random draws, to compare two runs.
///
/// World-confined: only the world's thread touches it.
final class DrawRecorder: @unchecked Sendable {
    /// Each arrival: its id, instant and journey.
    var arrivals: [(id: Int64, at: Int64, journey: Int)] = []
    /// Each customer's choices, by arrival id.
    var choices: [Int64: CustomerChoices] = [:]
    /// Each call's or request's sampled service time, by its key (service name and key).
    var serviceTimes: [String: Int64] = [:]
    /// Each keyed call's retry delays (nanoseconds), by caller, callee, call key and the
    /// attempt that failed.
    var retryDelays: [String: Int64] = [:]

    init() {}
}
