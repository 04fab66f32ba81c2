@testable import SimKernel
import Testing

/// The timer queue fires timers in (time, scheduling order), whatever was cancelled and
/// however its buckets were compacted on the way.
@Suite("Timer queue")
struct TimerQueueTests {
    /// Schedules `count` timers over few distinct instants (many ties), cancels about
    /// `cancelShare` of them at random (enough to compact the buckets), pops the rest
    /// interleaved with more scheduling, and returns the labels in firing order with the
    /// order a sort of the live timers by (time, scheduling order) gives.
    func fire(count: Int, cancelShare: Double, seed: UInt64) -> (fired: [Int], expected: [(when: Int64, label: Int)]) {
        var queue = TimerQueue()
        var random = RandomStream(rawSeed: seed)
        var handles: [(handle: TimerHandle, when: Int64, label: Int)] = []
        var live: [Int: Int64] = [:]
        var fired: [Int] = []
        var label = 0
        var now: Int64 = 0
        func schedule() {
            let when = now + Int64(random.nextInt(below: 50))
            let current = label
            handles.append((queue.insert(at: when, .callback { fired.append(current) }), when, current))
            live[current] = when
            label += 1
        }
        for _ in 0..<count { schedule() }
        for entry in handles where random.nextUnit() < cancelShare {
            if queue.cancel(entry.handle) != nil { live[entry.label] = nil }
        }
        // Whatever is live now, plus timers scheduled while popping (never earlier than
        // the instant popped last), fires in (time, label) order: labels follow scheduling.
        var popped = 0
        while true {
            var when: Int64 = 0
            guard case .callback(let action) = queue.popEarliest(&when) else { break }
            #expect(when >= now, "a timer fired before one popped earlier")
            now = when
            action()
            popped += 1
            if popped % 7 == 0, label < count * 2 { schedule() }
        }
        let expected = live.map { (when: $0.value, label: $0.key) }.sorted { ($0.when, $0.label) < ($1.when, $1.label) }
        return (fired, expected)
    }

    @Test("fires live timers in time order, ties in the order they were scheduled, across cancellations and compactions",
          arguments: [(1, 0.0), (2, 0.5), (5, 0.9), (1_000, 0.0), (1_000, 0.7), (20_000, 0.95)])
    func firingOrder(count: Int, cancelShare: Double) {
        for seed in UInt64(1)...3 {
            let (fired, expected) = fire(count: count, cancelShare: cancelShare, seed: seed)
            #expect(fired == expected.map(\.label), "count \(count), cancelled share \(cancelShare), seed \(seed)")
        }
    }

    @Test("a cancelled timer never fires, and the queue counts only live timers")
    func cancelled() {
        var queue = TimerQueue()
        var fired: [Int] = []
        let handles = (0..<200).map { index in queue.insert(at: Int64(index % 10), .callback { fired.append(index) }) }
        for (index, handle) in handles.enumerated() where index % 3 != 0 { _ = queue.cancel(handle) }
        #expect(queue.count == 67)
        var when: Int64 = 0
        while case .callback(let action) = queue.popEarliest(&when) { action() }
        #expect(fired.count == 67)
        #expect(fired.allSatisfy { $0 % 3 == 0 })
        #expect(fired == fired.sorted { ($0 % 10, $0) < ($1 % 10, $1) })
        #expect(queue.isEmpty)
    }

    @Test("a timer scheduled below the time just peeked (a slice ended before it) fires first; one at the peeked time fires after those already there")
    func scheduleBelowPeeked() {
        var queue = TimerQueue()
        var fired: [String] = []
        let second: Int64 = 1_000_000_000
        for (label, when) in [("a", 10 * second), ("b", 10 * second), ("c", 40 * second), ("d", 10 * second + 1)] {
            _ = queue.insert(at: when, .callback { fired.append(label) })
        }
        #expect(queue.earliest == 10 * second)
        // The run loop stops at its end time, 3 s, and the next slice schedules there.
        for (label, when) in [("e", 3 * second), ("f", 10 * second), ("g", 3 * second)] {
            _ = queue.insert(at: when, .callback { fired.append(label) })
        }
        #expect(queue.earliest == 3 * second)
        var when: Int64 = 0
        var instants: [Int64] = []
        while case .callback(let action) = queue.popEarliest(&when) {
            action()
            instants.append(when)
        }
        #expect(fired == ["e", "g", "a", "b", "f", "d", "c"])
        #expect(instants == [3 * second, 3 * second, 10 * second, 10 * second, 10 * second, 10 * second + 1, 40 * second])
    }

