import Resilience
import SimKernel
import Testing

private typealias Instant = VirtualClock.Instant
private typealias Window = DeduplicationWindow<String, Instant>
private typealias OrderQueue = MessageQueue<Int, Instant>

/// Consumers processing orders through a queue with an idempotency window, while the
/// schedule crashes them (before processing, or after processing but before the ack),
/// fails them transiently (nack + requeue) and makes producers publish some ids twice.
private struct IdempotentRun {
    var random: RandomStream
    var queue = OrderQueue(try! MessageQueueConfiguration(name: "orders", deliveryLimit: nil))
    var window: DeduplicationWindow<Int, Instant>
    var now = Instant.zero
    var consumers: [ConsumerID] = []
    var held: [ConsumerID: [OrderQueue.Delivery]] = [:]
    var toPublish: [Int] = []
    let ids: Int
    var processed: [Int: Int] = [:]
    var inserts = 0
    var insertedAt: [Int: (index: Int, time: Instant)] = [:]
    var reprocessed = 0
    var duplicatesSkipped = 0

    init(random: RandomStream, ids: Int, window: DeduplicationWindow<Int, Instant>) throws {
        self.random = random
        self.ids = ids
        self.window = window
        toPublish = Array(0..<ids)
        for id in 0..<ids where self.random.chance(0.3) {
            // A producer retry: the same id published again, some time after the first.
            let first = toPublish.firstIndex(of: id)!
            toPublish.insert(id, at: self.random.int(in: (first + 1)...toPublish.count))
        }
        for _ in 0..<self.random.int(in: 1...4) { try addConsumer() }
    }

    mutating func addConsumer() throws {
        let consumer = try queue.addConsumer(prefetch: random.int(in: 1...3))
        consumers.append(consumer)
        held[consumer] = []
    }

    mutating func crash(_ consumer: ConsumerID) throws {
        queue.cancel(consumer, now: now)
        consumers.removeAll { $0 == consumer }
        held[consumer] = nil
        try addConsumer()
    }

    mutating func handle(_ delivery: OrderQueue.Delivery, chaos: Bool) throws {
        let id = delivery.payload
        if chaos, random.chance(0.05) { return try crash(delivery.consumer) }    // before processing
        if window.contains(id, now: now) {
            duplicatesSkipped += 1
            try require(insertedAt[id] != nil, "id \(id) reported as processed but never recorded")
            queue.ack(delivery.tag)
            return
        }
        if chaos, random.chance(0.15) {                                      // transient failure
            queue.nack(delivery.tag, requeue: true, now: now)
            return
        }
        if let previous = insertedAt[id] {
            let pushedOut = inserts >= previous.index + window.capacity
            let timedOut = window.retention.map { previous.time.advanced(by: $0) <= now } ?? false
            try require(pushedOut || timedOut,
                        "id \(id) processed again while still in the window (recorded as insert \(previous.index) at \(previous.time), now insert \(inserts) at \(now))")
            reprocessed += 1
        }
        processed[id, default: 0] += 1
        try require(window.insert(id, now: now), "insert of an id the window did not contain failed")
        inserts += 1
        insertedAt[id] = (inserts, now)
        if chaos, random.chance(0.1) { return try crash(delivery.consumer) }    // processed, not acked
        queue.ack(delivery.tag)
    }

    mutating func step(chaos: Bool) throws {
        now = now.advanced(by: random.milliseconds(in: 0...20))
        if !toPublish.isEmpty, !chaos || random.chance(0.5) {
            queue.publish(toPublish.removeFirst(), now: now)
        }
        while let delivery = queue.nextDelivery(now: now) { held[delivery.consumer]!.append(delivery) }
        let busy = consumers.filter { !held[$0]!.isEmpty }
        guard !busy.isEmpty else { return }
        let consumer = busy[random.int(in: 0...(busy.count - 1))]
        let delivery = held[consumer]!.removeFirst()
        try handle(delivery, chaos: chaos)
    }

    mutating func run() throws {
        for _ in 0..<(ids * 4) { try step(chaos: true) }
        var rounds = 0
        while !toPublish.isEmpty || queue.readyCount > 0 || queue.unackedCount > 0 {
            rounds += 1
            try require(rounds < 100_000, "did not drain: \(queue.statistics)")
            try step(chaos: false)
        }
        for id in 0..<ids {
            try require(processed[id, default: 0] >= 1, "id \(id) was never processed (at-least-once broken)")
        }
    }
}

