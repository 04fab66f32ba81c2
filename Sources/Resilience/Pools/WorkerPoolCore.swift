/// Sizes and limits of a worker pool.
public struct WorkerPoolConfiguration: Sendable, Equatable {
    /// Workers that always run ("cores × 2" in the source documents).
    public private(set) var workers: Int
    /// Upper bound on workers; extra ones are started on demand (bounded-elastic) and
    /// retire after ``idleTimeout`` without work. Equal to `workers` for a fixed pool.
    public private(set) var maxWorkers: Int
    /// Jobs that may wait for a worker; `nil` means unbounded (as in M/M/c).
    public private(set) var queueCapacity: Int?
    /// How long an extra (elastic) worker stays without work before it retires.
    public private(set) var idleTimeout: Duration
    /// How long a new worker takes to start (a process or container booting); the job
    /// that asked for it waits in the queue meanwhile. Zero starts it with the job.
    public private(set) var startupDelay: Duration
    /// Whether a queued job starts a new worker by itself (bounded-elastic, up to
    /// `maxWorkers`). False leaves growth to ``WorkerPoolCore/addWorkers(_:at:)`` (an
    /// autoscaler such as ``WorkerPoolAutoscaler``).
    public var growsOnDemand: Bool
    /// The order in which queued jobs are served, and what is shed under overload.
    public var discipline: QueueDiscipline

    /// A pool of `workers` workers (up to `maxWorkers`, default fixed), a queue of
    /// `queueCapacity` jobs (default 1024, the documents' figure; nil = unbounded) served
    /// by `discipline` (FIFO), a 60 s idle timeout for extra workers, which start with the
    /// job that asked for them unless `startupDelay` is set. A `maxWorkers` below
    /// `workers` is read as `workers` (a fixed pool).
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid parameter (the fields
    ///   are read-only afterwards, so a configuration is valid once made).
    public init(workers: Int, maxWorkers: Int? = nil, queueCapacity: Int? = 1024, idleTimeout: Duration = .seconds(60),
                startupDelay: Duration = .zero, growsOnDemand: Bool = true, discipline: QueueDiscipline = .fifo) throws(ConfigurationError) {
        let check = ConfigurationCheck("WorkerPoolConfiguration")
        try check.require(workers >= 0, "workers", ">= 0", workers)
        try check.require(queueCapacity.map { $0 >= 0 } ?? true, "queueCapacity", ">= 0 or nil", queueCapacity ?? 0)
        try check.require(idleTimeout >= .zero, "idleTimeout", ">= 0", idleTimeout)
        try check.require(startupDelay >= .zero, "startupDelay", ">= 0", startupDelay)
        self.workers = workers
        self.maxWorkers = Swift.max(maxWorkers ?? workers, workers)
        self.queueCapacity = queueCapacity
        self.idleTimeout = idleTimeout
        self.startupDelay = startupDelay
        self.growsOnDemand = growsOnDemand
        self.discipline = discipline
    }
}

/// Counters over a worker pool's life.
@frozen public struct WorkerPoolStatistics: Sendable, Equatable {
    /// Jobs accepted (started at once or queued).
    public var accepted = 0
    /// Jobs refused because the queue was full.
    public var rejected = 0
    /// Queued jobs dropped by the queue discipline (CoDel) after waiting too long.
    public var shed = 0
    /// Jobs handed to a worker.
    public var started = 0
    /// Jobs finished.
    public var completed = 0
    /// Most jobs ever waiting at once.
    public var maxQueued = 0
    /// Most workers ever alive at once.
    public var maxWorkers = 0
    /// Workers added after the pool was created (on demand or by an autoscaler).
    public var workersStarted = 0
    /// Elastic workers retired after their idle timeout.
    public var retired = 0
    @inlinable init() {}
}

/// The bookkeeping of a worker pool — who is busy, what waits, what is refused or shed,
/// how many workers are present — with no clock, no tasks and no locks: the caller passes
/// `now` to every operation.
///
/// ```swift
/// // Pure: a simulation drives it with events.
/// var core = WorkerPoolCore<Int, ContinuousClock.Instant>(
///     try WorkerPoolConfiguration(workers: 2, maxWorkers: 8, startupDelay: .seconds(20)))
/// let now = ContinuousClock.now
/// _ = core.offer(1, at: now) // .start(1, newWorker: false)
/// _ = core.offer(2, at: now) // .start(2, newWorker: false)
/// _ = core.offer(3, at: now) // .queued(startingWorker: true): call workerStarted(at:) in 20 s
/// let job = core.workerStarted(at: now + .seconds(20)) // 3
///
/// // Async: WorkerPool runs the same rules with worker tasks.
/// let pool = WorkerPool<Int, ContinuousClock>(core.configuration, clock: ContinuousClock())
/// ```
///
/// This is the part of a thread pool that decides; running the jobs is the caller's
/// business. ``WorkerPool`` drives it with worker tasks; a simulation actor drives it with
/// scheduled events, which is what makes a million-customer M/M/c world run in well under
/// a second. Both therefore share one set of rules:
///
/// - a job goes to an idle worker if there is one (the most recently idle: surplus
///   workers stay idle and retire);
/// - otherwise, below `maxWorkers` and with no `startupDelay`, a new (elastic) worker is
///   added for it;
/// - otherwise it waits if the queue has room, or is rejected; with a `startupDelay`, a
///   job that queues asks for a new worker (below `maxWorkers`, one per waiting job not
///   already covered by a starting worker), which the caller starts after the delay with
///   ``workerStarted(at:)``;
/// - a worker that finishes (or has just started) takes the next waiting job in the
///   order of the ``QueueDiscipline``, or becomes idle;
/// - an idle worker above the core size retires after `idleTimeout`
///   (``retireIdleWorker(at:)``, due at ``nextRetirement``);
/// - before every enqueue and dequeue a CoDel discipline sheds jobs that waited too long;
///   the caller collects them with ``takeShed()`` and fails them.
///
/// Busy time and worker time (workers present, integrated over time) are accumulated, so
/// utilisation divides by the workers actually present (see ``load(at:)``).
public struct WorkerPoolCore<Job, Instant: InstantProtocol> where Instant.Duration == Duration {
    /// What happened to an offered job.
    public enum Admission {
        /// Run it now on an idle worker; `newWorker` is true when the pool grew for it
        /// (the caller should start one more worker).
        case start(Job, newWorker: Bool)
        /// It waits in the queue; `startingWorker` is true when a new worker was asked for
        /// (call ``WorkerPoolCore/workerStarted(at:)`` after the configuration's
        /// `startupDelay`).
        case queued(startingWorker: Bool)
        /// The queue is full.
        case rejected(Job)
    }

