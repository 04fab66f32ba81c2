/// Sizes and limits of a worker pool.
public struct WorkerPoolConfiguration: Sendable, Equatable {
    /// Workers that always run ("cores × 2" in the source documents).
    public var workers: Int
    /// Upper bound on workers; extra ones are started on demand (bounded-elastic) and
    /// retire after ``idleTimeout`` without work. Equal to `workers` for a fixed pool.
    public var maxWorkers: Int
    /// Jobs that may wait for a worker; `nil` means unbounded (as in M/M/c).
    public var queueCapacity: Int?
    /// How long an extra (elastic) worker stays without work before it retires.
    public var idleTimeout: Duration

    /// A pool of `workers` workers (up to `maxWorkers`, default fixed), a queue of
    /// `queueCapacity` jobs (default 1024, the documents' figure; nil = unbounded) and a
    /// 60 s idle timeout for extra workers.
    public init(workers: Int, maxWorkers: Int? = nil, queueCapacity: Int? = 1024, idleTimeout: Duration = .seconds(60)) {
        precondition(workers >= 0, "workers must be >= 0")
        precondition(queueCapacity.map { $0 >= 0 } ?? true, "queueCapacity must be >= 0")
        self.workers = workers
        self.maxWorkers = Swift.max(maxWorkers ?? workers, workers)
        self.queueCapacity = queueCapacity
        self.idleTimeout = idleTimeout
    }
}

/// The bookkeeping of a worker pool — who is busy, what waits, what is refused — with no
/// clock, no tasks and no locks.
///
/// This is the part of a thread pool that decides; running the jobs is the caller's
/// business. ``WorkerPool`` drives it with worker tasks; a simulation actor drives it with
/// scheduled events, which is what makes a million-customer M/M/c world run in well under
/// a second. Both therefore share one set of rules:
///
/// - a job goes to an idle worker if there is one;
/// - otherwise, below `maxWorkers`, a new (elastic) worker is added for it;
/// - otherwise it waits in FIFO order if the queue has room, or is rejected;
/// - a worker that finishes takes the oldest waiting job, or becomes idle.
public struct WorkerPoolCore<Job> {
    /// What happened to an offered job.
    public enum Admission {
        /// Run it now on an idle worker; `newWorker` is true when the pool grew for it
        /// (the caller should start one more worker).
        case start(Job, newWorker: Bool)
        /// It waits in the queue.
        case queued
        /// The queue is full.
        case rejected(Job)
    }

    /// Counters over the pool's life.
    @frozen public struct Statistics: Sendable, Equatable {
        /// Jobs accepted (started at once or queued).
        public var accepted = 0
        @inlinable init() {}
        /// Jobs refused because the queue was full.
        public var rejected = 0
        /// Jobs handed to a worker.
        public var started = 0
        /// Jobs finished.
        public var completed = 0
        /// Most jobs ever waiting at once.
        public var maxQueued = 0
        /// Most workers ever alive at once.
        public var maxWorkers = 0
        /// Elastic workers retired after their idle timeout.
        public var retired = 0
    }

    /// The pool's sizes and limits.
    public let configuration: WorkerPoolConfiguration
    /// Workers alive (busy or idle).
    public var workers: Int { _workers }
    /// Workers running a job.
    public var busy: Int { _busy }
    /// Counters.
    public var statistics: Statistics { _statistics }
    // Stored as @usableFromInline so the hot methods below can be inlined and
    // specialised in the simulation's module (generic code from another module is
    // otherwise run unspecialised, with a metadata lookup per call).
    @usableFromInline var _workers: Int
    @usableFromInline var _busy = 0
    @usableFromInline var _statistics = Statistics()
    @usableFromInline var queue = Deque<Job>()

    /// A pool with `configuration.workers` idle workers and an empty queue.
    public init(_ configuration: WorkerPoolConfiguration) {
        self.configuration = configuration
        _workers = configuration.workers
        _statistics.maxWorkers = configuration.workers
    }

    /// Workers with nothing to do.
    public var idle: Int { workers - busy }
    /// Jobs waiting.
    public var queued: Int { queue.count }
    /// Whether an offered job would be rejected right now.
    public var isSaturated: Bool {
        idle == 0 && workers >= configuration.maxWorkers
            && configuration.queueCapacity.map { queue.count >= $0 } ?? false
    }

    /// Offers a job to the pool.
    @inlinable public mutating func offer(_ job: Job) -> Admission {
        if _busy < _workers {
            _busy += 1
            _statistics.accepted += 1
            _statistics.started += 1
            return .start(job, newWorker: false)
        }
        if _workers < configuration.maxWorkers {
            _workers += 1
            _busy += 1
            _statistics.maxWorkers = Swift.max(_statistics.maxWorkers, _workers)
            _statistics.accepted += 1
            _statistics.started += 1
            return .start(job, newWorker: true)
        }
        if let capacity = configuration.queueCapacity, queue.count >= capacity {
            _statistics.rejected += 1
            return .rejected(job)
        }
        queue.append(job)
        _statistics.accepted += 1
        _statistics.maxQueued = Swift.max(_statistics.maxQueued, queue.count)
        return .queued
    }

    /// A worker finished its job: returns the next job it should run, or nil when the
    /// queue is empty and the worker becomes idle.
    @inlinable public mutating func finish() -> Job? {
        precondition(_busy > 0, "finish() without a busy worker")
        _statistics.completed += 1
        if let next = queue.popFirst() {
            _statistics.started += 1
            return next
        }
        _busy -= 1
        return nil
    }

    /// An idle elastic worker's idle timeout passed: retires it if the pool is above its
    /// core size and the worker is indeed idle. Returns whether a worker was retired.
    public mutating func retireIdleWorker() -> Bool {
        guard _workers > configuration.workers, idle > 0 else { return false }
        _workers -= 1
        _statistics.retired += 1
        return true
    }

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
    public var waitingJobs: [Job] { Array(queue) }
}

extension WorkerPoolCore: Sendable where Job: Sendable {}
