import Resilience
import SimKernel

/// The order service's side of dispatch: a loop per order asking the dispatch service for
/// a rider.
extension OrderLogic {
    /// The pause between two dispatch requests for one order: from `dispatch_backoff`
    /// (2 s), doubling per request that brought no rider, capped at `dispatch_backoff_cap`
    /// (30 s), equal jitter. Equal rather than full jitter: half of each pause is fixed, so
    /// an order never asks again at once after a refusal (a full dispatch queue refuses in
    /// microseconds), and the drawn half spreads the orders refused together.
    var dispatchBackoff: Backoff {
        // `try!`: the reader admits only positive durations, and a cap below the base is
        // read as the base, so the arguments are always valid.
        try! Backoff.exponential(base: options.dispatchBackoff, cap: max(options.dispatchBackoffCap, options.dispatchBackoff),
                                 jitter: .equal)
    }

    /// Asks dispatch for a rider until one is assigned or the order ends, backing off
    /// between requests (``dispatchBackoff``): during a rider shortage every waiting order
    /// runs this loop, and without a growing pause the waiting orders alone would keep the
    /// dispatch service's queue full. A search that finds no rider already lasts dispatch's
    /// `timeout`; the backoff matters most for requests refused or lost before a search.
    func requestDispatch(_ record: OrderRecord) {
        let backoff = dispatchBackoff
        background("dispatch(\(record.id))") { [self] in
            await keyed(loopKey("dispatch", record.id)) {
                var failed = 0
                var previous: Duration?
                while !Task.isCancelled, activity.keepsRunning {
                    // Not read (no connection): try again after the backoff.
                    if case .success(let state) = await currentState(record.id) {
                        guard let state, !state.isTerminal, state != .pickedUp else { return }
                        if state == .assigned || state == .readyAndAssigned { return }
                        // Not noted (no connection): the reconciler may start a second loop,
                        // which dispatch's idempotency makes harmless.
                        _ = await withConnection { await $0.noteDispatchLoop(record.id) }
                        switch await call(.dispatch, .dispatch(order: record.id, merchant: record.request.merchant)) {
                        case .success(.rider):
                            _ = await apply(record.id, .riderAssigned(rider: 0))
                            return
                        default:
                            break
                        }
                    }
                    dispatchRetries.add()
                    failed += 1
                    var random = environment.draws.current(.retry)
                    let pause = backoff.delay(afterAttempt: failed, previous: previous, using: &random)
                    previous = pause
                    try? await sim.clock.sleep(for: pause)
                }
            }
        }
    }
}
