import Resilience
import SimKernel
import Testing

private typealias Queue = MessageQueue<String, VirtualClock.Instant>

/// Every delivery the queue can make now.
private func deliverAll(_ queue: inout Queue, at ms: Double) -> [Queue.Delivery] {
    var deliveries: [Queue.Delivery] = []
    while let delivery = queue.nextDelivery(now: at(ms: ms)) { deliveries.append(delivery) }
    return deliveries
}

private func takeDeadLetters(_ queue: inout Queue) -> [Queue.DeadLetter] {
    var letters: [Queue.DeadLetter] = []
    while let letter = queue.popDeadLetter() { letters.append(letter) }
    return letters
}

private func publish(_ queue: inout Queue, _ payloads: String..., at ms: Double = 0) {
    for payload in payloads { queue.publish(payload, now: at(ms: ms)) }
}

@Suite("MessageQueue")
struct MessageQueueTests {
    // MARK: Publishing and delivering

    @Test("publish confirms each message with an increasing sequence and holds it ready")
    func publishConfirms() {
        var queue = Queue()
        #expect(queue.publish("a", now: at(ms: 0)) == .confirmed(sequence: 1))
        #expect(queue.publish("b", now: at(ms: 1)) == .confirmed(sequence: 2))
        let stats = queue.statistics
        #expect(stats.published == 2 && stats.confirmed == 2 && stats.refused == 0)
        #expect(stats.ready == 2 && stats.unacked == 0 && stats.isConserved)
    }

    @Test("without a consumer nothing is delivered and messages wait")
    func noConsumerNoDelivery() throws {
        var queue = Queue()
        publish(&queue, "a", "b")
        #expect(queue.nextDelivery(now: at(ms: 10)) == nil)
        let consumer = try queue.addConsumer(prefetch: 0)
        let deliveries = deliverAll(&queue, at: 20)
        #expect(deliveries.map(\.payload) == ["a", "b"])
        #expect(deliveries.allSatisfy { $0.consumer == consumer })
    }

    @Test("first deliveries come in publish order, with increasing tags, count 1 and not redelivered")
    func firstDeliveries() throws {
        var queue = Queue()
        publish(&queue, "a", "b", "c", at: 5)
        _ = try queue.addConsumer(prefetch: 0)
        let deliveries = deliverAll(&queue, at: 10)
        #expect(deliveries.map(\.payload) == ["a", "b", "c"])
        #expect(deliveries.map(\.sequence) == [1, 2, 3])
        #expect(deliveries.map(\.tag.value) == [1, 2, 3])
        #expect(deliveries.allSatisfy { !$0.redelivered && $0.deliveryCount == 1 && $0.deaths.isEmpty })
        #expect(deliveries.allSatisfy { $0.publishedAt == at(ms: 5) })
        let stats = queue.statistics
        #expect(stats.delivered == 3 && stats.redelivered == 0 && stats.ready == 0 && stats.unacked == 3)
    }

    @Test("a consumer never holds more than its prefetch; each ack frees exactly one slot")
    func prefetchLimit() throws {
        var queue = Queue()
        publish(&queue, "a", "b", "c", "d")
        let consumer = try queue.addConsumer(prefetch: 2)
        let first = deliverAll(&queue, at: 1)
        #expect(first.map(\.payload) == ["a", "b"])
        #expect(queue.load(of: consumer)! == (prefetch: 2, unacked: 2))
        #expect(queue.ack(first[0].tag) == 1)
        let second = deliverAll(&queue, at: 2)
        #expect(second.map(\.payload) == ["c"])
        #expect(queue.statistics.ready == 1 && queue.statistics.unacked == 2)
    }

    @Test("prefetch 0 means unlimited")
    func prefetchZeroUnlimited() throws {
        var queue = Queue()
        for index in 0..<500 { queue.publish("m\(index)", now: at(ms: 0)) }
        _ = try queue.addConsumer(prefetch: 0)
        #expect(deliverAll(&queue, at: 1).count == 500)
    }

