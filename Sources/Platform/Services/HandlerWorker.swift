/// One of an instance's handler tasks: it serves calls one after another, as a server's
/// worker thread does, instead of a task started (and its memory allocated) per call.
///
/// The instance keeps its idle workers on a stack and hands a call to the one that went
/// idle last: its task's memory is the likeliest to still be in the processor's caches,
/// which is why real thread pools wake the most recent idle thread first. A worker that
/// finishes a call goes on the stack *before* it hands its result back, so when that
/// frees it to take the next queued call, it takes it itself, with no task switch.
///
/// Only the instance's actor touches it (hence `@unchecked Sendable`: its task is handed it).
final class HandlerWorker: @unchecked Sendable {
    /// A call and the instant it reached the instance (the start of its wait).
    struct Job: Sendable {
        var envelope: Envelope
        var arrival: Int64
    }

    /// The call handed over while the worker was finishing the last one, not yet parked.
    var next: Job?
    /// Where the idle worker waits for its next call (nil: stop, the instance crashed or
    /// the pool retired it).
    var parked: UnsafeContinuation<Job?, Never>?
    /// The call it is serving (nil while idle).
    var serving: UInt64?
    /// Its task, cancelled when the instance crashes mid-call.
    var task: Task<Void, Never>?

    /// Gives the worker its next call: resumes it if it is parked, or leaves the call
    /// for it to take when it finishes the one it is handing back.
    func hand(_ job: Job) {
        serving = job.envelope.id
        if let parked {
            self.parked = nil
            parked.resume(returning: job)
        } else {
            next = job
        }
    }

    /// Ends an idle worker's task.
    func stop() {
        parked?.resume(returning: nil)
        parked = nil
    }
}
