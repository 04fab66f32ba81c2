/// A waiting line served in the order of a ``QueueDiscipline``, with CoDel-style overload
/// detection and shedding: the queue of ``WorkerPoolCore`` and the waiters of
/// ``ConnectionPoolState``. Pure: no clock, the caller passes `now`.
///
/// ```swift
/// var line = DisciplinedQueue<String, ContinuousClock.Instant>(.codel(.standard))
/// let now = ContinuousClock.now
/// line.append("a", at: now)
/// let shed = line.shed(at: now + .milliseconds(150)) // ["a"]: waited past the calm timeout
/// let next = line.next(at: now + .milliseconds(150)) // nil
/// ```
///
/// Rules, for ``QueueDiscipline/codel(_:)`` (FIFO and LIFO only order the line and never
/// shed):
/// - **Standing delay.** At an instant, the queue's delay is the age of its oldest entry
///   that has not been served, counting entries that were dropped or withdrawn: shedding
///   old work hides a standing queue, it does not end it. Serving the oldest entry moves
///   the delay to the next one's age, and serving the last entry returns it to zero; a
///   line emptied by shedding or withdrawals still stands.
/// - **Overload.** Time is cut into `interval`s. At the end of each, the queue becomes
///   overloaded if its minimum delay over that interval exceeded `target`, and calm
///   otherwise (CoDel's test: a queue that never got below the target for a whole
///   interval is a standing queue, not a burst). The verdict holds for the next interval.
///   Intervals are judged lazily at the next operation, exactly: the delay only grows
///   between operations, so its minimum is reached right after one of them.
/// - **Order.** Calm: oldest first. Overloaded: newest first (the callers most likely
///   still waiting get served).
/// - **Shedding.** ``shed(at:)`` (called by the pools before every dequeue and enqueue)
///   drops entries that waited longer than `target` while overloaded, or longer than
///   `interval` while calm. Nothing younger than the target is ever dropped.
public struct DisciplinedQueue<Element, Instant: InstantProtocol> where Instant.Duration == Duration {
    @usableFromInline struct Entry {
        @usableFromInline var element: Element
        @usableFromInline var enqueuedAt: Instant
        @inlinable init(element: Element, enqueuedAt: Instant) {
            self.element = element
            self.enqueuedAt = enqueuedAt
        }
    }

    /// The order of service.
    public let discipline: QueueDiscipline
    /// Oldest first.
    @usableFromInline var entries = Deque<Entry>()
    /// CoDel's parameters (nil for FIFO and LIFO).
    @usableFromInline let codel: CoDelParameters?
    /// When the oldest unserved work arrived (dropped and withdrawn work included); nil
    /// when the line is empty and everything before was served.
    @usableFromInline var standingSince: Instant?
    /// End of the interval being measured (nil before the first operation).
    @usableFromInline var intervalEnd: Instant?
    /// Minimum delay seen so far in the interval being measured.
    @usableFromInline var minimumDelay: Duration = .zero
    /// Whether plain LIFO serves the newest first.
    @usableFromInline let isLIFO: Bool
    @usableFromInline var _isOverloaded = false
    @usableFromInline var _shedCount = 0
    /// The verdict of the last finished interval (always false for FIFO and LIFO).
    public var isOverloaded: Bool { _isOverloaded }
    /// Entries dropped by ``shed(at:)`` over the queue's life.
    public var shedCount: Int { _shedCount }

    /// An empty line served by `discipline`.
    public init(_ discipline: QueueDiscipline = .fifo) {
        self.discipline = discipline
        isLIFO = discipline == .lifo
        if case .codel(let parameters) = discipline { codel = parameters } else { codel = nil }
    }

    /// Entries waiting.
    @inlinable public var count: Int { entries.count }
    /// Whether nothing waits.
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    /// The waiting elements, oldest first.
    @inlinable public var elements: [Element] { entries.map(\.element) }
    /// When the oldest waiting entry arrived.
    @inlinable public var oldestArrival: Instant? { entries.first?.enqueuedAt }

    /// Adds `element`, arriving at `now`.
    @inlinable public mutating func append(_ element: Element, at now: Instant) {
        if codel != nil {
            observe(at: now)
            if standingSince == nil { standingSince = now }
        }
        entries.append(Entry(element: element, enqueuedAt: now))
    }