    @Test("deliveries go round-robin among consumers with room, skipping full ones")
    func roundRobin() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 1)
        let two = try queue.addConsumer(prefetch: 3)
        let three = try queue.addConsumer(prefetch: 3)
        for index in 1...8 { queue.publish("m\(index)", now: at(ms: 0)) }
        let deliveries = deliverAll(&queue, at: 1)
        #expect(deliveries.map(\.consumer) == [one, two, three, two, three, two, three])
        #expect(queue.statistics.ready == 1)
        // Consumer one gets room back and rejoins the rotation at its end.
        #expect(queue.ack(deliveries[0].tag) == 1)
        #expect(deliverAll(&queue, at: 2).map(\.consumer) == [one])
    }

    @Test("a consumer registered later joins the rotation at its end")
    func lateConsumer() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 0)
        publish(&queue, "a")
        _ = deliverAll(&queue, at: 1)
        let two = try queue.addConsumer(prefetch: 0)
        publish(&queue, "b", "c", "d", at: 2)
        #expect(deliverAll(&queue, at: 3).map(\.consumer) == [one, two, one])
    }

    // MARK: Acknowledgements

    @Test("ack with multiple settles every earlier delivery of that consumer, and no other consumer's")
    func ackMultiple() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 0)
        let two = try queue.addConsumer(prefetch: 0)
        publish(&queue, "a", "b", "c", "d", "e", "f")
        let deliveries = deliverAll(&queue, at: 1)
        let ofOne = deliveries.filter { $0.consumer == one }
        #expect(ofOne.map(\.payload) == ["a", "c", "e"])
        #expect(queue.ack(ofOne[1].tag, multiple: true) == 2)
        #expect(queue.load(of: one)!.unacked == 1)
        #expect(queue.load(of: two)!.unacked == 3)
        #expect(queue.statistics.acked == 2 && queue.statistics.isConserved)
    }

    @Test("acking a settled, unknown or stale tag changes nothing and reports zero")
    func unknownTags() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 0)
        publish(&queue, "a", "b")
        let deliveries = deliverAll(&queue, at: 1)
        #expect(queue.ack(deliveries[0].tag) == 1)
        #expect(queue.ack(deliveries[0].tag) == 0)
        #expect(queue.nack(deliveries[0].tag, now: at(ms: 2)) == 0)
        #expect(queue.reject(deliveries[0].tag, requeue: false, now: at(ms: 2)) == false)
        #expect(queue.ack(DeliveryTag(consumer: one, value: 99)) == 0)
        #expect(queue.ack(DeliveryTag(consumer: ConsumerID(rawValue: 42), value: 2)) == 0)
        // A tag of another consumer does not settle this one's delivery.
        let two = try queue.addConsumer(prefetch: 0)
        #expect(queue.ack(DeliveryTag(consumer: two, value: deliveries[1].tag.value)) == 0)
        // After its consumer died, the old tag must not settle the redelivery.
        queue.cancel(one, now: at(ms: 3))
        let redelivery = deliverAll(&queue, at: 4)
        #expect(redelivery.map(\.payload) == ["b"] && redelivery[0].consumer == two)
        #expect(queue.ack(deliveries[1].tag) == 0)
        let stats = queue.statistics
        #expect(stats.acked == 1 && stats.unacked == 1 && stats.isConserved)
    }

    @Test("a nacked message goes back to its original position, ahead of later messages")
    func nackRequeuePosition() throws {
        var queue = Queue()
        let consumer = try queue.addConsumer(prefetch: 2)
        publish(&queue, "a", "b", "c", "d")
        let first = deliverAll(&queue, at: 1)
        #expect(first.map(\.payload) == ["a", "b"])
        // Nack b first, then a: they come back as a, b, before c.
        #expect(queue.nack(first[1].tag, now: at(ms: 2)) == 1)
        #expect(queue.nack(first[0].tag, now: at(ms: 2)) == 1)
        let again = deliverAll(&queue, at: 3)
        #expect(again.map(\.payload) == ["a", "b"])
        #expect(again.allSatisfy { $0.redelivered && $0.deliveryCount == 2 && $0.consumer == consumer })
        #expect(again.map(\.sequence) == first.map(\.sequence))
        let stats = queue.statistics
        #expect(stats.nacked == 2 && stats.requeued == 2 && stats.redelivered == 2 && stats.delivered == 4)
    }

    @Test("nack with multiple requeues every earlier delivery in its original order")
    func nackMultiple() throws {
        var queue = Queue()
        _ = try queue.addConsumer(prefetch: 3)
        publish(&queue, "a", "b", "c", "d", "e")
        let first = deliverAll(&queue, at: 1)
        #expect(queue.nack(first[2].tag, multiple: true, now: at(ms: 2)) == 3)
        #expect(deliverAll(&queue, at: 3).map(\.payload) == ["a", "b", "c"])
        #expect(queue.statistics.ready == 2)
    }

    @Test("nack or reject without requeue dead-letters with reason rejected and an x-death record")
    func deadLetterRejected() throws {
        var queue = Queue(try MessageQueueConfiguration(name: "orders"))
        _ = try queue.addConsumer(prefetch: 0)
        publish(&queue, "a", "b", "c")
        let deliveries = deliverAll(&queue, at: 1)
        #expect(queue.nack(deliveries[1].tag, multiple: true, requeue: false, now: at(ms: 7)) == 2)
        #expect(queue.reject(deliveries[2].tag, requeue: false, now: at(ms: 9)) == true)
        let letters = takeDeadLetters(&queue)
        #expect(letters.map(\.payload) == ["a", "b", "c"])
        #expect(letters.allSatisfy { $0.reason == .rejected && $0.deliveryCount == 1 })
        let death = try #require(letters.last?.deaths.first)
        #expect(letters.last?.deaths.count == 1)
        #expect(death == DeathRecord(queue: "orders", reason: .rejected, count: 1, firstTime: at(ms: 9), lastTime: at(ms: 9)))
        let stats = queue.statistics
        #expect(stats.nacked == 2 && stats.rejected == 1 && stats.deadLettered.rejected == 3)
        #expect(stats.ready == 0 && stats.unacked == 0 && stats.isConserved)
    }

    @Test("reject settles exactly the one delivery it names")
    func rejectOne() throws {
        var queue = Queue()
        _ = try queue.addConsumer(prefetch: 0)
        publish(&queue, "a", "b", "c")
        let deliveries = deliverAll(&queue, at: 1)
        #expect(queue.reject(deliveries[1].tag, requeue: true, now: at(ms: 2)) == true)
        #expect(queue.statistics.unacked == 2 && queue.statistics.ready == 1)
        #expect(deliverAll(&queue, at: 3).map(\.payload) == ["b"])
    }

    // MARK: Consumers going away

    @Test("a cancelled or dead consumer's unacked messages are requeued in order and flagged redelivered")
    func cancelRequeues() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 3)
        publish(&queue, "a", "b", "c", "d", "e")
        let first = deliverAll(&queue, at: 1)
        #expect(first.map(\.payload) == ["a", "b", "c"])
        #expect(queue.ack(first[1].tag) == 1)
        _ = deliverAll(&queue, at: 2)  // d
        #expect(queue.cancel(one, now: at(ms: 3)) == 3)
        #expect(queue.cancel(one, now: at(ms: 3)) == 0)
        #expect(queue.statistics.consumers == 0 && queue.statistics.ready == 4)
        let two = try queue.addConsumer(prefetch: 0)
        let again = deliverAll(&queue, at: 4)
        #expect(again.map(\.payload) == ["a", "c", "d", "e"])
        #expect(again.map(\.redelivered) == [true, true, true, false])
        #expect(again.allSatisfy { $0.consumer == two })
        #expect(queue.statistics.requeued == 3 && queue.statistics.isConserved)
    }

    @Test("a cancelled consumer gets no more deliveries")
    func cancelledConsumerGetsNothing() throws {
        var queue = Queue()
        let one = try queue.addConsumer(prefetch: 0)
        let two = try queue.addConsumer(prefetch: 0)
        queue.cancel(one, now: at(ms: 0))
        publish(&queue, "a", "b")
        #expect(deliverAll(&queue, at: 1).map(\.consumer) == [two, two])
        #expect(queue.load(of: one) == nil)
    }

    @Test("raising a consumer's prefetch lets it take more; lowering it keeps what it holds")
    func setPrefetch() throws {
        var queue = Queue()
        let consumer = try queue.addConsumer(prefetch: 1)
        publish(&queue, "a", "b", "c", "d")
        #expect(deliverAll(&queue, at: 1).count == 1)
        #expect(try queue.setPrefetch(3, for: consumer) == true)
        #expect(deliverAll(&queue, at: 2).count == 2)
        #expect(try queue.setPrefetch(1, for: consumer) == true)
        #expect(queue.load(of: consumer)!.unacked == 3)
        #expect(deliverAll(&queue, at: 3).isEmpty)
        #expect(queue.ack(DeliveryTag(consumer: consumer, value: 2), multiple: true) == 2)
        #expect(deliverAll(&queue, at: 3).isEmpty)
        #expect(queue.ack(DeliveryTag(consumer: consumer, value: 3)) == 1)
        #expect(deliverAll(&queue, at: 4).map(\.payload) == ["d"])
        #expect(try queue.setPrefetch(1, for: ConsumerID(rawValue: 77)) == false)
    }

    // MARK: Delivery limit

    @Test("with the default limit of 20 a poison message is delivered 21 times, then dead-lettered")
    func defaultDeliveryLimit() throws {
        var queue = Queue(try MessageQueueConfiguration(name: "tasks"))
        #expect(queue.configuration.deliveryLimit == 20)
        _ = try queue.addConsumer(prefetch: 1)
        publish(&queue, "poison")
        var counts: [Int] = []
        var now = 1.0
        while let delivery = queue.nextDelivery(now: at(ms: now)) {
            counts.append(delivery.deliveryCount)
            queue.nack(delivery.tag, now: at(ms: now))
            now += 1
        }
        #expect(counts == Array(1...21))
        let maybeLetter = queue.popDeadLetter()
        let letter = try #require(maybeLetter)
        #expect(letter.reason == .deliveryLimit && letter.deliveryCount == 21)
        #expect(letter.deaths == [DeathRecord(queue: "tasks", reason: .deliveryLimit, count: 1, firstTime: at(ms: 21), lastTime: at(ms: 21))])
        #expect(queue.statistics.deadLettered.deliveryLimit == 1 && queue.statistics.isConserved)
    }

    @Test("consumer deaths count towards the delivery limit")
    func deathsCountTowardsLimit() throws {
        var queue = Queue(try MessageQueueConfiguration(deliveryLimit: 2))
        publish(&queue, "crashes-its-worker")
        for round in 1...3 {
            let consumer = try queue.addConsumer(prefetch: 1)
            #expect(deliverAll(&queue, at: Double(round)).first?.deliveryCount == round)
            queue.cancel(consumer, now: at(ms: Double(round)))
        }
        #expect(takeDeadLetters(&queue).map(\.reason) == [.deliveryLimit])
    }

    @Test("a delivery limit of zero dead-letters on the first return; no limit never does")
    func deliveryLimitEdges() throws {
        var zero = Queue(try MessageQueueConfiguration(deliveryLimit: 0))
        _ = try zero.addConsumer(prefetch: 1)
        publish(&zero, "a")
        let delivery = zero.nextDelivery(now: at(ms: 1))!
        zero.nack(delivery.tag, now: at(ms: 2))
        #expect(takeDeadLetters(&zero).map(\.reason) == [.deliveryLimit])

        var unlimited = Queue(try MessageQueueConfiguration(deliveryLimit: nil))
        _ = try unlimited.addConsumer(prefetch: 1)
        publish(&unlimited, "a")
        for step in 0..<200 {
            let delivery = unlimited.nextDelivery(now: at(ms: Double(step)))!
            unlimited.nack(delivery.tag, now: at(ms: Double(step)))
        }
        #expect(unlimited.statistics.deadLettered.total == 0 && unlimited.readyCount == 1)
    }

    // MARK: TTL

    @Test("with a queue TTL a message expires at its deadline, is dead-lettered and never delivered")
    func queueTTL() throws {
        var queue = Queue(try MessageQueueConfiguration(name: "q", messageTTL: .milliseconds(100)))
        queue.publish("old", now: at(ms: 0))
        queue.publish("young", now: at(ms: 50))
        #expect(queue.nextExpiry() == at(ms: 100))
        #expect(queue.expire(now: at(ms: 99.999)) == 0)
        _ = try queue.addConsumer(prefetch: 0)
        #expect(deliverAll(&queue, at: 100).map(\.payload) == ["young"])
        let maybeLetter = queue.popDeadLetter()
        let letter = try #require(maybeLetter)
        #expect(letter.payload == "old" && letter.reason == .expired && letter.deadLetteredAt == at(ms: 100))
        #expect(letter.deaths.first?.originalTTL == nil)
        #expect(queue.statistics.expired == 1 && queue.statistics.isConserved)
    }

    @Test("the earlier of message and queue TTL wins, and an expired message mid-queue is dead-lettered at its deadline")
    func perMessageTTL() throws {
        var queue = Queue(try MessageQueueConfiguration(messageTTL: .seconds(1)))
        queue.publish("long", ttl: .seconds(5), now: at(ms: 0))   // queue TTL wins: 1000
        queue.publish("short", ttl: .milliseconds(100), now: at(ms: 0))   // 100
        queue.publish("plain", now: at(ms: 10))   // 1010
        #expect(queue.nextExpiry() == at(ms: 100))
        #expect(queue.expire(now: at(ms: 150)) == 1)
        let letters = takeDeadLetters(&queue)
        #expect(letters.map(\.payload) == ["short"])
        #expect(letters[0].deaths[0].originalTTL == .milliseconds(100))
        #expect(queue.nextExpiry() == at(ms: 1000))
        #expect(queue.expire(now: at(ms: 1005)) == 1)
        #expect(queue.nextExpiry() == at(ms: 1010))
        #expect(queue.readyCount == 1)
    }

    @Test("delivered messages do not expire, and a requeue keeps the original deadline")
    func requeueKeepsDeadline() throws {
        var queue = Queue(try MessageQueueConfiguration(messageTTL: .milliseconds(100)))
        _ = try queue.addConsumer(prefetch: 1)
        queue.publish("a", now: at(ms: 0))
        let maybeFirst = queue.nextDelivery(now: at(ms: 10))
        let first = try #require(maybeFirst)
        #expect(queue.nextExpiry() == nil)
        // Back in the queue before its deadline: ready again, still due at 100 ms.
        queue.nack(first.tag, now: at(ms: 50))
        #expect(queue.nextExpiry() == at(ms: 100))
        let maybeSecond = queue.nextDelivery(now: at(ms: 60))
        let second = try #require(maybeSecond)
        #expect(queue.expire(now: at(ms: 500)) == 0)
        // Returned after its deadline: dead-lettered, not requeued.
        queue.nack(second.tag, now: at(ms: 520))
        #expect(takeDeadLetters(&queue).map(\.reason) == [.expired])
        #expect(queue.readyCount == 0 && queue.statistics.requeued == 1)
    }

    @Test("a zero TTL expires a message at once, even with a consumer waiting")
    func zeroTTL() throws {
        var queue = Queue()
        _ = try queue.addConsumer(prefetch: 0)
        queue.publish("now-or-never", ttl: .zero, now: at(ms: 5))
        #expect(queue.nextDelivery(now: at(ms: 5)) == nil)
        #expect(queue.statistics.expired == 1)
    }

    // MARK: Length limit

    @Test("drop-head dead-letters the oldest ready message; unacked messages do not count")
    func dropHead() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 2, overflow: .dropHead))
        _ = try queue.addConsumer(prefetch: 1)
        queue.publish("a", now: at(ms: 0))
        _ = deliverAll(&queue, at: 1)   // a is unacked
        publish(&queue, "b", "c", at: 2)
        #expect(queue.publish("d", now: at(ms: 3)).isConfirmed)
        let letters = takeDeadLetters(&queue)
        #expect(letters.map(\.payload) == ["b"] && letters[0].reason == .maxLength)
        #expect(letters[0].deaths[0].reason.rawValue == "maxlen")
        #expect(queue.statistics.ready == 2 && queue.statistics.unacked == 1 && queue.statistics.isConserved)
    }

    @Test("drop-head with max length 0 accepts and at once dead-letters every message")
    func dropHeadZero() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 0))
        #expect(queue.publish("a", now: at(ms: 0)).isConfirmed)
        #expect(queue.statistics.deadLettered.maxLength == 1 && queue.readyCount == 0)
    }

    @Test("reject-publish refuses while full and accepts again once there is room")
    func rejectPublish() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 2, overflow: .rejectPublish))
        publish(&queue, "a", "b")
        #expect(queue.publish("c", now: at(ms: 1)) == .refused(.queueFull))
        _ = try queue.addConsumer(prefetch: 1)
        _ = deliverAll(&queue, at: 2)
        #expect(queue.publish("d", now: at(ms: 3)) == .confirmed(sequence: 3))
        let stats = queue.statistics
        #expect(stats.published == 4 && stats.confirmed == 3 && stats.refused == 1 && stats.deadLettered.total == 0)
        var zero = Queue(try MessageQueueConfiguration(maxLength: 0, overflow: .rejectPublish))
        #expect(!zero.publish("a", now: at(ms: 0)).isConfirmed)
    }

    @Test("expired messages do not take room in a length-limited queue")
    func expiredFreeRoom() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 1, overflow: .rejectPublish))
        queue.publish("short-lived", ttl: .milliseconds(10), now: at(ms: 0))
        #expect(!queue.publish("refused", now: at(ms: 5)).isConfirmed)
        #expect(queue.publish("accepted", now: at(ms: 10)).isConfirmed)
        #expect(takeDeadLetters(&queue).map(\.reason) == [.expired])
    }

    @Test("with drop-head a requeue beyond the limit drops the oldest ready message")
    func dropHeadAfterRequeue() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 1))
        _ = try queue.addConsumer(prefetch: 1)
        publish(&queue, "a")
        let delivery = queue.nextDelivery(now: at(ms: 1))!
        publish(&queue, "b", at: 2)
        queue.nack(delivery.tag, now: at(ms: 3))
        let letters = takeDeadLetters(&queue)
        #expect(letters.map(\.payload) == ["a"] && letters[0].reason == .maxLength)
        #expect(queue.readyCount == 1 && queue.statistics.isConserved)
    }

    // MARK: Dead-letter history

    @Test("x-death history accumulates per queue and reason, most recent first")
    func deathHistory() throws {
        var work = Queue(try MessageQueueConfiguration(name: "work"))
        var parking = Queue(try MessageQueueConfiguration(name: "parking", messageTTL: .milliseconds(100)))
        _ = try work.addConsumer(prefetch: 1)
        work.publish("job", ttl: .seconds(60), now: at(ms: 0))
        work.reject(work.nextDelivery(now: at(ms: 1))!.tag, requeue: false, now: at(ms: 2))
        let maybeFirst = work.popDeadLetter()
        let first = try #require(maybeFirst)
        #expect(first.deaths.map(\.queue) == ["work"] && first.deaths[0].originalTTL == .seconds(60))

        // Parked (dead-letter queue with a TTL), then back to work, like a delayed retry.
        parking.publish(first.payload, deaths: first.deaths, now: at(ms: 2))
        parking.expire(now: at(ms: 102))
        let maybeSecond = parking.popDeadLetter()
        let second = try #require(maybeSecond)
        #expect(second.deaths.map(\.queue) == ["parking", "work"])
        #expect(second.deaths.map(\.reason) == [.expired, .rejected])

        work.publish(second.payload, deaths: second.deaths, now: at(ms: 102))
        let maybeAgain = work.nextDelivery(now: at(ms: 103))
        let again = try #require(maybeAgain)
        #expect(again.deaths == second.deaths && !again.redelivered)
        work.reject(again.tag, requeue: false, now: at(ms: 104))
        let maybeThird = work.popDeadLetter()
        let third = try #require(maybeThird)
        #expect(third.deaths.map(\.queue) == ["work", "parking"])
        #expect(third.deaths[0] == DeathRecord(queue: "work", reason: .rejected, count: 2,
                                               firstTime: at(ms: 2), lastTime: at(ms: 104), originalTTL: .seconds(60)))
        #expect(third.deaths[1].count == 1)
    }

    @Test("without retained dead letters the queue counts them and drops them")
    func deadLettersNotRetained() throws {
        var queue = Queue(try MessageQueueConfiguration(maxLength: 0, retainsDeadLetters: false))
        publish(&queue, "a", "b")
        #expect(queue.popDeadLetter() == nil && queue.pendingDeadLetters == 0)
        #expect(queue.statistics.deadLettered.maxLength == 2 && queue.statistics.isConserved)
    }

    // MARK: The pattern of seed 002

    @Test("seed-002 peak shaving: 10 consumers with prefetch ack after work, nack+requeue failures, poison dead-lettered after the limit")
    func seed002Pattern() throws {
        var random = RandomStream(seed: 2, name: "seed-002")
        var tasks = Queue(try MessageQueueConfiguration(name: "submit"))
        var deadLetterQueue = Queue(try MessageQueueConfiguration(name: "submit.dlq"))
        let prefetch = 5
        let workers = try (0..<10).map { _ in try tasks.addConsumer(prefetch: prefetch) }
        let poison: Set<Int> = [7, 77, 150, 299]
        var published = 0
        var acks: [String: Int] = [:]
        var served: [ConsumerID: Int] = [:]
        var held: [ConsumerID: [Queue.Delivery]] = [:]
        var now = 0.0
        // 300 tasks arrive in bursts of 60 within the first 50 ms; each round every
        // worker finishes the oldest task it holds: poison always fails, others fail 10%.
        while published < 300 || tasks.readyCount + tasks.unackedCount > 0 {
            now += 1
            if published < 300, Int(now) % 10 == 0 {
                for _ in 0..<60 { tasks.publish("task-\(published)", now: at(ms: now)); published += 1 }
            }
            while let delivery = tasks.nextDelivery(now: at(ms: now)) {
                held[delivery.consumer, default: []].append(delivery)
                served[delivery.consumer, default: 0] += 1
                #expect(held[delivery.consumer]!.count <= prefetch)
            }
            for worker in workers {
                guard let delivery = held[worker]?.first else { continue }
                held[worker]!.removeFirst()
                let number = Int(delivery.payload.dropFirst(5))!
                if poison.contains(number) || random.chance(0.1) {
                    tasks.nack(delivery.tag, requeue: true, now: at(ms: now))
                } else {
                    #expect(tasks.ack(delivery.tag) == 1)
                    acks[delivery.payload, default: 0] += 1
                }
            }
            while let letter = tasks.popDeadLetter() {
                deadLetterQueue.publish(letter.payload, deaths: letter.deaths, now: at(ms: now))
            }
            try #require(now < 100_000, "the queue never drained")
        }
        #expect(acks.count == 300 - poison.count && acks.values.allSatisfy { $0 == 1 })
        #expect(served.count == 10)
        let stats = tasks.statistics
        #expect(stats.deadLettered.total == poison.count && stats.deadLettered.deliveryLimit == poison.count)
        #expect(stats.confirmed == 300 && stats.acked == 296 && stats.isConserved)
        #expect(stats.redelivered > 0 && stats.nacked == stats.redelivered + poison.count)

        _ = try deadLetterQueue.addConsumer(prefetch: 0)
        let parked = deliverAll(&deadLetterQueue, at: now)
        #expect(Set(parked.map(\.payload)) == Set(poison.map { "task-\($0)" }))
        #expect(parked.allSatisfy { $0.deaths == [DeathRecord(queue: "submit", reason: .deliveryLimit, count: 1,
                                                              firstTime: $0.publishedAt, lastTime: $0.publishedAt)] })
    }
}

