import SimKernel

/// Moving an order and reading its state, on the order service's database pool.
extension OrderLogic {
    /// Moves `order`; true when it moved.
    @discardableResult
    func transition(_ order: Int64, _ transition: OrderState.Transition) async -> Bool {
        await move(order, transition) != nil
    }

    /// Moves `order` (one write statement, retried until it lands while the pool has no
    /// connection: see ``DurableWrite``); the state it left, or nil when it did not move
    /// — the transition is not allowed from its state, or the instance crashed first.
    func move(_ order: Int64, _ transition: OrderState.Transition) async -> OrderState? {
        await durable.write { await withConnection { await $0.transition(order, transition) } } ?? nil
    }

    /// The order's state (nil: no such order), or the pool's failure.
    func currentState(_ order: Int64) async -> Result<OrderState?, Failure> {
        await withConnection { await $0.order(order)?.state }
    }

    /// The key of a loop this service runs for one order (a refund, a payment wait, a
    /// dispatch loop): its draws are its own, whoever started it and whatever else runs at
    /// the same instant.
    func loopKey(_ loop: String, _ order: Int64) -> UInt64 {
        StableHash.combine(StableHash.of("\(service).\(loop)"), UInt64(bitPattern: order))
    }
}
