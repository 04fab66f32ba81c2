@testable import SimKernel
import Testing

/// The timer queue behaves exactly like the simplest queue that could work: a sorted
/// array of the live timers, ordered by (time, scheduling order). However its radix
/// buckets grow, are redistributed, merged (a timer scheduled below the time peeked
/// last), compacted or copied, the two agree on every pop, count and cancellation.
@Suite("Timer queue against a sorted-array model")
struct TimerQueueModelTests {
    /// One live timer of the reference model.
    struct ModelTimer {
        var when: Int64
        var sequence: Int
        /// What its payload records when run (the label, or its negation once replaced).
        var mark: Int
        var background: Bool
    }

    /// The reference: live timers sorted by (time, sequence).
    struct Model {
        var timers: [ModelTimer] = []

        mutating func insert(_ timer: ModelTimer) {
            var low = 0, high = timers.count
            while low < high {
                let middle = (low + high) / 2
                if (timers[middle].when, timers[middle].sequence) < (timer.when, timer.sequence) { low = middle + 1 } else { high = middle }
            }
            timers.insert(timer, at: low)
        }

        mutating func remove(sequence: Int) -> ModelTimer? {
            guard let index = timers.firstIndex(where: { $0.sequence == sequence }) else { return nil }
            return timers.remove(at: index)
        }

        var foregroundCount: Int { timers.count(where: { !$0.background }) }
    }

    /// Collects what the payloads record when they run.
    final class Recorder {
        var marks: [Int] = []
    }

    /// What a comparison went through, so a test can show it exercised the buckets'
    /// growth, compaction and edge cases rather than a handful of timers.
    struct Journey {
        var compactions = 0
        var growths = 0
        var largest = 0
        /// Timers scheduled below the earliest pending time (peeked just before).
        var belowPeeked = 0
        /// Timers scheduled exactly at the earliest pending time.
        var atPeeked = 0
        /// The radix buckets (0 … 64) pending timers sat in when they were cancelled.
        var cancelledFrom: Set<Int> = []
    }

    /// A time as the queue files it: the radix bucket of `when` relative to `last` (the
    /// earliest pending time, which a peek makes the queue's last extracted time) is the
    /// position of the highest bit in which the two differ, 0 when they are equal.
    static func bucket(of when: Int64, relativeTo last: Int64) -> Int {
        64 - (TimerQueue.ordered(when) ^ TimerQueue.ordered(last)).leadingZeroBitCount
    }

    static let millisecond: Int64 = 1_000_000
    static let second: Int64 = 1_000 * millisecond
    static let minute: Int64 = 60 * second