// MARK: - Properties over random schedules
private typealias Instant = VirtualClock.Instant

/// Where the model believes an accepted message is.
private enum Fate: Equatable {
    case ready
    case unacked(DeliveryTag)
    case acked
    case dead(DeadLetterReason)

    var isTerminal: Bool {
        switch self {
        case .acked, .dead: true
        case .ready, .unacked: false
        }
    }
}

/// How a schedule is generated: the knobs each property turns.
private struct ScheduleShape {
    var steps = 150
    var publishWeight = 30
    var deliverWeight = 25
    var ackWeight = 15
    var nackWeight = 10
    var rejectWeight = 6
    var consumerWeight = 5
    var deathWeight = 4
    var prefetchWeight = 2
    var expireWeight = 3
    var maxConsumers = 5
    var maxPrefetch = 4
    var allowLimits = true
}

/// A random schedule of operations on one queue, checked step by step against a
/// reference model of every accepted message's fate.
private struct QueueSchedule {
    var random: RandomStream
    let shape: ScheduleShape
    let configuration: MessageQueueConfiguration
    var queue: Queue
    var now = Instant.zero

    var fate: [UInt64: Fate] = [:]
    var readySet = Set<UInt64>()
    var unacked = 0, acked = 0, dead = 0, accepted = 0, refused = 0
    var payloadOf: [UInt64: String] = [:]
    var expiresAt: [UInt64: Instant] = [:]
    var deliveries: [UInt64: Int] = [:]
    var outstanding: [ConsumerID: [(tag: DeliveryTag, sequence: UInt64)]] = [:]
    var consumers: [ConsumerID] = []
    var prefetch: [ConsumerID: Int] = [:]
    var settledTags: [DeliveryTag] = []
    var lastTag: UInt64 = 0
    var lastSequence: UInt64 = 0
    var published = 0
    var deliveriesChecked = 0
    var requeuedAheadOfYounger = 0
    var log: [String] = []

