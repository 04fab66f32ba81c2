import Resilience
import SimKernel
import Testing

private typealias Broker = LocalBroker<String, VirtualClock>

@Suite("LocalBroker")
struct LocalBrokerTests {
    @Test("a waiting consumer receives a message published later, and acks it")
    func waitingConsumer() throws {
        let (received, stats) = try inWorld { clock in
            let broker = Broker(clock: clock)
            let consumer = try broker.addConsumer(prefetch: 1)
            let received = await withTaskGroup(of: String?.self) { group in
                group.addTask {
                    guard let delivery = await consumer.next() else { return nil }
                    broker.ack(delivery.tag)
                    return "\(delivery.payload)@\(clock.ms)"
                }
                group.addTask {
                    try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(50)))
                    broker.publish("order-1")
                    return nil
                }
                var received: [String] = []
                for await value in group { if let value { received.append(value) } }
                return received
            }
            return (received, broker.statistics)
        }
        #expect(received == ["order-1@50.0"])
        #expect(stats.acked == 1 && stats.unacked == 0 && stats.isConserved)
    }

    @Test("deliveries are pushed round-robin up to each prefetch and wait in the consumer's buffer")
    func pushedRoundRobin() throws {
        let result = try inWorld { clock in
            let broker = Broker(clock: clock)
            let one = try broker.addConsumer(prefetch: 2)
            let two = try broker.addConsumer(prefetch: 1)
            for payload in ["a", "b", "c", "d"] { broker.publish(payload) }
            let pushed = broker.statistics
            var log: [String] = []
            for _ in 0..<2 { log.append("1:" + (await one.next()!.payload)) }
            let fromTwo = await two.next()!
            log.append("2:" + fromTwo.payload)
            broker.ack(fromTwo.tag)   // frees two's slot: d is pushed to it
            log.append("2:" + (await two.next()!.payload))
            return (log, pushed.unacked, pushed.ready)
        }
        #expect(result.0 == ["1:a", "1:c", "2:b", "2:d"])
        #expect(result.1 == 3 && result.2 == 1)
    }

    @Test("a cancelled consumer's deliveries, taken or buffered, go to another consumer flagged redelivered")
    func cancelRequeues() throws {
        let result = try inWorld { clock in
            let broker = Broker(clock: clock)
            let one = try broker.addConsumer(prefetch: 2)
            broker.publish("a")
            broker.publish("b")
            _ = await one.next()   // a taken, b still buffered
            let two = try broker.addConsumer(prefetch: 0)
            let returned = one.cancel()
            let first = await two.next()!
            let second = await two.next()!
            let afterCancel = await one.next()
            return (returned, [first.payload, second.payload], first.redelivered && second.redelivered,
                    first.deliveryCount, afterCancel == nil)
        }
        #expect(result.0 == 2 && result.1 == ["a", "b"] && result.2 && result.3 == 2 && result.4)
    }

    @Test("cancelling a task waiting in next() returns nil at once and loses nothing")
    func cancelledWaiter() throws {
        let result = try inWorld { clock in
            let broker = Broker(clock: clock)
            let consumer = try broker.addConsumer(prefetch: 1)
            let cancelled = await withTaskGroup(of: String?.self) { group in
                group.addTask { await consumer.next()?.payload }
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(10)))
                group.cancelAll()
                return await group.next()!
            }
            let cancelledAt = clock.ms
            broker.publish("x")
            let next = await consumer.next()
            return (cancelled, cancelledAt, next?.payload, broker.statistics.unacked)
        }
        #expect(result.0 == nil && result.1 == 10)
        #expect(result.2 == "x" && result.3 == 1)
    }

    @Test("cancelling the consumer resumes its waiting next() with nil")
    func cancelResumesWaiter() throws {
        let result = try inWorld { clock in
            let broker = Broker(clock: clock)
            let consumer = try broker.addConsumer(prefetch: 1)
            return await withTaskGroup(of: String?.self) { group in
                group.addTask { await consumer.next()?.payload ?? "nil@\(clock.ms)" }
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(5)))
                consumer.cancel()
                return await group.next()!
            }
        }
        #expect(result == "nil@5.0")
    }

    @Test("an expired message is never delivered and reaches the dead-letter queue with its x-death")
    func expiredGoesToDeadLetterQueue() throws {
        let result = try inWorld { clock in
            let deadLetters = Broker(try MessageQueueConfiguration(name: "orders.dlq"), clock: clock)
            let orders = Broker(try MessageQueueConfiguration(name: "orders", messageTTL: .seconds(1)),
                                clock: clock, deadLetterQueue: deadLetters)
            orders.publish("stale")
            try? await clock.sleep(until: clock.now.advanced(by: .seconds(1)))
            let consumer = try orders.addConsumer(prefetch: 1)   // first operation after the deadline
            orders.publish("fresh")
            let delivered = await consumer.next()!.payload
            // `try!`: a prefetch of 1 is valid (the task group's body cannot throw).
            let parked = await (try! deadLetters.addConsumer(prefetch: 1)).next()!
            return (delivered, parked.payload, parked.deaths)
        }
        #expect(result.0 == "fresh" && result.1 == "stale")
        #expect(result.2 == [DeathRecord(queue: "orders", reason: .expired, count: 1, firstTime: at(ms: 1000), lastTime: at(ms: 1000))])
    }

    @Test("runExpiry dead-letters on time, waking early for an earlier deadline")
    func runExpiryOnTime() throws {
        let arrivals = try inWorld { clock in
            let deadLetters = Broker(clock: clock)
            let orders = Broker(try MessageQueueConfiguration(name: "orders", messageTTL: .seconds(1)),
                                clock: clock, deadLetterQueue: deadLetters)
            let parked = try deadLetters.addConsumer(prefetch: 0)
            return await withTaskGroup(of: Void.self) { group in
                group.addTask { await orders.runExpiry() }
                group.addTask { await orders.runExpiry() }   // a second runner returns at once
                orders.publish("late")   // due at 1000 ms
                try? await clock.sleep(until: clock.now.advanced(by: .milliseconds(200)))
                orders.publish("early", ttl: .milliseconds(100))   // due at 300 ms
                var arrivals: [String] = []
                for _ in 0..<2 {
                    let delivery = await parked.next()!
                    arrivals.append("\(delivery.payload)@\(clock.ms)")
                    deadLetters.ack(delivery.tag)
                }
                group.cancelAll()
                return arrivals
            }
        }
        #expect(arrivals == ["early@300.0", "late@1000.0"])
    }

    // No upper bound on the elapsed time: parallel CPU-bound tests can delay timers on a
    // shared machine by a minute or more. The time limit (``realClockPatience``) catches a hang.
    @Test("works on ContinuousClock: TTL expiry to the dead-letter queue, delivery and ack", .timeLimit(.minutes(10)))
    func continuousClock() async throws {
        let clock = ContinuousClock()
        let deadLetters = LocalBroker<String, ContinuousClock>(clock: clock)
        let orders = LocalBroker<String, ContinuousClock>(try MessageQueueConfiguration(name: "orders"),
                                                          clock: clock, deadLetterQueue: deadLetters)
        let start = clock.now
        let (expiredAfter, delivered) = await withTaskGroup(of: Void.self) { group in
            group.addTask { await orders.runExpiry() }
            orders.publish("expires", ttl: .milliseconds(50))
            // `try!`: a prefetch of 1 is valid (the task group's body cannot throw).
            let parked = await (try! deadLetters.addConsumer(prefetch: 1)).next()
            let expiredAfter = parked.map { _ in start.duration(to: clock.now) }
            let consumer = try! orders.addConsumer(prefetch: 1)
            orders.publish("work")
            let delivery = await consumer.next()
            if let delivery { orders.ack(delivery.tag) }
            group.cancelAll()
            return (expiredAfter, delivery?.payload)
        }
        // Never before its deadline.
        #expect(expiredAfter.map { $0 >= .milliseconds(50) } == true)
        #expect(delivered == "work")
        let stats = orders.statistics
        #expect(stats.acked == 1 && stats.expired == 1 && stats.isConserved)
    }
}
