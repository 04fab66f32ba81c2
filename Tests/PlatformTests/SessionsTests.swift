@testable import Platform
import SimKernel
import Testing

/// The session table accepts a token for its customer until it expires, and nothing else:
/// not another customer's, not an altered one, not one it never issued.
@Suite("Sessions")
struct SessionsTests {
    @Test("a token is valid for its customer until its session expires")
    func validUntilExpiry() {
        let sessions = Sessions(sim: Simulation(seed: 1), ttl: .seconds(60))
        let token = sessions.issue(customer: 7, now: 0)
        #expect(sessions.isValid(customer: 7, token: token, now: 59_999_999_999))
        #expect(!sessions.isValid(customer: 7, token: token, now: 60_000_000_000))
        #expect(!sessions.isValid(customer: 8, token: token, now: 0), "another customer's token")
    }

    @Test("an altered or invented token is refused, whatever session it names")
    func forgedTokens() {
        let sessions = Sessions(sim: Simulation(seed: 1), ttl: .seconds(60))
        let first = sessions.issue(customer: 1, now: 0)
        let second = sessions.issue(customer: 2, now: 0)
        #expect(first != second)
        #expect(!sessions.isValid(customer: 1, token: first ^ 0b10, now: 0), "its signature changed")
        #expect(!sessions.isValid(customer: 2, token: first, now: 0), "customer 2 showing customer 1's token")
        #expect(!sessions.isValid(customer: 2, token: second &+ (1 << 32), now: 0), "naming a session never issued")
        #expect(!sessions.isValid(customer: 1, token: -first, now: 0))
        #expect(!sessions.isValid(customer: 1, token: 0, now: 0))
    }

    @Test("a returning customer's app holds its latest valid token, and none once it expired")
    func returningCustomer() {
        let sessions = Sessions(sim: Simulation(seed: 1), ttl: .seconds(60))
        _ = sessions.issue(customer: 3, now: 0)
        let latest = sessions.issue(customer: 3, now: 10_000_000_000)
        #expect(sessions.existing(customer: 3, now: 30_000_000_000) == latest)
        #expect(sessions.existing(customer: 3, now: 70_000_000_000) == nil)
        #expect(sessions.existing(customer: 4, now: 0) == nil)
    }
}