    /// Counters (kept as a nested name for callers of the earlier API).
    public typealias Statistics = WorkerPoolStatistics

    /// The pool's sizes and limits.
    public let configuration: WorkerPoolConfiguration
    /// Workers present (busy or idle; not those still starting).
    public var workers: Int { _workers }
    /// Workers asked for and still starting.
    public var starting: Int { _starting }
    /// Workers running a job.
    public var busy: Int { _busy }
    /// Counters.
    public var statistics: WorkerPoolStatistics { _statistics }
    // Stored as @usableFromInline so the hot methods below can be inlined and
    // specialised in the simulation's module (generic code from another module is
    // otherwise run unspecialised, with a metadata lookup per call).
    @usableFromInline var _workers: Int
    @usableFromInline var _starting = 0
    @usableFromInline var _busy = 0
    @usableFromInline var _statistics = WorkerPoolStatistics()
    @usableFromInline var queue: DisciplinedQueue<Job, Instant>
    /// When each idle worker became idle, oldest first (idle workers are taken newest
    /// first, so the oldest are the ones that retire). Kept only by a pool that can grow
    /// (``tracksIdleTimes``).
    @usableFromInline var idleSince = Deque<Instant>()
    /// Whether the pool can grow beyond its core size, so that idle workers may retire
    /// and ``idleSince`` is needed. A fixed pool skips it: otherwise every job would touch
    /// one more buffer, and a big world's thousands of pools are cold.
    @usableFromInline let tracksIdleTimes: Bool
    /// Jobs shed and not yet collected by ``takeShed()``.
    @usableFromInline var shedJobs: [Job] = []
    @usableFromInline let shedsWork: Bool
    @usableFromInline let growsAtOnce: Bool
    /// The instant busy and worker time are measured from.
    @usableFromInline var origin: Instant?
    /// Σ δ·(t − origin) over every change δ of the busy (worker) count at t: the integral
    /// of the count up to `now` is `count·(now − origin) − offset`. Kept this way, an
    /// operation costs one addition per change, not a multiplication per operation (and a
    /// worker that goes from one job to the next changes nothing).
    @usableFromInline var busyOffset: Duration = .zero
    @usableFromInline var workerOffset: Duration = .zero