    init(random: RandomStream, shape: ScheduleShape) {
        self.random = random
        self.shape = shape
        // Drawn in the order the schedule's seed has always drawn them.
        var maxLength: Int?
        var overflow = MessageQueueConfiguration.Overflow.dropHead
        var messageTTL: Duration?
        var deliveryLimit: Int?
        if shape.allowLimits {
            if self.random.chance(0.5) { maxLength = self.random.int(in: 0...8) }
            overflow = self.random.chance(0.5) ? .dropHead : .rejectPublish
            if self.random.chance(0.4) { messageTTL = self.random.milliseconds(in: 50...400) }
            switch self.random.int(in: 0...4) {
            case 0: deliveryLimit = nil
            case 1: deliveryLimit = 20
            default: deliveryLimit = self.random.int(in: 0...3)
            }
        }
        // `try!`: every value drawn above is one the configuration accepts.
        let configuration = try! MessageQueueConfiguration(
            name: "q", maxLength: maxLength, overflow: overflow, messageTTL: messageTTL, deliveryLimit: deliveryLimit)
        self.configuration = configuration
        queue = Queue(configuration)
    }

    var trail: String {
        "config \(configuration)\n  last ops: " + log.suffix(12).joined(separator: "; ")
    }

    // MARK: Model bookkeeping