    /// Runs `steps` random operations and checks the queue against the model after each.
    /// The mix of operations moves through phases (a surge of scheduling, a steady state,
    /// a drain), so the queue grows to thousands of timers and shrinks again.
    func compare(seed: UInt64, steps: Int) -> Journey {
        var queue = TimerQueue()
        var model = Model()
        var random = RandomStream(rawSeed: seed)
        let recorder = Recorder()
        var journey = Journey()
        var handles: [TimerHandle] = []  // by sequence
        var insertedTimes: [Int64] = []
        // Starts ten minutes in, so most "past" timers still fall after zero.
        var now: Int64 = 10 * Self.minute
        // Times saturate rather than overflow once a timer near either end has fired.
        func after(_ delta: Int64) -> Int64 {
            let (sum, overflow) = now.addingReportingOverflow(delta)
            return overflow ? (delta > 0 ? .max : .min) : sum
        }

        func payload(_ mark: Int) -> TimerQueue.Payload { .callback { recorder.marks.append(mark) } }
        func run(_ action: TimerQueue.Payload) -> Int? {
            guard case .callback(let body) = action else { return nil }
            let before = recorder.marks.count
            body()
            return recorder.marks.count == before + 1 ? recorder.marks.last : nil
        }
        func randomTime() -> Int64 {
            switch random.nextInt(below: 12) {
            case 0: return after(-Int64(random.nextInt(below: Int(2 * Self.second))))  // past
            case 1: return now  // now
            case 2: return after(Int64(random.nextInt(below: Int(20 * Self.millisecond))))  // network, service
            case 3: return after(Int64(random.nextInt(below: Int(40 * Self.second))))  // call timeouts
            case 4: return after(Int64(random.nextInt(below: Int(30 * Self.minute))))  // sleeps, shifts
            case 5:
                // Between the last fired and the earliest pending: the run loop peeked past
                // its end time and a later slice schedules at that end time.
                guard let earliest = model.timers.first?.when, earliest > now else { return now }
                let (gap, overflow) = earliest.subtractingReportingOverflow(now)
                return now + Int64(random.nextInt(below: Int(overflow ? .max : gap)))
            case 6:
                // At the earliest pending time (the queue's last extracted time), or just
                // after it, differing from it in low bits only.
                guard let earliest = model.timers.first?.when else { return now }
                if random.nextInt(below: 3) == 0 { return earliest }
                let (sum, overflow) = earliest.addingReportingOverflow(Int64(random.nextInt(below: 1 << random.nextInt(below: 24))))
                return overflow ? earliest : sum
            case 7:
                // Differing from now only in one high bit, up to the sign bit's neighbour;
                // now and then far below zero, which differs from the rest in the sign bit.
                if random.nextInt(below: 40) == 0 { return .min + Int64(random.nextInt(below: Int(Self.minute))) }
                return after(1 << Int64(20 + random.nextInt(below: 42)))
            default:  // the same instant as an earlier timer: many ties
                return insertedTimes.isEmpty ? now : insertedTimes[random.nextInt(below: insertedTimes.count)]
            }
        }

        for step in 0..<steps {
            // Surge: mostly scheduling; steady: about as many in as out; drain: mostly pops.
            let (insertShare, cancelShare) = [(70, 20), (45, 25), (20, 20)][(step / 2_500) % 3]
            let operation = random.nextInt(below: 100)
            let storedBefore = queue.storedEntries, capacityBefore = queue.storageCapacity
            if operation < insertShare {
                let when = randomTime()
                if let earliest = model.timers.first?.when {
                    if when < earliest { journey.belowPeeked += 1 }
                    if when == earliest { journey.atPeeked += 1 }
                }
                let background = random.nextInt(below: 5) == 0
                let sequence = handles.count
                handles.append(queue.insert(at: when, payload(sequence), background: background))
                model.insert(ModelTimer(when: when, sequence: sequence, mark: sequence, background: background))
                insertedTimes.append(when)
            } else if operation < insertShare + cancelShare, !handles.isEmpty {
                // Mostly a pending timer (a call answered before its timeout); otherwise any
                // handle ever issued, most of them stale (fired or cancelled, the slot
                // perhaps reused by a later timer).
                let choice = model.timers.isEmpty ? 0 : random.nextInt(below: 6)
                let target = switch choice {
                case 0, 1: random.nextInt(below: handles.count)
                // One of the next few due, in the buckets just above the front.
                case 2: model.timers[random.nextInt(below: min(model.timers.count, 8))].sequence
                default: model.timers[random.nextInt(below: model.timers.count)].sequence
                }
                let handle = handles[target]
                if let earliest = model.timers.first?.when, let pending = model.timers.first(where: { $0.sequence == target }) {
                    journey.cancelledFrom.insert(Self.bucket(of: pending.when, relativeTo: earliest))
                }
                let expected = model.remove(sequence: target)
                #expect(queue.isPending(handle) == (expected != nil), "seed \(seed) step \(step): isPending")
                let cancelled = queue.cancel(handle)
                #expect((cancelled != nil) == (expected != nil), "seed \(seed) step \(step): cancel")
                if let cancelled, let expected { #expect(run(cancelled) == expected.mark) }
                #expect(!queue.isPending(handle))
                if queue.storedEntries < storedBefore - 1 { journey.compactions += 1 }
            } else if operation < 97 {
                var when: Int64 = -1
                let popped = queue.popEarliest(&when)
                if model.timers.isEmpty {
                    #expect(popped.isEmpty, "seed \(seed) step \(step): popped from an empty queue")
                } else {
                    let expected = model.timers.removeFirst()
                    #expect(when == expected.when && run(popped) == expected.mark,
                            "seed \(seed) step \(step): popped \(when), expected \(expected.when) (sequence \(expected.sequence))")
                    now = max(now, when)
                }
            } else if operation < 99, !model.timers.isEmpty {
                // Replacing a pending timer's payload keeps its place in the order.
                let target = model.timers[random.nextInt(below: model.timers.count)]
                queue.setPayload(handles[target.sequence], payload(-target.sequence))
                _ = model.remove(sequence: target.sequence)
                model.insert(ModelTimer(when: target.when, sequence: target.sequence, mark: -target.sequence, background: target.background))
            } else {
                let pending = queue.pendingInOrder()
                #expect(pending.map(\.when) == model.timers.map(\.when), "seed \(seed) step \(step): pending times")
                #expect(pending.map { run($0.payload) } == model.timers.map(\.mark), "seed \(seed) step \(step): pending order")
            }
            if queue.storageCapacity > capacityBefore { journey.growths += 1 }
            journey.largest = max(journey.largest, queue.count)
            if queue.count != model.timers.count || queue.foregroundCount != model.foregroundCount {
                Issue.record("seed \(seed) step \(step): \(queue.count) pending (\(queue.foregroundCount) foreground), the model has \(model.timers.count) (\(model.foregroundCount))")
            }
            if queue.earliest != model.timers.first?.when {
                Issue.record("seed \(seed) step \(step): earliest \(String(describing: queue.earliest)), the model's \(String(describing: model.timers.first?.when))")
            }
        }
        // Draining what is left fires it in the model's order.
        var drained: [Int] = []
        var when: Int64 = 0
        while let mark = run(queue.popEarliest(&when)) { drained.append(mark) }
        #expect(drained == model.timers.map(\.mark), "seed \(seed): drained order")
        #expect(queue.isEmpty && queue.foregroundCount == 0 && queue.earliest == nil)
        return journey
    }

