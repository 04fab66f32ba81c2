import Resilience
import SimKernel
import Synchronization
import Testing

/// Counts transitions an executor reports.
private final class Transitions: Sendable {
    private let storage = Mutex<[CircuitState]>([])
    func append(_ state: CircuitState) { storage.withLock { $0.append(state) } }
    var states: [CircuitState] { storage.withLock { $0 } }
}

@Suite("CircuitBreakerExecutors: a breaker kind chosen at run time")
struct CircuitBreakerRunningTests {
    /// A breaker of the kind named, as configuration would choose it.
    static func breaker(_ kind: String) throws -> any CircuitBreaking<VInstant> {
        if kind == "sentinel" {
            return DegradeBreaker(try DegradeRule(strategy: .errorCount(1), timeWindow: .seconds(10), minRequestAmount: 2))
        }
        return CircuitBreaker(try CircuitBreakerConfiguration(minimumNumberOfCalls: 2, slidingWindowSize: 2,
                                                          waitDurationInOpenState: .seconds(10)))
    }

    @Test("either kind, held as any CircuitBreakerRunning, opens on failures and then serves the fallback",
          arguments: ["resilience4j", "sentinel"])
    func opensAndFallsBack(kind: String) throws {
        let transitions = Transitions()
        let answers = try inWorld { clock in
            let executor = CircuitBreakerExecutors.make(try Self.breaker(kind), clock: clock, listener: { event in
                if case .transition(let transition) = event { transitions.append(transition.to) }
            })
            var answers: [String] = []
            for _ in 0..<3 {
                let answer = try await executor.execute({ () async throws -> String in
                    try await clock.sleep(for: .milliseconds(10))
                    throw BackendError.unavailable
                }, fallback: { cause in
                    if case .notPermitted = cause { return "cached" }
                    return "failed"
                })
                answers.append(answer)
            }
            return answers
        }
        #expect(answers == ["failed", "failed", "cached"])
        #expect(transitions.states == [.open])
    }

    @Test("errors the caller marks as ignored do not open the breaker")
    func ignoredErrors() throws {
        let state = try inWorld { clock in
            let executor = CircuitBreakerExecutors.make(try Self.breaker("resilience4j"), clock: clock,
                                                        isIgnored: { $0 is BackendError })
            for _ in 0..<5 { _ = try? await executor.execute { () async throws -> Int in throw BackendError.unavailable } }
            return executor.state
        }
        #expect(state == .closed)
    }
}
