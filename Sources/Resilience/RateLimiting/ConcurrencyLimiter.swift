/// A counting semaphore with a FIFO waiting line, as a pure state machine: the core of
/// a semaphore bulkhead (Resilience4j's `SemaphoreBulkhead`: at most
/// `maxConcurrentCalls`, default 25, calls at once).
///
/// `Waiter` is whatever the owner needs to wake a waiter later (a continuation, a
/// request, an id); the machine only keeps waiters in arrival order:
/// - ``acquire(orEnqueue:)`` takes a permit if one is free and nobody waits, or queues
///   the waiter;
/// - ``release()`` hands the permit straight to the longest waiter (returned, for the
///   owner to wake) or frees it;
/// - ``removeWaiter(where:)`` takes a waiter out of the line (timeout, cancellation)
///   without touching the permits, so a waiter that gives up never holds one.
///
/// Fairness is strict FIFO: ``tryAcquire()`` does not barge past waiters (like Java's
/// fair `Semaphore` that Resilience4j uses, with its timed `tryAcquire`).
public struct ConcurrencyLimiter<Waiter> {
    /// Most permits that may be held at once.
    public private(set) var maxConcurrent: Int
    /// Permits held now.
    public private(set) var inUse = 0
    private var line = Deque<Waiter>()

    /// A limiter of `maxConcurrent` (≥ 0) permits (default 25, Resilience4j's
    /// `maxConcurrentCalls`).
    ///
    /// - Throws: ``ConfigurationError`` when `maxConcurrent` is negative.
    public init(maxConcurrent: Int = 25) throws(ConfigurationError) {
        try ConfigurationCheck("ConcurrencyLimiter").require(maxConcurrent >= 0, "maxConcurrent", ">= 0", maxConcurrent)
        self.init(validMaxConcurrent: maxConcurrent)
    }

    /// A limiter of a permit count already checked (a ``Bulkhead/Configuration``'s).
    init(validMaxConcurrent maxConcurrent: Int) {
        self.maxConcurrent = maxConcurrent
    }

    /// Permits free now.
    public var available: Int { Swift.max(0, maxConcurrent - inUse) }
    /// Waiters in line.
    public var waiting: Int { line.count }
    /// The waiters in line, first to be served first.
    public var waiters: [Waiter] { Array(line) }

    /// Takes a permit if one is free and nobody is waiting.
    public mutating func tryAcquire() -> Bool {
        guard line.isEmpty, inUse < maxConcurrent else { return false }
        inUse += 1
        return true
    }

    /// Takes a permit (true) if ``tryAcquire()`` would, else puts `waiter` at the back
    /// of the line (false): it will come out of ``release()`` holding a permit, or of
    /// ``removeWaiter(where:)`` holding none.
    public mutating func acquire(orEnqueue waiter: Waiter) -> Bool {
        if tryAcquire() { return true }
        line.append(waiter)
        return false
    }

    /// Returns a permit. If someone waits, the permit passes to the first waiter, which
    /// is returned (now holding it) for the owner to wake; otherwise it becomes free.
    /// Releasing a permit not held is a programming error.
    public mutating func release() -> Waiter? {
        // Every release pairs with a granted permit in correct code; no configuration
        // reaches this, so it guards an invariant rather than input.
        precondition(inUse > 0, "release() without a held permit")
        if inUse <= maxConcurrent, let next = line.popFirst() { return next }
        inUse -= 1
        return nil
    }

    /// Takes the first waiter matching `predicate` out of the line (it holds no permit).
    public mutating func removeWaiter(where predicate: (Waiter) -> Bool) -> Waiter? {
        line.remove(where: predicate)
    }

    /// Changes the number of permits (Resilience4j's `changeConfig`). Growing hands new
    /// permits to waiters at once, returned in line order for the owner to wake;
    /// shrinking takes effect as holders release (no one is interrupted).
    ///
    /// - Throws: ``ConfigurationError`` when `newValue` is negative (nothing changes).
    public mutating func setMaxConcurrent(_ newValue: Int) throws(ConfigurationError) -> [Waiter] {
        try ConfigurationCheck("ConcurrencyLimiter").require(newValue >= 0, "maxConcurrent", ">= 0", newValue)
        maxConcurrent = newValue
        var admitted: [Waiter] = []
        while inUse < maxConcurrent, let next = line.popFirst() {
            inUse += 1
            admitted.append(next)
        }
        return admitted
    }

    /// Takes every waiter out of the line (e.g. to reject them all at shutdown).
    public mutating func removeAllWaiters() -> [Waiter] {
        line.removeAll()
    }
}

extension ConcurrencyLimiter: Sendable where Waiter: Sendable {}
