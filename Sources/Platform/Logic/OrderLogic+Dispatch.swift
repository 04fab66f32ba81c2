import SimKernel

/// The order service's side of dispatch: a loop per order asking the dispatch service for
/// a rider.
extension OrderLogic {
    /// Asks dispatch for a rider until one is assigned or the order ends.
    func requestDispatch(_ record: OrderRecord) {
        let retry = dispatchRetry
        background("dispatch(\(record.id))") { [self] in
            await keyed(loopKey("dispatch", record.id)) {
                while !Task.isCancelled, activity.keepsRunning {
                    // Not read (no connection): try again after the retry interval.
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
                    try? await sim.clock.sleep(for: retry)
                }
            }
        }
    }
}