    mutating func move(_ sequence: UInt64, to new: Fate) throws {
        let old = fate[sequence]
        try require(!(old?.isTerminal ?? false), "message \(sequence) left terminal state \(old!) for \(new) — \(trail)")
        switch old {
        case .ready: readySet.remove(sequence)
        case .unacked: unacked -= 1
        case .acked: acked -= 1
        case .dead: dead -= 1
        case nil: break
        }
        fate[sequence] = new
        switch new {
        case .ready: readySet.insert(sequence)
        case .unacked: unacked += 1
        case .acked: acked += 1
        case .dead: dead += 1
        }
    }

    /// Applies the queue's dead letters to the model, checking each is legitimate.
    mutating func drainDeadLetters(rejectedNow: Set<UInt64> = []) throws -> Int {
        var count = 0
        while let letter = queue.popDeadLetter() {
            count += 1
            let sequence = letter.sequence
            try require(fate[sequence] == .ready, "dead letter \(sequence) (\(letter.reason)) was \(String(describing: fate[sequence])), not ready — \(trail)")
            try require(letter.payload == payloadOf[sequence], "dead letter \(sequence) carries the wrong payload")
            switch letter.reason {
            case .expired:
                try require(expiresAt[sequence].map { $0 <= now } ?? false, "message \(sequence) dead-lettered as expired before its deadline — \(trail)")
            case .deliveryLimit:
                try require(configuration.deliveryLimit.map { deliveries[sequence, default: 0] > $0 } ?? false,
                            "message \(sequence) dead-lettered after \(deliveries[sequence, default: 0]) deliveries — \(trail)")
            case .maxLength:
                try require(configuration.overflow == .dropHead && configuration.maxLength != nil, "maxlen dead letter without drop-head — \(trail)")
                try require(sequence == readySet.min(), "drop-head dropped \(sequence), not the oldest ready \(String(describing: readySet.min())) — \(trail)")
                try require(expiresAt[sequence].map { $0 > now } ?? true, "drop-head dropped an expired message \(sequence) — \(trail)")
            case .rejected:
                try require(rejectedNow.contains(sequence), "message \(sequence) dead-lettered as rejected without a reject — \(trail)")
            }
            let death = letter.deaths.first
            try require(death?.queue == "q" && death?.reason == letter.reason && death?.count == 1 && death?.lastTime == now
                        && letter.deadLetteredAt == now, "bad x-death \(letter.deaths) — \(trail)")
            try move(sequence, to: .dead(letter.reason))
        }
        return count
    }