    /// Removes the next entry to serve at `now` and returns it with its arrival instant
    /// (call ``shed(at:)`` first to drop expired work).
    @inlinable public mutating func next(at now: Instant) -> (element: Element, enqueuedAt: Instant)? {
        guard codel != nil else {
            let entry = isLIFO ? entries.popLast() : entries.popFirst()
            return entry.map { ($0.element, $0.enqueuedAt) }
        }
        observe(at: now)
        guard let entry = _isOverloaded ? entries.popLast() : entries.popFirst() else { return nil }
        if entries.isEmpty {
            standingSince = nil
        } else if !_isOverloaded, let first = entries.first, let since = standingSince, since == entry.enqueuedAt {
            // The oldest was served: the standing delay is now the next one's age.
            standingSince = first.enqueuedAt
        }
        settle(at: now)
        return (entry.element, entry.enqueuedAt)
    }

    /// Drops, oldest first, every entry that waited past the discipline's limit at `now`
    /// (`target` while overloaded, `interval` while calm; nothing for FIFO and LIFO).
    @inlinable public mutating func shed(at now: Instant) -> [Element] {
        guard let codel else { return [] }
        observe(at: now)
        let limit = _isOverloaded ? codel.target : codel.interval
        var dropped: [Element] = []
        while let first = entries.first, first.enqueuedAt.duration(to: now) > limit {
            dropped.append(entries.popFirst()!.element)
        }
        _shedCount += dropped.count
        return dropped
    }

    /// The earliest instant at which ``shed(at:)`` could drop something, if nothing else
    /// happens before (the oldest entry's arrival plus the current limit).
    @inlinable public var nextShedInstant: Instant? {
        guard let codel, let first = entries.first else { return nil }
        // The +1 ns: shedding drops entries that waited strictly longer than the limit.
        return first.enqueuedAt.advanced(by: (_isOverloaded ? codel.target : codel.interval) + .nanoseconds(1))
    }

    /// Removes the first entry matching `predicate` (a caller that gave up) and returns it.
    @inlinable public mutating func remove(where predicate: (Element) -> Bool) -> Element? {
        entries.remove { predicate($0.element) }?.element
    }

    /// Removes every entry matching `predicate` and returns them, oldest first.
    @inlinable public mutating func removeAll(where predicate: (Element) -> Bool) -> [Element] {
        guard entries.contains(where: { predicate($0.element) }) else { return [] }
        var kept = Deque<Entry>()
        var removed: [Element] = []
        while let entry = entries.popFirst() {
            if predicate(entry.element) { removed.append(entry.element) } else { kept.append(entry) }
        }
        entries = kept
        return removed
    }

    /// Removes every entry (a crash, a shutdown: the line starts afresh) and returns them,
    /// oldest first.
    @inlinable public mutating func removeAll() -> [Element] {
        standingSince = nil
        return entries.removeAll().map(\.element)
    }

    // MARK: Overload detection

    /// The standing delay at `now`.
    @inlinable func delay(at now: Instant) -> Duration {
        standingSince.map { $0.duration(to: now) } ?? .zero
    }

    /// Accounts for the time up to `now`: finishes any intervals that ended, then counts
    /// the delay at `now` into the current one.
    @usableFromInline mutating func observe(at now: Instant) {
        guard let codel else { return }
        let delayNow = delay(at: now)
        guard let end = intervalEnd else {
            intervalEnd = now.advanced(by: codel.interval)
            minimumDelay = delayNow
            return
        }
        if now < end {
            if delayNow < minimumDelay { minimumDelay = delayNow }
            return
        }
        // The last boundary at or before now; with no operation since `end`, the
        // intervals after it saw no change either (the delay only grew).
        let behind = end.duration(to: now)
        let skipped = Int(behind / codel.interval)
        let lastBoundary = end.advanced(by: codel.interval * skipped)
        if skipped == 0 {
            _isOverloaded = minimumDelay > codel.target
        } else {
            // The whole interval before `lastBoundary` passed without an operation: its
            // minimum was its delay at its start.
            let startOfLast = lastBoundary.advanced(by: .zero - codel.interval)
            _isOverloaded = standingSince.map { $0.duration(to: startOfLast) > codel.target } ?? false
        }
        intervalEnd = lastBoundary.advanced(by: codel.interval)
        minimumDelay = standingSince.map { Swift.max(.zero, $0.duration(to: lastBoundary)) } ?? .zero
        if delayNow < minimumDelay { minimumDelay = delayNow }
    }

    /// Counts the delay just after an operation (it may have dropped) into the interval.
    @usableFromInline mutating func settle(at now: Instant) {
        let delayNow = delay(at: now)
        if delayNow < minimumDelay { minimumDelay = delayNow }
    }
}

extension DisciplinedQueue: Sendable where Element: Sendable {}
extension DisciplinedQueue.Entry: Sendable where Element: Sendable {}