    @Test("random inserts (past, now, milliseconds, minutes, high bits, far below zero, below and at the time peeked, many equal instants), cancels of live and stale handles in every bucket, payload swaps and pops agree with a sorted array, across growths and compactions",
          arguments: UInt64(1)...4)
    func agreesWithSortedArray(seed: UInt64) {
        let journey = compare(seed: seed, steps: 15_000)
        #expect(journey.largest >= 1_000, "the queue only grew to \(journey.largest) timers")
        #expect(journey.growths >= 4, "the buckets' storage grew \(journey.growths) times")
        #expect(journey.compactions >= 5, "the buckets were compacted \(journey.compactions) times")
        #expect(journey.belowPeeked >= 100 && journey.atPeeked >= 100,
                "\(journey.belowPeeked) timers scheduled below the time peeked, \(journey.atPeeked) at it")
        let missing = (0...64).filter { !journey.cancelledFrom.contains($0) }
        #expect(missing.count <= 8 && journey.cancelledFrom.contains(0) && journey.cancelledFrom.contains(64),
                "no timer was cancelled from buckets \(missing)")
    }

    @Test("timers hours apart with nothing in between (a quiet night) still fire in order")
    func sparseTimers() {
        var queue = TimerQueue()
        var fired: [Int] = []
        let times: [Int64] = [3 * 3_600 * Self.second, 5 * Self.minute, 3 * 3_600 * Self.second, 69 * Self.second, 68 * Self.second, 0]
        for (label, when) in times.enumerated() { _ = queue.insert(at: when, .callback { fired.append(label) }) }
        var when: Int64 = 0
        var instants: [Int64] = []
        while case .callback(let body) = queue.popEarliest(&when) {
            body()
            instants.append(when)
        }
        #expect(fired == [5, 4, 3, 1, 0, 2])
        #expect(instants == [0, 68 * Self.second, 69 * Self.second, 5 * Self.minute, 3 * 3_600 * Self.second, 3 * 3_600 * Self.second])
    }

    @Test("a copy of the queue is a value: firing or scheduling timers in either leaves the other as it was")
    func copiesAreIndependent() {
        var original = TimerQueue()
        var fired: [String] = []
        for (label, when) in [("response", 2 * Self.millisecond), ("timeout", 3 * Self.second), ("sleep", 20 * Self.minute)] {
            _ = original.insert(at: when, .callback { fired.append(label) })
        }
        var copy = original
        var when: Int64 = 0
        while case .callback(let body) = copy.popEarliest(&when) { body() }
        _ = copy.insert(at: 5 * Self.second, .callback { fired.append("late") })
        #expect(fired == ["response", "timeout", "sleep"])
        #expect(original.count == 3 && copy.count == 1)
        // The original changing does not reach the copy either.
        _ = original.insert(at: 1 * Self.millisecond, .callback { fired.append("early") })
        fired = []
        while case .callback(let body) = original.popEarliest(&when) { body() }
        #expect(fired == ["early", "response", "timeout", "sleep"])
        fired = []
        while case .callback(let body) = copy.popEarliest(&when) { body() }
        #expect(fired == ["late"])
    }

    @Test("cancelled call timeouts and far sleeps never hold more than a quarter of the live count in dead entries")
    func cancelledTimersDoNotAccumulate() {
        var queue = TimerQueue()
        var random = RandomStream(rawSeed: 7)
        // A thousand live timers: responses due in milliseconds, timeouts, sleeps.
        for _ in 0..<1_000 {
            let when = Int64(random.nextInt(below: Int(40 * Self.minute)))
            _ = queue.insert(at: when, .callback {})
        }
        for round in 0..<40 {
            // Calls start with a timeout seconds ahead and customers fall asleep minutes
            // ahead; all of them finish early and cancel.
            let handles = (0..<2_000).map { index in
                let ahead = index % 2 == 0 ? Int64(random.nextInt(below: Int(35 * Self.second)))
                    : 2 * Self.minute + Int64(random.nextInt(below: Int(50 * Self.minute)))
                return queue.insert(at: Int64(round) * Self.second + ahead, .callback {})
            }
            for handle in handles {
                _ = queue.cancel(handle)
                let dead = queue.storedEntries - queue.count
                if queue.storedEntries > 64 && 4 * dead > queue.count {
                    Issue.record("round \(round): \(dead) dead entries for \(queue.count) live")
                }
            }
            #expect(queue.storedEntries <= 1_250, "round \(round): \(queue.storedEntries) entries stored for 1,000 live timers")
        }
        #expect(queue.count == 1_000)
        // 80,000 timers were cancelled; the buckets hold room for about the live ones.
        #expect(queue.storageCapacity <= 4 * queue.count, "capacity \(queue.storageCapacity) for \(queue.count) live timers")
    }
}
