/// One handler task: it serves calls one after another, as a server's worker thread does,
/// instead of a task started (and its memory allocated) per call.
///
/// Handler tasks are the simulator's threads, not the model's workers: an instance's
/// workers are counted by its worker pool (``ServiceInstance/pool``), and a call holds one
/// from admission to answer whichever task runs it. So the tasks are shared by the whole
/// world (``HandlerPool``): a call goes to the task that went idle last, anywhere, whose
/// memory is the likeliest to still be in the processor's caches.
///
/// Only the world's thread touches it (hence `@unchecked Sendable`: its task is handed it).
final class HandlerWorker: @unchecked Sendable {
    /// A call, the instance serving it, that instance's life when it admitted the call,
    /// and the instant the call reached it (the start of its wait).
    struct Job: Sendable {
        var instance: ServiceInstance
        var epoch: Int
        var envelope: Envelope
        var arrival: Int64
    }

    /// The call handed over while the worker was finishing the last one, not yet parked.
    var next: Job?
    /// Where the idle worker waits for its next call (nil: stop, the world is torn down).
    var parked: UnsafeContinuation<Job?, Never>?
    /// The call it is serving, from when it is handed over until the worker is idle
    /// again (nil while idle): what a crash cancels, and what ``activityName`` names.
    var current: Job?
    /// Its task, cancelled when the instance it serves crashes mid-call.
    var task: Task<Void, Never>?
    /// Its position among the pool's live handlers.
    var slot = 0

    /// Gives the worker its next call: resumes it if it is parked, or leaves the call
    /// for it to take when it finishes the one it is handing back.
    func hand(_ job: Job) {
        current = job
        if let parked {
            self.parked = nil
            parked.resume(returning: job)
        } else {
            next = job
        }
    }

    /// Names the call the worker is serving ("order#0 handling create_order"), nil while
    /// it is idle: asked only when the world runs out of things to do or a stall report
    /// names its tasks (``Simulation/spawn(_:daemon:background:busy:_:)``).
    var activityName: () -> String? {
        { [self] in current.map { "\($0.instance.name) handling \($0.envelope.call.label)" } }
    }

    /// Ends an idle worker's task.
    func stop() {
        parked?.resume(returning: nil)
        parked = nil
    }
}