    /// The queue's counters agree with the model, and conservation holds.
    func checkCounts() throws {
        let stats = queue.statistics
        try require(stats.confirmed == accepted && stats.refused == refused && stats.published == published,
                    "publish counters \(stats) vs accepted \(accepted) refused \(refused) — \(trail)")
        try require(stats.ready == readySet.count, "ready \(stats.ready) vs model \(readySet.count) — \(trail)")
        try require(stats.unacked == unacked, "unacked \(stats.unacked) vs model \(unacked) — \(trail)")
        try require(stats.acked == acked, "acked \(stats.acked) vs model \(acked) — \(trail)")
        try require(stats.deadLettered.total == dead, "dead-lettered \(stats.deadLettered.total) vs model \(dead) — \(trail)")
        try require(stats.isConserved && accepted == acked + dead + readySet.count + unacked,
                    "conservation broken: \(stats) — \(trail)")
        try require(stats.consumers == consumers.count, "consumers \(stats.consumers) vs model \(consumers.count)")
    }

    /// After an operation at `now`, nothing expired is still ready.
    func checkNoExpiredReady() throws {
        for sequence in readySet {
            try require(expiresAt[sequence].map { $0 > now } ?? true, "message \(sequence) still ready after its deadline — \(trail)")
        }
    }

    func hasRoom(_ consumer: ConsumerID) -> Bool {
        prefetch[consumer]! == 0 || outstanding[consumer]!.count < prefetch[consumer]!
    }

    /// Returned deliveries ended as the rules say: requeued, or dead-lettered for a reason.
    func checkReturned(_ returned: [UInt64], rejected: Set<UInt64>) throws {
        for sequence in returned {
            let state = fate[sequence]
            if rejected.contains(sequence) {
                try require(state == .dead(.rejected), "rejected message \(sequence) ended \(String(describing: state)) — \(trail)")
            } else if let limit = configuration.deliveryLimit, deliveries[sequence, default: 0] > limit {
                try require(state == .dead(.deliveryLimit), "message \(sequence) over the delivery limit ended \(String(describing: state)) — \(trail)")
            } else if let deadline = expiresAt[sequence], deadline <= now {
                try require(state == .dead(.expired), "returned expired message \(sequence) ended \(String(describing: state)) — \(trail)")
            } else {
                try require(state == .ready || state == .dead(.maxLength), "requeued message \(sequence) ended \(String(describing: state)) — \(trail)")
            }
        }
    }

    // MARK: Operations

    mutating func publish() throws {
        published += 1
        let payload = "p\(published)"
        let ttl: Duration? = random.chance(0.3) ? random.milliseconds(in: 0...300) : nil
        let live = readySet.filter { expiresAt[$0].map { $0 > now } ?? true }.count
        let mustRefuse = configuration.overflow == .rejectPublish && configuration.maxLength.map { live >= $0 } ?? false
        let outcome = queue.publish(payload, ttl: ttl, now: now)
        log.append("publish \(payload) ttl \(ttl.map { "\($0)" } ?? "-") → \(outcome)")
        switch outcome {
        case .confirmed(let sequence):
            try require(!mustRefuse, "publish accepted with \(live) live ready messages — \(trail)")
            try require(sequence == lastSequence + 1, "sequence \(sequence) after \(lastSequence)")
            lastSequence = sequence
            accepted += 1
            payloadOf[sequence] = payload
            var deadline = configuration.messageTTL.map { now.advanced(by: $0) }
            if let ttl { deadline = min(deadline ?? now.advanced(by: ttl), now.advanced(by: ttl)) }
            expiresAt[sequence] = deadline
            try move(sequence, to: .ready)
        case .refused(let reason):
            try require(mustRefuse && reason == .queueFull, "publish refused with \(live) live ready messages — \(trail)")
            refused += 1
        }
        _ = try drainDeadLetters()
        try checkNoExpiredReady()
    }