@Suite("DeduplicationWindow")
struct DeduplicationWindowTests {
    @Test("a recorded id is a duplicate, an unknown one is not")
    func recordedIsDuplicate() throws {
        var window = try Window(capacity: 10)
        #expect(!window.contains("a", now: at(ms: 0)))
        #expect(window.insert("a", now: at(ms: 0)) == true)
        #expect(window.contains("a", now: at(ms: 1)))
        #expect(!window.contains("b", now: at(ms: 1)))
        #expect(window.count == 1)
    }

    @Test("inserting a remembered id fails and keeps its recording time")
    func insertRemembered() throws {
        var window = try Window(capacity: 10, retention: .seconds(1))
        #expect(window.insert("a", now: at(ms: 0)) == true)
        #expect(window.insert("a", now: at(ms: 900)) == false)
        #expect(window.count == 1)
        #expect(!window.contains("a", now: at(ms: 1000)))
    }

    @Test("the oldest id is forgotten once capacity other ids are recorded after it")
    func capacityEviction() throws {
        var window = try Window(capacity: 3)
        for id in ["a", "b", "c"] { window.insert(id, now: at(ms: 0)) }
        #expect(window.contains("a", now: at(ms: 0)))
        window.insert("d", now: at(ms: 0))
        #expect(!window.contains("a", now: at(ms: 0)))
        #expect(window.contains("b", now: at(ms: 0)) && window.contains("d", now: at(ms: 0)))
        #expect(window.count == 3 && window.evicted == 1)
    }

    @Test("eviction is FIFO: a duplicate hit does not refresh an id")
    func fifoNotLRU() throws {
        var window = try Window(capacity: 2)
        window.insert("a", now: at(ms: 0))
        window.insert("b", now: at(ms: 0))
        #expect(window.contains("a", now: at(ms: 0)))
        window.insert("c", now: at(ms: 0))
        #expect(!window.contains("a", now: at(ms: 0)) && window.contains("b", now: at(ms: 0)))
    }

    @Test("capacity 1 remembers only the last id")
    func capacityOne() throws {
        var window = try Window(capacity: 1)
        window.insert("a", now: at(ms: 0))
        window.insert("b", now: at(ms: 0))
        #expect(!window.contains("a", now: at(ms: 0)) && window.contains("b", now: at(ms: 0)))
    }

    @Test("with a retention an id is forgotten exactly retention after it was recorded")
    func retentionEviction() throws {
        var window = try Window(capacity: 100, retention: .seconds(1))
        window.insert("a", now: at(ms: 0))
        window.insert("b", now: at(ms: 500))
        #expect(window.contains("a", now: at(ms: 999)))
        #expect(!window.contains("a", now: at(ms: 1000)))
        #expect(window.contains("b", now: at(ms: 1000)))
        window.evict(now: at(ms: 1500))
        #expect(window.count == 0 && window.evicted == 2)
    }

    @Test("an idempotent consumer processes each id exactly once across redeliveries, crashes and duplicate publishes (500 schedules)")
    func processedOnce() async throws {
        var skipped = 0
        var redelivered = 0
        try await forEachYieldingSchedule("idempotent consumer once", count: 500) { random in
            let ids = random.int(in: 5...40)
            var run = try IdempotentRun(random: random, ids: ids, window: try DeduplicationWindow(capacity: ids))
            try run.run()
            for id in 0..<ids {
                try require(run.processed[id] == 1, "id \(id) processed \(run.processed[id] ?? 0) times")
            }
            skipped += run.duplicatesSkipped
            redelivered += run.queue.statistics.redelivered
        }
        #expect(skipped > 1_000, "schedules should produce duplicates")
        #expect(redelivered > 1_000)
    }

    @Test("a small window processes an id again only after capacity other ids or its retention (500 schedules)")
    func windowLimit() async throws {
        var reprocessed = 0
        try await forEachYieldingSchedule("idempotent consumer window", count: 500) { random in
            let capacity = random.int(in: 1...6)
            let retention: Duration? = random.chance(0.5) ? random.milliseconds(in: 10...150) : nil
            var run = try IdempotentRun(random: random, ids: random.int(in: 5...40),
                                    window: try DeduplicationWindow(capacity: capacity, retention: retention))
            try run.run()
            try require(run.window.count <= capacity, "window holds \(run.window.count) > \(capacity) ids")
            reprocessed += run.reprocessed
        }
        // The limit is real: some late duplicates were processed again, each one allowed.
        #expect(reprocessed > 100)
    }
}
