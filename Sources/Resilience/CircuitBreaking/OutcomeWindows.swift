/// One recorded call outcome.
struct CallOutcome: Sendable, Hashable {
    /// The call counts as failed (an error).
    var failed: Bool
    /// The call counts as slow.
    var slow: Bool

    /// The outcome packed into two bits, for the count window's ring.
    var bits: UInt8 { (failed ? 1 : 0) | (slow ? 2 : 0) }

    init(failed: Bool, slow: Bool) {
        self.failed = failed
        self.slow = slow
    }

    init(bits: UInt8) {
        failed = bits & 1 != 0
        slow = bits & 2 != 0
    }
}

/// Running totals of outcomes (a window's aggregate, or one of its buckets).
struct OutcomeCounts: Sendable, Hashable {
    var calls = 0
    var failures = 0
    var slowCalls = 0
    var slowFailures = 0

    mutating func add(_ outcome: CallOutcome) {
        calls += 1
        if outcome.failed { failures += 1 }
        if outcome.slow { slowCalls += 1 }
        if outcome.failed && outcome.slow { slowFailures += 1 }
    }

    mutating func remove(_ outcome: CallOutcome) {
        calls -= 1
        if outcome.failed { failures -= 1 }
        if outcome.slow { slowCalls -= 1 }
        if outcome.failed && outcome.slow { slowFailures -= 1 }
    }

    mutating func subtract(_ other: OutcomeCounts) {
        calls -= other.calls
        failures -= other.failures
        slowCalls -= other.slowCalls
        slowFailures -= other.slowFailures
    }

    mutating func add(_ other: OutcomeCounts) {
        calls += other.calls
        failures += other.failures
        slowCalls += other.slowCalls
        slowFailures += other.slowFailures
    }

    /// Failed calls in percent of all calls (0 when there are none). The thresholds
    /// compare against exactly this value, and the metrics report it.
    var failureRate: Double { calls == 0 ? 0 : Double(failures) * 100 / Double(calls) }
    /// Slow calls in percent of all calls (0 when there are none).
    var slowCallRate: Double { calls == 0 ? 0 : Double(slowCalls) * 100 / Double(calls) }
}

/// Resilience4j's count-based sliding window: a ring of the last `size` outcomes with
/// running totals, so reads are O(1) and a record is O(1).
struct CountWindow: Sendable {
    private var ring: ContiguousArray<UInt8>
    private var next = 0
    private var filled = 0
    private(set) var counts = OutcomeCounts()

    init(size: Int) {
        ring = ContiguousArray(repeating: 0, count: size)
    }

    mutating func record(_ outcome: CallOutcome) {
        guard !ring.isEmpty else { return }
        if filled == ring.count {
            counts.remove(CallOutcome(bits: ring[next]))
        } else {
            filled += 1
        }
        ring[next] = outcome.bits
        counts.add(outcome)
        next += 1
        if next == ring.count { next = 0 }
    }

    mutating func reset() {
        // Entries past `filled` are never read, so the ring need not be cleared.
        next = 0
        filled = 0
        counts = OutcomeCounts()
    }
}

/// A time-based sliding window of `bucketCount` buckets of `bucketLength` each, with
/// running totals: Resilience4j's time window (one-second buckets) and Sentinel's
/// `LeapArray` (`sampleCount` buckets over the statistic interval).
///
/// Bucket boundaries are whole multiples of `bucketLength` after the instant of the first
/// outcome ever recorded (an `InstantProtocol` has no absolute epoch to align to, and
/// aligning to the first outcome makes the buckets a function of the recorded outcomes
/// alone). The window covers the newest bucket and the `bucketCount - 1` before it; an
/// outcome leaves the totals once the window has slid `bucketCount` buckets past it.
struct TimeWindow<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private var buckets: ContiguousArray<OutcomeCounts>
    private let bucketNanoseconds: Int64
    private var origin: Instant?
    /// Index (buckets since `origin`) of the newest bucket.
    private var head: Int64 = 0
    private(set) var counts = OutcomeCounts()

    /// Built only from a validated configuration: the preconditions state invariants the
    /// configurations' initialisers already guarantee, not checks of input.
    init(bucketCount: Int, bucketLength: Duration) {
        precondition(bucketCount >= 1, "a time window needs at least one bucket")
        bucketNanoseconds = bucketLength.wholeNanoseconds
        precondition(bucketNanoseconds > 0, "buckets must be longer than zero")
        buckets = ContiguousArray(repeating: OutcomeCounts(), count: bucketCount)
    }

    /// Slides the window so that its newest bucket contains `now`, dropping what falls out.
    /// O(1) amortised: each bucket is cleared at most once per `bucketLength` of time.
    /// Before the first record there is nothing to slide. An instant earlier than the
    /// newest bucket counts as the newest bucket.
    mutating func slide(to now: Instant) {
        guard let origin else { return }
        let index = origin.duration(to: now).wholeNanoseconds / bucketNanoseconds
        guard index > head else { return }
        let count = Int64(buckets.count)
        if index - head >= count {
            for slot in buckets.indices { buckets[slot] = OutcomeCounts() }
            counts = OutcomeCounts()
        } else {
            var step = head + 1
            while step <= index {
                let slot = Int(step % count)
                counts.subtract(buckets[slot])
                buckets[slot] = OutcomeCounts()
                step += 1
            }
        }
        head = index
    }

    mutating func record(_ outcome: CallOutcome, at now: Instant) {
        if origin == nil { origin = now }
        slide(to: now)
        buckets[Int(head % Int64(buckets.count))].add(outcome)
        counts.add(outcome)
    }

    /// Forgets every outcome (the bucket alignment stays).
    mutating func reset() {
        for slot in buckets.indices { buckets[slot] = OutcomeCounts() }
        counts = OutcomeCounts()
    }
}