    mutating func deliver(upTo count: Int) throws {
        for _ in 0..<count {
            let delivery = queue.nextDelivery(now: now)
            _ = try drainDeadLetters()
            try checkNoExpiredReady()
            guard let delivery else {
                let someoneHasRoom = consumers.contains { hasRoom($0) }
                try require(readySet.isEmpty || !someoneHasRoom,
                            "no delivery with \(readySet.count) ready and a consumer with room — \(trail)")
                return
            }
            deliveriesChecked += 1
            let sequence = delivery.sequence
            let consumer = delivery.consumer
            log.append("deliver \(sequence) → \(delivery.tag)")
            try require(consumers.contains(consumer), "delivery to unregistered \(consumer) — \(trail)")
            try require(hasRoom(consumer), "delivery to \(consumer) beyond its prefetch \(prefetch[consumer]!) — \(trail)")
            try require(fate[sequence] == .ready, "delivered message \(sequence) was \(String(describing: fate[sequence])) — \(trail)")
            // FIFO with requeue to the original position: always the oldest ready message.
            // In particular a requeued message is never overtaken by a younger one.
            let oldest = readySet.min()!
            try require(sequence == oldest, "delivered \(sequence) while older \(oldest) was ready — \(trail)")
            if deliveries[sequence, default: 0] > 0, readySet.contains(where: { $0 > sequence }) { requeuedAheadOfYounger += 1 }
            try require(expiresAt[sequence].map { $0 > now } ?? true, "delivered expired message \(sequence) — \(trail)")
            try require(delivery.payload == payloadOf[sequence], "wrong payload for \(sequence)")
            let count = deliveries[sequence, default: 0] + 1
            try require(delivery.deliveryCount == count && delivery.redelivered == (count > 1),
                        "delivery count \(delivery.deliveryCount) redelivered \(delivery.redelivered), model \(count) — \(trail)")
            try require(delivery.tag.value > lastTag, "tag \(delivery.tag) not increasing")
            lastTag = delivery.tag.value
            deliveries[sequence] = count
            outstanding[consumer]!.append((delivery.tag, sequence))
            try move(sequence, to: .unacked(delivery.tag))
            let load = queue.load(of: consumer)!
            try require(load.unacked == outstanding[consumer]!.count, "load \(load) vs model \(outstanding[consumer]!.count)")
            try require(prefetch[consumer]! == 0 || load.unacked <= prefetch[consumer]!, "prefetch exceeded: \(load) — \(trail)")
        }
    }

    enum Settle { case ack, nack, reject }

    mutating func settle(_ kind: Settle, multipleChance: Double = 0.3, requeueChance: Double = 0.6) throws {
        let holders = consumers.filter { !outstanding[$0]!.isEmpty }
        guard !holders.isEmpty else { return }
        let consumer = holders[random.int(in: 0...(holders.count - 1))]
        let index = random.int(in: 0...(outstanding[consumer]!.count - 1))
        let tag = outstanding[consumer]![index].tag
        let multiple = kind != .reject && random.chance(multipleChance)
        let requeue = random.chance(requeueChance)
        let expected = multiple ? Array(outstanding[consumer]![0...index]) : [outstanding[consumer]![index]]
        let settled: Int
        switch kind {
        case .ack: settled = queue.ack(tag, multiple: multiple)
        case .nack: settled = queue.nack(tag, multiple: multiple, requeue: requeue, now: now)
        case .reject: settled = queue.reject(tag, requeue: requeue, now: now) ? 1 : 0
        }
        log.append("\(kind) \(tag) multiple \(multiple) requeue \(requeue) → \(settled)")
        try require(settled == expected.count, "\(kind) settled \(settled), expected \(expected.count) — \(trail)")
        if multiple { outstanding[consumer]!.removeFirst(index + 1) } else { outstanding[consumer]!.remove(at: index) }
        var rejected = Set<UInt64>()
        for entry in expected {
            settledTags.append(entry.tag)
            if kind == .ack {
                try move(entry.sequence, to: .acked)
            } else {
                try move(entry.sequence, to: .ready)
                if !requeue { rejected.insert(entry.sequence) }
            }
        }
        _ = try drainDeadLetters(rejectedNow: rejected)
        if kind != .ack {
            try checkReturned(expected.map(\.sequence), rejected: rejected)
            try checkNoExpiredReady()
        }
    }

    mutating func staleSettle() throws {
        guard !settledTags.isEmpty else { return }
        let tag = settledTags[random.int(in: 0...(settledTags.count - 1))]
        let acks = queue.ack(tag)
        let nacks = queue.nack(tag, requeue: random.chance(0.5), now: now)
        let rejects = queue.reject(tag, requeue: false, now: now)
        log.append("stale \(tag)")
        try require(acks == 0 && nacks == 0 && !rejects, "a settled tag \(tag) settled something — \(trail)")
        _ = try drainDeadLetters()
    }

    mutating func addConsumer() throws {
        guard consumers.count < shape.maxConsumers else { return }
        let limit = random.int(in: 0...shape.maxPrefetch)
        let consumer = try queue.addConsumer(prefetch: limit)
        log.append("add \(consumer) prefetch \(limit)")
        consumers.append(consumer)
        prefetch[consumer] = limit
        outstanding[consumer] = []
    }

