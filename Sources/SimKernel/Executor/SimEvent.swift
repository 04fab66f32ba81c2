/// A small typed event delivered to a ``SimEventHandler`` at a scheduled instant.
///
/// Two integers are enough for model events ("worker 3 finished", "arrival"); keeping
/// them inline is what makes scheduling an event allocation-free.
public struct SimEvent: Sendable, Equatable {
    /// What happened, in the handler's own numbering.
    public var code: Int32
    /// An event-specific value (a slot index, a request id).
    public var value: Int64

    /// An event with a code and a value.
    public init(_ code: Int32, _ value: Int64 = 0) {
        self.code = code
        self.value = value
    }
}

/// Receives events scheduled with ``SimExecutor/schedule(at:_:_:)``.
///
/// The event-driven alternative to a task that sleeps: it costs no task, continuation
/// or allocation, so hot model paths (an arrival process, a service completing work)
/// run at millions of events a second. Actors implement ``handle(_:)`` as a
/// `nonisolated` method that re-enters their isolation with
/// ``Swift/Actor/isolatedOnWorldThread(_:)``.
public protocol SimEventHandler: AnyObject, Sendable {
    /// Called at the scheduled instant, on the simulation thread, inside the run loop.
    func handle(_ event: SimEvent)
}

extension Actor {
    /// Runs `body(self, argument)` isolated to this actor, from an event handler or
    /// callback of the world whose executor this actor uses.
    ///
    /// Inside the run loop the simulation thread holds the world's executor, so the actor
    /// is already exclusively accessible; `assumeIsolated` would prove it with a runtime
    /// lookup that costs about a third of a M/M/c event. Debug builds still check that the
    /// caller is on a running world's thread.
    ///
    /// Pass what the body needs as `argument` rather than capturing it: a closure that
    /// captures nothing is a plain function pointer, so the call allocates nothing
    /// (`withoutActuallyEscaping`, which `assumeIsolated` uses, boxes the closure on
    /// every call).
    @inlinable @inline(__always)
    public nonisolated func isolatedOnWorldThread<Argument, T>(
        _ argument: Argument, _ body: @escaping (isolated Self, Argument) -> T
    ) -> T {
        assert(GlobalEnqueueHooks.isOnRunningWorldThread, "isolatedOnWorldThread called outside a running world")
        typealias Plain = (Self, Argument) -> T
        return unsafeBitCast(body, to: Plain.self)(self, argument)
    }
}