    /// A pool with `configuration.workers` idle workers and an empty queue, created at
    /// `start` (busy and worker time count from then; without it, from the first
    /// operation).
    public init(_ configuration: WorkerPoolConfiguration, at start: Instant? = nil) {
        self.configuration = configuration
        origin = start
        tracksIdleTimes = configuration.maxWorkers > configuration.workers
        _workers = configuration.workers
        _statistics.maxWorkers = configuration.workers
        queue = DisciplinedQueue(configuration.discipline)
        if case .codel = configuration.discipline { shedsWork = true } else { shedsWork = false }
        growsAtOnce = configuration.growsOnDemand && configuration.startupDelay == .zero
        // The core workers are idle from the start (a clock for the idle list).
        if let start { workersWentIdle(configuration.workers, at: start) }
    }

    /// Workers with nothing to do.
    public var idle: Int { _workers - _busy }
    /// Jobs waiting.
    public var queued: Int { queue.count }
    /// Whether the queue's discipline judges it overloaded (CoDel only).
    public var isOverloaded: Bool { queue.isOverloaded }
    /// Whether an offered job would be rejected right now.
    public var isSaturated: Bool {
        idle == 0 && !(growsAtOnce && _workers < configuration.maxWorkers)
            && configuration.queueCapacity.map { queue.count >= $0 } ?? false
    }

    /// Offers a job to the pool at `now`.
    @inlinable public mutating func offer(_ job: Job, at now: Instant) -> Admission {
        if origin == nil { _ = sinceOrigin(now) }
        if shedsWork { shed(at: now) }
        if _busy < _workers {
            idleWorkerTookJob()
            _busy += 1
            busyOffset += sinceOrigin(now)
            _statistics.accepted += 1
            _statistics.started += 1
            return .start(job, newWorker: false)
        }
        if growsAtOnce && _workers < configuration.maxWorkers {
            _workers += 1
            _busy += 1
            let elapsed = sinceOrigin(now)
            busyOffset += elapsed
            workerOffset += elapsed
            _statistics.maxWorkers = Swift.max(_statistics.maxWorkers, _workers)
            _statistics.workersStarted += 1
            _statistics.accepted += 1
            _statistics.started += 1
            return .start(job, newWorker: true)
        }
        if let capacity = configuration.queueCapacity, queue.count >= capacity {
            _statistics.rejected += 1
            return .rejected(job)
        }
        queue.append(job, at: now)
        _statistics.accepted += 1
        _statistics.maxQueued = Swift.max(_statistics.maxQueued, queue.count)
        if configuration.growsOnDemand && _workers + _starting < configuration.maxWorkers && queue.count > _starting {
            _starting += 1
            return .queued(startingWorker: true)
        }
        return .queued(startingWorker: false)
    }

    /// A worker finished its job at `now`: returns the next job it should run, or nil
    /// when the queue is empty and the worker becomes idle.
    @inlinable public mutating func finish(at now: Instant) -> Job? {
        // Each finish pairs with a job the core started; no configuration reaches this,
        // so it guards the caller's bookkeeping (an invariant), not input.
        precondition(_busy > 0, "finish(at:) without a busy worker")
        _statistics.completed += 1
        if shedsWork { shed(at: now) }
        if let next = queue.next(at: now) {
            _statistics.started += 1
            return next.element
        }
        _busy -= 1
        busyOffset -= sinceOrigin(now)
        workersWentIdle(1, at: now)
        return nil
    }

    /// Asks for up to `count` more workers at `now` (an autoscaler's decision), never
    /// beyond `maxWorkers` counting those already starting. Returns how many were asked
    /// for: call ``workerStarted(at:)`` for each after the `startupDelay`.
    public mutating func addWorkers(_ count: Int, at now: Instant) -> Int {
        _ = sinceOrigin(now)
        let added = Swift.max(0, Swift.min(count, configuration.maxWorkers - _workers - _starting))
        _starting += added
        return added
    }

    /// A worker asked for earlier has started at `now`: returns the job it should run
    /// first, or nil when nothing waits and it becomes idle.
    public mutating func workerStarted(at now: Instant) -> Job? {
        // Each start pairs with a worker the core asked for; no configuration reaches
        // this, so it guards the caller's bookkeeping (an invariant), not input.
        precondition(_starting > 0, "workerStarted(at:) without a starting worker")
        let elapsed = sinceOrigin(now)
        _starting -= 1
        _workers += 1
        workerOffset += elapsed
        _statistics.workersStarted += 1
        _statistics.maxWorkers = Swift.max(_statistics.maxWorkers, _workers)
        if shedsWork { shed(at: now) }
        if let next = queue.next(at: now) {
            _busy += 1
            busyOffset += elapsed
            _statistics.started += 1
            return next.element
        }
        workersWentIdle(1, at: now)
        return nil
    }

