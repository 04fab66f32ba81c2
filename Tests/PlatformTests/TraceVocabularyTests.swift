@testable import Platform
import SimKernel
import Testing

@Suite("Trace vocabulary")
struct TraceVocabularyTests {
    @Test("the trace names a call by its label, and an order state by its metric label, without building either")
    func namesMatchLabels() {
        let sim = Simulation(seed: 1)
        let names = sim.traceNames
        let order = OrderRequest(key: 1, customer: 2, item: 3, quantity: 1, merchant: 4, amount: 500)
        let calls: [Call] = [
            .work, .login(customer: 1), .verify(customer: 1, token: 2), .product(item: 3), .createOrder(order),
            .orderStatus(key: 1), .cancelOrder(key: 1), .orderEvent(order: 1, event: .ready),
            .deduct(order: 1, item: 2, quantity: 1), .restock(order: 1, item: 2, quantity: 1),
            .charge(order: 1, amount: 5), .refund(order: 1), .gatewayCharge(order: 1, idempotencyKey: nil),
            .dispatch(order: 1, merchant: 2),
            .app(.login(customer: 1)), .app(.menu(customer: 1, token: 2, item: 3)), .app(.order(customer: 1, token: 2, order)),
            .app(.status(customer: 1, token: 2, key: 3)), .app(.cancel(customer: 1, token: 2, key: 3)),
        ]
        for call in calls { #expect(sim.trace.text(of: names.label(call)) == call.label) }
        let states: [OrderState] = [.created, .reserved, .paymentPending, .paid, .accepted, .ready, .assigned, .readyAndAssigned,
                                    .pickedUp, .delivered]
            + OrderState.CancelReason.allCases.map(OrderState.cancelled) + OrderState.FailReason.allCases.map(OrderState.failed)
        for state in states { #expect(sim.trace.text(of: names.state(state)) == state.label) }
        for failure in Failure.all { #expect(sim.trace.text(of: names.outcome(failure)) == failure.label) }
        #expect(sim.traceNames === names, "interned once per world")
    }
}