    @Test("a timer scheduled between timers already taken ahead of their turn fires between them, after those at its own time")
    func scheduleInsideLookahead() {
        var queue = TimerQueue()
        var fired: [String] = []
        for (label, when) in [("a", 10), ("b", 20), ("c", 30), ("d", 40), ("e", 50), ("f", 60)] as [(String, Int64)] {
            _ = queue.insert(at: when, .callback { fired.append(label) })
        }
        #expect(TimerQueue.lookahead < 6, "the test needs timers beyond the lookahead")
        #expect(queue.earliest == 10)  // the peek takes the first few out of the buckets
        for (label, when) in [("g", 25), ("h", 20), ("i", 10), ("j", 55)] as [(String, Int64)] {
            _ = queue.insert(at: when, .callback { fired.append(label) })
        }
        var when: Int64 = 0
        while case .callback(let action) = queue.popEarliest(&when) { action() }
        #expect(fired == ["a", "i", "b", "h", "g", "c", "d", "e", "j", "f"])
    }

    @Test("a chain of timers each scheduling the next among those taken ahead keeps the lookahead a few entries long")
    func lookaheadStaysShort() {
        var queue = TimerQueue()
        for index in 0..<(TimerQueue.lookahead + 2) { _ = queue.insert(at: 1_000 + Int64(index), .callback {}) }
        var when: Int64 = 0
        var now: Int64 = 0
        // Each fired timer schedules one due before every timer already waiting (a chain
        // of immediate work), so the queue never needs to take more from its buckets.
        for step in 0..<10_000 {
            _ = queue.insert(at: now, .callback {})
            guard case .callback = queue.popEarliest(&when) else { Issue.record("nothing to pop at step \(step)"); return }
            now = when
        }
        #expect(queue.lookaheadLength <= 64 + TimerQueue.lookahead + 2)
        #expect(queue.count == TimerQueue.lookahead + 2)
    }

    @Test("timers due at one far instant fire in scheduling order however often earlier timers make the queue redistribute them")
    func equalTimesThroughRedistribution() {
        var queue = TimerQueue()
        var random = RandomStream(rawSeed: 11)
        var fired: [Int] = []
        let hour: Int64 = 3_600_000_000_000
        var now: Int64 = 0
        var label = 0
        // Each round schedules some timers at the hour and some earlier, then fires a few.
        for _ in 0..<200 {
            for _ in 0..<5 {
                let current = label
                _ = queue.insert(at: hour, .callback { fired.append(current) })
                label += 1
            }
            _ = queue.insert(at: now + Int64(random.nextInt(below: Int(hour / 2))), .callback {})
            var when: Int64 = 0
            for _ in 0..<random.nextInt(below: 3) where queue.earliest.map({ $0 < hour }) ?? false {
                if case .callback(let action) = queue.popEarliest(&when) { action() }
                now = when
            }
        }
        var when: Int64 = 0
        while case .callback(let action) = queue.popEarliest(&when) { action() }
        #expect(fired == Array(0..<1_000))
    }

    @Test("cancelled timers far ahead leave the queue when the queue next sorts their bucket, before their time and without a compaction")
    func cancelledEntriesDroppedOnTheWay() {
        var queue = TimerQueue()
        let second: Int64 = 1_000_000_000
        // A hundred calls' timeouts 1–100 s ahead; ten, due at 50–59 s, answered early.
        let handles = (1...100).map { queue.insert(at: Int64($0) * second, .callback {}) }
        for handle in handles[49..<59] { _ = queue.cancel(handle) }
        // Ten dead for 90 live: under the quarter that compacts.
        #expect(queue.count == 90 && queue.storedEntries == 100)
        var when: Int64 = 0
        var fired: [Int64] = []
        // Up to 40 s: the bucket holding 34–68 s has been sorted into smaller ones.
        while queue.earliest.map({ $0 <= 40 * second }) ?? false {
            _ = queue.popEarliest(&when)
            fired.append(when / second)
        }
        #expect(fired == Array(1...40))
        #expect(queue.storedEntries == queue.count, "\(queue.storedEntries - queue.count) dead entries still stored")
        while case .callback = queue.popEarliest(&when) { fired.append(when / second) }
        #expect(fired == Array(1...49) + Array(60...100))
    }
}
