import Platform
import SimKernel
import Testing
import World

@Suite("App reports")
struct AppReportTests {
    @Test("when the order service's replies come too late for a while, merchants keep cooking what they accepted and riders keep delivering what they carry: every order ends and the world does not stall")
    func lostRepliesDoNotStall() throws {
        // Every call to the order service takes 6 s more for two minutes: past the apps'
        // 5 s report timeout, so each report's reply is lost although the order service
        // applied it (the "accepted" report moved the order, a rider is on the way).
        let outcome = try runSmall([
            #"faults=[{"kind": "latency", "target": "order", "at": "1m", "for": "2m", "extra": {"constant": "6s"}}]"#,
            "duration=null",
        ])
        guard case .completed = outcome.result.stop else {
            Issue.record("expected the world to complete, got \(outcome.result.stop)")
            return
        }
        // The window really lost replies to both apps.
        #expect(try #require(outcome.metric("merchant.reports_failed.deadline")) > 0)
        #expect(try #require(outcome.metric("rider.reports_failed.deadline")) > 0)
        let created = try #require(outcome.metric("orders.created"))
        let ended = try #require(outcome.metric("orders.completed")) + (outcome.metric("orders.cancelled") ?? 0) + (outcome.metric("orders.failed") ?? 0)
        #expect(created > 100)
        #expect(ended == created, "every order ended")
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 }, "\(outcome.invariants.violations)")
    }

    @Test("report_backoff and report_backoff_cap set how often an app repeats an unanswered report: a 1 s cap repeats more often than the default 30 s")
    func reportBackoff() throws {
        let fault = #"faults=[{"kind": "latency", "target": "order", "at": "1m", "for": "2m", "extra": {"constant": "6s"}}]"#
        let patient = try runSmall([fault])
        let eager = try runSmall([fault, #"merchants.report_backoff_cap="1s""#, #"riders.report_backoff_cap="1s""#])
        let patientAttempts = try #require(patient.metric("merchant.reports_failed.deadline"))
        let eagerAttempts = try #require(eager.metric("merchant.reports_failed.deadline"))
        #expect(eagerAttempts > patientAttempts)
    }
}