    mutating func killConsumer() throws {
        guard !consumers.isEmpty else { return }
        let consumer = consumers.remove(at: random.int(in: 0...(consumers.count - 1)))
        let held = outstanding.removeValue(forKey: consumer)!
        prefetch[consumer] = nil
        let returned = queue.cancel(consumer, now: now)
        log.append("kill \(consumer) → \(returned)")
        try require(returned == held.count, "cancel returned \(returned), consumer held \(held.count) — \(trail)")
        for entry in held {
            settledTags.append(entry.tag)
            try move(entry.sequence, to: .ready)
        }
        _ = try drainDeadLetters()
        try checkReturned(held.map(\.sequence), rejected: [])
        try checkNoExpiredReady()
    }

    mutating func changePrefetch() throws {
        guard !consumers.isEmpty else { return }
        let consumer = consumers[random.int(in: 0...(consumers.count - 1))]
        let limit = random.int(in: 0...shape.maxPrefetch)
        try queue.setPrefetch(limit, for: consumer)
        log.append("prefetch \(consumer) = \(limit)")
        prefetch[consumer] = limit
    }

    mutating func expire() throws {
        let expired = queue.expire(now: now)
        let drained = try drainDeadLetters()
        log.append("expire → \(expired)")
        try require(expired == drained, "expire reported \(expired), dead-lettered \(drained) — \(trail)")
        try checkNoExpiredReady()
        let expected = readySet.compactMap { expiresAt[$0] }.min()
        let next = queue.nextExpiry()
        try require(next == expected, "nextExpiry \(String(describing: next)), model \(String(describing: expected)) — \(trail)")
    }

    mutating func step() throws {
        now = now.advanced(by: random.milliseconds(in: 0...40))
        let weights = [shape.publishWeight, shape.deliverWeight, shape.ackWeight, shape.nackWeight, shape.rejectWeight,
                       shape.consumerWeight, shape.deathWeight, shape.prefetchWeight, shape.expireWeight, 1]
        var pick = random.int(in: 0...(weights.reduce(0, +) - 1))
        var operation = 0
        while pick >= weights[operation] { pick -= weights[operation]; operation += 1 }
        switch operation {
        case 0: try publish()
        case 1: try deliver(upTo: random.int(in: 1...6))
        case 2: try settle(.ack)
        case 3: try settle(.nack)
        case 4: try settle(.reject)
        case 5: try addConsumer()
        case 6: try killConsumer()
        case 7: try changePrefetch()
        case 8: try expire()
        default: try staleSettle()
        }
        try checkCounts()
    }

    /// Consumers stop dying and ack everything: runs until the queue is empty.
    mutating func drain() throws {
        if consumers.isEmpty { try addConsumer() }
        var rounds = 0
        while queue.readyCount > 0 || queue.unackedCount > 0 {
            rounds += 1
            try require(rounds < 10_000, "queue did not drain: \(queue.statistics) — \(trail)")
            for consumer in consumers {
                while let first = outstanding[consumer]!.first {
                    try require(queue.ack(first.tag) == 1, "final ack of \(first.tag) failed — \(trail)")
                    outstanding[consumer]!.removeFirst()
                    try move(first.sequence, to: .acked)
                }
            }
            try checkCounts()
            now = now.advanced(by: .milliseconds(10))
            try deliver(upTo: 1_000)
            try checkCounts()
        }
        try require(queue.pendingDeadLetters == 0, "undrained dead letters")
        for (sequence, state) in fate {
            try require(state.isTerminal, "message \(sequence) ended \(state), neither acked nor dead-lettered — \(trail)")
        }
        try require(acked + dead == accepted, "acked \(acked) + dead \(dead) != accepted \(accepted)")
    }
}

@Suite("MessageQueue properties")
struct MessageQueuePropertyTests {
    @Test("conservation: accepted = acked + dead-lettered + ready + unacked after every step (500 schedules)")
    func conservation() async throws {
        var steps = 0
        var deadLetters = 0
        try await forEachYieldingSchedule("queue conservation", count: 500) { random in
            var schedule = QueueSchedule(random: random, shape: ScheduleShape(steps: 200))
            for _ in 0..<schedule.shape.steps { try schedule.step() }
            steps += schedule.shape.steps
            deadLetters += schedule.dead
        }
        #expect(steps == 100_000)
        #expect(deadLetters > 1_000, "schedules should exercise dead-lettering")
    }

    @Test("once consumers stop dying and always ack, every accepted message is acked or dead-lettered exactly once (500 schedules)")
    func eventuallySettled() async throws {
        var accepted = 0
        try await forEachYieldingSchedule("queue drains", count: 500) { random in
            var schedule = QueueSchedule(random: random, shape: ScheduleShape(steps: 120))
            for _ in 0..<schedule.shape.steps { try schedule.step() }
            try schedule.drain()
            accepted += schedule.accepted
        }
        #expect(accepted > 5_000)
    }

    @Test("prefetch is never exceeded, with many consumers and small prefetch (500 schedules)")
    func prefetchNeverExceeded() async throws {
        var deliveries = 0
        try await forEachYieldingSchedule("queue prefetch", count: 500) { random in
            let shape = ScheduleShape(steps: 150, publishWeight: 35, deliverWeight: 35, ackWeight: 8, nackWeight: 6,
                                      rejectWeight: 2, consumerWeight: 6, deathWeight: 2, prefetchWeight: 6,
                                      expireWeight: 1, maxConsumers: 8, maxPrefetch: 3)
            var schedule = QueueSchedule(random: random, shape: shape)
            for _ in 0..<shape.steps { try schedule.step() }
            deliveries += schedule.deliveriesChecked
        }
        #expect(deliveries > 10_000)
    }

    @Test("a requeued message is delivered before every message published after it (500 schedules)")
    func requeuedFirst() async throws {
        var checked = 0
        try await forEachYieldingSchedule("queue requeue order", count: 500) { random in
            // No limits, so every nack, reject and death really requeues.
            let shape = ScheduleShape(steps: 150, publishWeight: 30, deliverWeight: 30, ackWeight: 8, nackWeight: 15,
                                      rejectWeight: 6, consumerWeight: 5, deathWeight: 5, prefetchWeight: 1,
                                      expireWeight: 0, allowLimits: false)
            var schedule = QueueSchedule(random: random, shape: shape)
            for _ in 0..<shape.steps { try schedule.step() }
            try schedule.drain()
            checked += schedule.requeuedAheadOfYounger
        }
        // Redeliveries that overtook younger ready messages, each checked.
        #expect(checked > 5_000)
    }
}
