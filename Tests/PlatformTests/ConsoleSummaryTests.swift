import Foundation
import Platform
import Report
import SimKernel
import Testing
import World

/// The console summary a person reads after `run`.
@Suite("Console summary")
struct ConsoleSummaryTests {
    static func console(_ outcome: WorldOutcome) -> [String] {
        HumanSummary.text(outcome, wallSeconds: 1.5, files: []).split(separator: "\n").map(String.init)
    }

    /// The numbers of a `S: N requests = a succeeded + b failed (...) + ...` line: N and
    /// the terms (numbers inside parentheses are details, not terms).
    static func terms(_ line: String) -> (requests: Int, terms: [Int])? {
        guard let equals = line.range(of: " requests = ") else { return nil }
        let head = line[..<equals.lowerBound].split(separator: " ").last!
        var depth = 0, outer = ""
        for character in line[equals.upperBound...] {
            if character == "(" { depth += 1 } else if character == ")" { depth -= 1 } else if depth == 0 { outer.append(character) }
        }
        let terms = outer.split(separator: "+").map { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0].replacingOccurrences(of: ",", with: ""))! }
        return (Int(head.replacingOccurrences(of: ",", with: ""))!, terms)
    }

    @Test("every service's requests add up: succeeded + failed + rejected + unfinished; refusals counted at callers are labelled and kept apart")
    func countsAddUp() throws {
        // Inventory takes 2 s a request; order gives up after 1 s: deadlines at the caller.
        let outcome = try runSmall(["duration=\"3m\"", "traffic.rate=\"2/s\"", #"services.inventory.work={"constant": "2s"}"#])
        let lines = Self.console(outcome)
        var checked = 0
        for line in lines {
            guard let (requests, terms) = Self.terms(line) else { continue }
            #expect(terms.reduce(0, +) == requests, "\(line)")
            checked += 1
        }
        #expect(checked == 7)
        let inventory = try #require(lines.firstIndex { $0.hasPrefix("inventory: ") })
        let deadlines = outcome.metrics.existingCounter("inventory.rejected.deadline")?.total ?? 0
        #expect(deadlines > 0)
        #expect(lines[inventory + 1].hasPrefix("  rejected at callers, not among these requests: "
            + "\(HumanSummaryFormat.grouped(Int(deadlines))) deadline (callers' timeouts ran out waiting for an answer)"))
        // A caller's timeout is never passed off as the service's own refusal.
        #expect(!lines.contains { $0.contains("deadline (refused by") })
        // No count stands unlabelled after a semicolon, as "; 33 deadline" did.
        #expect(!lines.contains { $0.range(of: #"; [0-9,]+ [a-z_]+$"#, options: .regularExpression) != nil })
    }

    @Test("services are listed in request-flow order, gateway first, notification last")
    func requestFlowOrder() throws {
        let outcome = try runSmall(["duration=\"2m\"", "traffic.rate=\"1/s\""])
        let names = Self.console(outcome).compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") else { return nil }
            let name = String(line[..<colon])
            return ServiceRole(rawValue: name) != nil ? name : nil
        }
        #expect(names == ["gateway", "auth", "menu", "order", "inventory", "payment", "dispatch", "notification"])
    }

    @Test("durations are in units that fit: no figure of a thousand milliseconds or more")
    func durationsFit() throws {
        // Inventory's 2 s work makes latencies of seconds.
        let outcome = try runSmall(["duration=\"3m\"", "traffic.rate=\"2/s\"", #"services.inventory.work={"constant": "2s"}"#])
        let text = Self.console(outcome).joined(separator: "\n")
        #expect(text.range(of: #"[0-9]{4,}(\.[0-9]+)? ?ms"#, options: .regularExpression) == nil)
        #expect(text.contains("max 2.00s") || text.range(of: #"max [0-9]\.[0-9]{2}s"#, options: .regularExpression) != nil)
    }

    @Test("too few kitchens are named as the bottleneck, with the rule of thumb that sizes them")
    func kitchenBottleneck() throws {
        let outcome = try runSmall(["duration=\"8m\"", "merchants.count=4", "merchants.kitchen=2"])
        let lines = Self.console(outcome)
        let line = try #require(lines.first { $0.hasPrefix("bottleneck: ") })
        #expect(line.hasPrefix("bottleneck: kitchens (4 merchants × 2 = 8 orders at once) ≥90% in use for "))
        let bottleneck = try #require(Bottleneck.of(outcome))
        #expect(bottleneck.saturatedShare > 0.5)
        let hint = try #require(lines.first { $0.hasPrefix("  kitchens cook about 4 × 2 ÷ 2m00s mean prepare = ") })
        #expect(hint.contains("0.067 orders/s"))
    }

    @Test("too few riders are named as the bottleneck when the kitchens keep up")
    func riderBottleneck() throws {
        let outcome = try runSmall(["duration=\"8m\"", "riders.count=6", "riders.capacity=1"])
        let line = try #require(Self.console(outcome).first { $0.hasPrefix("bottleneck: ") })
        #expect(line.hasPrefix("bottleneck: riders (6 riders × 1 orders each, while on duty) ≥90% in use for "))
        #expect(Self.console(outcome).contains { $0.hasPrefix("  riders deliver at most about 6 × 1 ÷ 2m00s mean trip = 0.050 orders/s") })
    }

    @Test("a world with room to spare has no bottleneck, and says which resource was busiest")
    func noBottleneck() throws {
        let outcome = try runSmall(["duration=\"3m\"", "traffic.rate=\"1/s\""])
        let line = try #require(Self.console(outcome).first { $0.hasPrefix("bottleneck: ") })
        #expect(line.hasPrefix("bottleneck: none — no resource was ≥90% in use for 25% of the run (busiest: "))
        #expect(Bottleneck.of(outcome) == nil)
    }

    @Test("a stall report groups tasks of one kind, and its counts add up to the stuck tasks and the daemons")
    func stallReportGrouped() {
        var waiting: [WaitingTask] = []
        for index in 0..<30 { waiting.append(WaitingTask(name: "customer-\(index)", waitingOn: "a reply from gateway", daemon: false)) }
        for index in 0..<2 { waiting.append(WaitingTask(name: "order#\(index).refund", waitingOn: "pool order#\(index).db", daemon: false)) }
        for index in 0..<37 { waiting.append(WaitingTask(name: "gateway#0.worker[\(index)]", waitingOn: "work", daemon: true)) }
        let text = StallReport(time: 300_000_000_000, waiting: waiting).description
        #expect(text == """
            world stalled at 5m: 32 task(s) can never resume
              - customer-0 waiting on a reply from gateway (and 29 more like it)
              - order#0.refund waiting on pool order#0.db (and 1 more like it)
            and 37 daemon(s) waiting, as server loops may:
              - gateway#0.worker[0] (daemon) waiting on work (and 36 more like it)
            """)
    }

    @Test("a stall report with many kinds shows a dozen and sums up the rest")
    func stallReportManyKinds() {
        let waiting = (0..<20).flatMap { kind in
            (0..<3).map { WaitingTask(name: "task\(String(UnicodeScalar(UInt8(97 + kind))))-\($0)", waitingOn: nil, daemon: false) }
        }
        let lines = StallReport(time: 0, waiting: waiting).description.split(separator: "\n")
        #expect(lines.count == 1 + 12 + 1)
        #expect(lines.last == "  - 24 more, of 8 other kind(s)")
    }

    @Test("worlds/minimal.json, the world to start from, runs to completion with every expectation met")
    func minimalWorldRunsGreen() throws {
        let outcome = try runWorld(try loadWorld("worlds/minimal.json"))
        #expect(outcome.result.stop == .completed)
        #expect(outcome.passed)
        #expect(outcome.value("orders.created") > 200)
        #expect(Bottleneck.of(outcome) == nil)
    }
}

/// Grouped thousands, as the console prints them.
enum HumanSummaryFormat {
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