    /// Retires the longest-idle worker if the pool is above its core size and that worker
    /// has been idle for `idleTimeout` at `now`. Returns whether a worker was retired.
    public mutating func retireIdleWorker(at now: Instant) -> Bool {
        guard _workers > configuration.workers, let oldest = idleSince.first,
              oldest.advanced(by: configuration.idleTimeout) <= now else { return false }
        let elapsed = sinceOrigin(now)
        _ = idleSince.popFirst()
        _workers -= 1
        workerOffset -= elapsed
        _statistics.retired += 1
        return true
    }

    /// When the longest-idle worker above the core size is due to retire (nil when none).
    public var nextRetirement: Instant? {
        guard _workers > configuration.workers, let oldest = idleSince.first else { return nil }
        return oldest.advanced(by: configuration.idleTimeout)
    }

    /// Sheds, at `now`, queued jobs that waited past the CoDel discipline's limit (a
    /// caller with a timer may call this between operations; offers and finishes do it
    /// anyway). Collect them with ``takeShed()``.
    @inlinable public mutating func shed(at now: Instant) {
        let dropped = queue.shed(at: now)
        guard !dropped.isEmpty else { return }
        _statistics.shed += dropped.count
        shedJobs.append(contentsOf: dropped)
    }

    /// The jobs shed since the last call, oldest first: fail them to their callers.
    @inlinable public mutating func takeShed() -> [Job] {
        guard !shedJobs.isEmpty else { return [] }
        defer { shedJobs.removeAll() }
        return shedJobs
    }

    /// Whether shed jobs wait to be collected.
    @inlinable public var hasShed: Bool { !shedJobs.isEmpty }

    /// Removes the first waiting job matching `predicate` (a caller that gave up while
    /// queued) and returns it. O(n); the queue keeps its order.
    public mutating func removeQueued(where predicate: (Job) -> Bool) -> Job? {
        queue.remove(where: predicate)
    }

    /// Removes every waiting job (a crash of the process owning the pool loses them) and
    /// returns them, oldest first.
    public mutating func drainQueue() -> [Job] {
        queue.removeAll()
    }

    /// The waiting jobs, oldest first (for inspection).
    public var waitingJobs: [Job] { queue.elements }

    /// The pool's load at `now`: queue length and the busy and worker time integrated
    /// since the pool was created (what an autoscaler and a utilisation figure need).
    public func load(at now: Instant) -> WorkerPoolLoad<Instant> {
        let elapsed = origin.map { $0.duration(to: now) } ?? .zero
        return WorkerPoolLoad(at: now, queued: queue.count, workers: _workers, starting: _starting,
                              busyTime: elapsed * _busy - busyOffset, workerTime: elapsed * _workers - workerOffset)
    }

    /// `count` workers became idle at `now` (kept only by a pool that can grow: see
    /// ``tracksIdleTimes``).
    @inlinable mutating func workersWentIdle(_ count: Int, at now: Instant) {
        guard tracksIdleTimes else { return }
        for _ in 0..<count { idleSince.append(now) }
    }

    /// The most recently idle worker took a job.
    @inlinable mutating func idleWorkerTookJob() {
        if tracksIdleTimes { _ = idleSince.popLast() }
    }

    /// The time from the origin to `now`; the first operation of a pool created without
    /// an instant sets the origin (its core workers idle from then).
    @inlinable mutating func sinceOrigin(_ now: Instant) -> Duration {
        guard let origin else {
            origin = now
            workersWentIdle(idle, at: now)
            return .zero
        }
        return origin.duration(to: now)
    }
}

/// A snapshot of a worker pool's load (``WorkerPoolCore/load(at:)``).
public struct WorkerPoolLoad<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// When it was taken.
    public let at: Instant
    /// Jobs waiting.
    public let queued: Int
    /// Workers present.
    public let workers: Int
    /// Workers starting.
    public let starting: Int
    /// Busy workers integrated over time since the pool was created.
    public let busyTime: Duration
    /// Workers present integrated over time since the pool was created.
    public let workerTime: Duration

    /// Busy time over worker time between `earlier` and this snapshot (0 when no worker
    /// was present).
    public func utilisation(since earlier: WorkerPoolLoad?) -> Double {
        let busy = busyTime - (earlier?.busyTime ?? .zero)
        let present = workerTime - (earlier?.workerTime ?? .zero)
        return present > .zero ? busy / present : 0
    }
}

extension WorkerPoolCore: Sendable where Job: Sendable {}
