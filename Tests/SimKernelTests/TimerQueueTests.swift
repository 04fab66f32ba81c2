@testable import SimKernel
import Testing

/// The timer queue fires timers in (time, scheduling order), whatever was cancelled and
/// however the heap was compacted on the way.
@Suite("Timer queue")
struct TimerQueueTests {
    /// Schedules `count` timers over few distinct instants (many ties), cancels about
    /// `cancelShare` of them at random (enough to compact the heap), pops the rest
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
}
