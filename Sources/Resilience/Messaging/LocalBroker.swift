import Synchronization

/// An in-process queue for async code: a ``MessageQueue`` behind a lock, whose consumers
/// wait for deliveries with ``Consumer/next()``, and whose dead letters go to another
/// `LocalBroker` (the dead-letter queue) if one is given.
///
/// Deliveries are pushed as in RabbitMQ: after every operation the broker hands ready
/// messages to consumers with room (round-robin, up to each one's prefetch); a delivery
/// waits in its consumer's buffer until ``Consumer/next()`` takes it, and counts as
/// unacked from the moment it is pushed. Settle deliveries with ``ack(_:multiple:)``,
/// ``nack(_:multiple:requeue:)`` or ``reject(_:requeue:)``.
///
/// TTL is checked against `clock` at every operation, so an expired message is never
/// delivered. To dead-letter expired messages on time while nothing else happens, run
/// ``runExpiry()`` in a task of your own (it sleeps on `clock` until the next deadline).
///
/// Cancellation: a task cancelled in ``Consumer/next()`` gets `nil` and leaves nothing
/// behind; a delivery pushed meanwhile stays in the consumer's buffer for its next call.
/// ``Consumer/cancel()`` requeues everything the consumer holds, buffered or taken.
///
/// The simulation's broker actor drives ``MessageQueue`` directly; this wrapper is for
/// code that wants a queue between its own tasks.
public final class LocalBroker<Payload: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    /// The state machine's type.
    public typealias Queue = MessageQueue<Payload, C.Instant>

    /// A registered consumer: take deliveries with ``next()``, settle them on the broker.
    public struct Consumer: Sendable {
        /// The consumer's identifier (the `consumer` of its deliveries' tags).
        public let id: ConsumerID
        /// The broker it consumes from.
        public let broker: LocalBroker

        /// The next delivery for this consumer, waiting for one if none is buffered.
        /// Returns `nil` when the consumer was cancelled or the calling task is (a
        /// delivery is then never lost: it stays buffered, or was requeued by
        /// ``cancel()``). One call at a time per consumer.
        public func next() async -> Queue.Delivery? {
            await broker.next(for: id)
        }

        /// Cancels the consumer: every delivery it has not settled is requeued (or
        /// dead-lettered past its delivery limit or TTL), and a waiting ``next()``
        /// returns `nil`. Returns the number of deliveries returned.
        @discardableResult
        public func cancel() -> Int {
            broker.cancel(id)
        }
    }

    private struct Inbox {
        var buffered = Deque<Queue.Delivery>()
        var waiter: UnsafeContinuation<Queue.Delivery?, Never>?
    }

    private struct State {
        var queue: Queue
        var inboxes: [ConsumerID: Inbox] = [:]
        var reaper: UnsafeContinuation<Void, Never>?
        var reaperDeadline: C.Instant?
        var reaperRunning = false
    }

    /// What to do once the lock is released.
    private struct Effects {
        var handoffs: [(UnsafeContinuation<Queue.Delivery?, Never>, Queue.Delivery)] = []
        var deadLetters: [Queue.DeadLetter] = []
        var reaper: UnsafeContinuation<Void, Never>?
    }

    /// The clock TTLs are measured on.
    public let clock: C
    /// Where dead letters are published (with their `x-death` history), or `nil` to drop
    /// them (they are still counted). A dead letter the dead-letter queue refuses (it is
    /// full with overflow `rejectPublish`) is dropped and counted there as refused.
    public let deadLetterQueue: LocalBroker?
    private let state: Mutex<State>

    /// A broker running a queue with `configuration`, timing TTLs on `clock`, sending
    /// dead letters to `deadLetterQueue` if given.
    public init(_ configuration: MessageQueueConfiguration = .defaults, clock: C, deadLetterQueue: LocalBroker? = nil) {
        self.clock = clock
        self.deadLetterQueue = deadLetterQueue
        state = Mutex(State(queue: Queue(configuration)))
    }

    /// The queue's counters and current contents.
    public var statistics: MessageQueueStatistics { state.withLock { $0.queue.statistics } }

    /// Publishes `payload` (with its own `ttl`, if any, and the `x-death` history it
    /// arrives with) and returns the publisher confirm; see
    /// ``MessageQueue/publish(_:ttl:deaths:now:)``.
    @discardableResult
    public func publish(_ payload: Payload, ttl: Duration? = nil, deaths: [DeathRecord<C.Instant>] = []) -> PublishOutcome {
        mutate { state, now in state.queue.publish(payload, ttl: ttl, deaths: deaths, now: now) }
    }

    /// Registers a consumer with `prefetch` (0 = unlimited) and starts pushing deliveries
    /// to it.
    ///
    /// - Throws: ``ConfigurationError`` when `prefetch` is negative.
    public func addConsumer(prefetch: Int) throws(ConfigurationError) -> Consumer {
        try ConfigurationCheck("LocalBroker").require(prefetch >= 0, "prefetch", ">= 0 (0 = unlimited)", prefetch)
        let id = mutate { state, _ in
            // `try!`: `prefetch` was checked above, the only thing the queue refuses.
            let id = try! state.queue.addConsumer(prefetch: prefetch)
            state.inboxes[id] = Inbox()
            return id
        }
        return Consumer(id: id, broker: self)
    }

    /// Acknowledges delivery `tag` (and with `multiple` every earlier one of the same
    /// consumer); returns the number of messages acknowledged (0 for an unknown tag).
    @discardableResult
    public func ack(_ tag: DeliveryTag, multiple: Bool = false) -> Int {
        mutate { state, _ in state.queue.ack(tag, multiple: multiple) }
    }

    /// Negatively acknowledges delivery `tag` (and with `multiple` every earlier one of
    /// the same consumer), requeueing by default; returns the number of messages settled.
    @discardableResult
    public func nack(_ tag: DeliveryTag, multiple: Bool = false, requeue: Bool = true) -> Int {
        mutate { state, now in state.queue.nack(tag, multiple: multiple, requeue: requeue, now: now) }
    }

    /// Rejects delivery `tag`, requeueing it or not; returns whether it was outstanding.
    @discardableResult
    public func reject(_ tag: DeliveryTag, requeue: Bool) -> Bool {
        mutate { state, now in state.queue.reject(tag, requeue: requeue, now: now) }
    }

    /// Dead-letters the messages whose TTL has passed; returns how many.
    @discardableResult
    public func expire() -> Int {
        mutate { state, now in state.queue.expire(now: now) }
    }

    /// Dead-letters expired messages on time until the calling task is cancelled:
    /// sleeps on `clock` until the earliest deadline of a ready message, and is woken
    /// early when an earlier one appears. Only one runs per broker; a second call
    /// returns at once.
    public func runExpiry() async {
        let claimed = state.withLock { state in
            if state.reaperRunning { return false }
            state.reaperRunning = true
            return true
        }
        guard claimed else { return }
        defer { state.withLock { $0.reaperRunning = false } }
        while !Task.isCancelled {
            let deadline = mutate { state, now -> C.Instant? in
                state.queue.expire(now: now)
                return state.queue.nextExpiry()
            }
            if let deadline {
                await clock.race(deadline: deadline, { await self.parkReaper(until: deadline) },
                                 onTimeout: { [self] in self.wakeReaper() })
            } else {
                await parkReaper(until: nil)
            }
        }
    }

    // MARK: Internals

    /// Runs `body` on the state under the lock, pushes the deliveries it made possible,
    /// then resumes waiters and publishes dead letters after releasing the lock.
    private func mutate<R: Sendable>(_ body: (inout State, C.Instant) -> R) -> R {
        let now = clock.now
        let keepDeadLetters = deadLetterQueue != nil
        let (result, effects) = state.withLock { state -> (R, Effects) in
            let result = body(&state, now)
            var effects = Effects()
            while let delivery = state.queue.nextDelivery(now: now) {
                let consumer = delivery.consumer
                if let waiter = state.inboxes[consumer]!.waiter {
                    state.inboxes[consumer]!.waiter = nil
                    effects.handoffs.append((waiter, delivery))
                } else {
                    state.inboxes[consumer]!.buffered.append(delivery)
                }
            }
            while let deadLetter = state.queue.popDeadLetter() {
                if keepDeadLetters { effects.deadLetters.append(deadLetter) }
            }
            if let reaper = state.reaper, let next = state.queue.nextExpiry(),
               state.reaperDeadline.map({ next < $0 }) ?? true {
                state.reaper = nil
                effects.reaper = reaper
            }
            return (result, effects)
        }
        for (waiter, delivery) in effects.handoffs { waiter.resume(returning: delivery) }
        effects.reaper?.resume()
        if let deadLetterQueue {
            for deadLetter in effects.deadLetters {
                deadLetterQueue.publish(deadLetter.payload, deaths: deadLetter.deaths)
            }
        }
        return result
    }

    private func next(for consumer: ConsumerID) async -> Queue.Delivery? {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Queue.Delivery?, Never>) in
                let immediate: Queue.Delivery?? = state.withLock { state in
                    guard state.inboxes[consumer] != nil else { return .some(nil) }
                    if let delivery = state.inboxes[consumer]!.buffered.popFirst() { return .some(delivery) }
                    if Task.isCancelled { return .some(nil) }
                    // A consumer is one sequential reader (an `AsyncIterator`): two concurrent
                    // `next()` calls are a programming error of the caller, not input.
                    precondition(state.inboxes[consumer]!.waiter == nil, "one next() at a time per consumer")
                    state.inboxes[consumer]!.waiter = continuation
                    return .none
                }
                if case .some(let delivery) = immediate { continuation.resume(returning: delivery) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> UnsafeContinuation<Queue.Delivery?, Never>? in
                let waiter = state.inboxes[consumer]?.waiter
                state.inboxes[consumer]?.waiter = nil
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    private func cancel(_ consumer: ConsumerID) -> Int {
        var waiter: UnsafeContinuation<Queue.Delivery?, Never>?
        let returned = mutate { state, now in
            waiter = state.inboxes.removeValue(forKey: consumer)?.waiter
            return state.queue.cancel(consumer, now: now)
        }
        waiter?.resume(returning: nil)
        return returned
    }

    private func parkReaper(until deadline: C.Instant?) async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let parked = state.withLock { state -> Bool in
                    if Task.isCancelled { return false }
                    // The timer may already have fired, or an earlier deadline appeared,
                    // between computing `deadline` and parking.
                    if let deadline, clock.now >= deadline { return false }
                    if let next = state.queue.nextExpiry(), deadline.map({ next < $0 }) ?? true { return false }
                    state.reaper = continuation
                    state.reaperDeadline = deadline
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            wakeReaper()
        }
    }

    private func wakeReaper() {
        let reaper = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            let reaper = state.reaper
            state.reaper = nil
            return reaper
        }
        reaper?.resume()
    }
}
