import Platform
import Testing

@Suite("Order state machine")
struct OrderStateTests {
    typealias S = OrderState

    @Test("the happy path from created to delivered")
    func happyPath() throws {
        var state = S.created
        for step: S.Transition in [.reserved, .paymentStarted, .paid, .accepted, .ready, .assigned, .pickedUp, .delivered] {
            state = try #require(state.next(step), "\(step) from \(state)")
        }
        #expect(state == .delivered)
        #expect(state.isTerminal)
    }

    @Test("the kitchen and dispatch may finish in either order")
    func readyAndAssignedCommute() {
        #expect(S.accepted.next(.ready)?.next(.assigned) == .readyAndAssigned)
        #expect(S.accepted.next(.assigned)?.next(.ready) == .readyAndAssigned)
    }

    @Test("a rider's reports may overtake the merchant's; the late report is ignored")
    func reportsRace() {
        #expect(S.assigned.next(.pickedUp) == .pickedUp)
        #expect(S.pickedUp.next(.ready) == nil)
        #expect(S.assigned.next(.delivered) == .delivered)
        #expect(S.readyAndAssigned.next(.delivered) == .delivered)
    }

    @Test("terminal states never change")
    func terminalIsFinal() {
        let ends: [S] = [.delivered, .cancelled(.customer), .cancelled(.merchantRefused), .failed(.payment), .failed(.outOfStock)]
        let all: [S.Transition] = [.reserved, .paymentStarted, .paid, .accepted, .ready, .assigned, .pickedUp, .delivered,
                                   .cancel(.customer), .fail(.internalError)]
        for end in ends {
            for transition in all { #expect(end.next(transition) == nil, "\(transition) moved \(end)") }
        }
    }

    @Test("customers may cancel until a rider picked the food up")
    func cancellation() {
        #expect(S.created.next(.cancel(.customer)) == .cancelled(.customer))
        #expect(S.readyAndAssigned.next(.cancel(.customer)) == .cancelled(.customer))
        #expect(S.pickedUp.next(.cancel(.customer)) == nil)
        #expect(!S.pickedUp.isCancellable)
    }

    @Test("illegal jumps are refused")
    func illegal() {
        #expect(S.created.next(.paid) == nil)
        #expect(S.created.next(.delivered) == nil)
        #expect(S.paid.next(.ready) == nil)
        #expect(S.reserved.next(.accepted) == nil)
    }

    @Test("compensation follows from the state: stock is held after reservation, money after payment")
    func compensation() {
        #expect(!S.created.holdsStock && S.reserved.holdsStock && S.accepted.holdsStock)
        #expect(!S.pickedUp.holdsStock, "picked-up food has left the stock for good")
        #expect(!S.paymentPending.isCharged && S.paid.isCharged && S.delivered.isCharged)
        #expect(S.failed(.payment).label == "failed.payment")
        #expect(S.cancelled(.merchantRefused).label == "cancelled.merchant_refused")
    }

    @Test("over random event sequences only legal transitions happen and ends are final")
    func randomSequences() {
        let events: [S.Transition] = [.reserved, .paymentStarted, .paid, .accepted, .ready, .assigned, .pickedUp, .delivered,
                                      .cancel(.customer), .cancel(.merchantRefused), .fail(.payment), .fail(.paymentTimeout)]
        var generator = SystemLikeGenerator(seed: 42)
        for _ in 0..<2_000 {
            var state = S.created
            var ended = false
            for _ in 0..<12 {
                let event = events[Int(generator.next() % UInt64(events.count))]
                if let next = state.next(event) {
                    #expect(!ended, "an ended order moved")
                    state = next
                    ended = state.isTerminal
                }
            }
        }
    }
}

/// A tiny deterministic generator for the sequence test.
struct SystemLikeGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 11
    }
}
