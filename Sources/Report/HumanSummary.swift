public import Platform
import SimKernel
import World

/// The few lines `run` prints: how the run ended, its digest, the key figures per
/// service, the theory check when there is one, and where the files went.
public enum HumanSummary {
    /// The summary text; `wallSeconds` is the only figure not in `summary.json` (it
    /// depends on the machine).
    public static func text(_ outcome: WorldOutcome, wallSeconds: Double, files: [String]) -> String {
        let result = outcome.result
        let spec = outcome.spec
        var lines: [String] = []
        let simulated = ReadableDuration.compact(nanoseconds: result.endTime)
        let steps = result.jobs + result.timers
        lines.append("world \(spec.name) seed \(spec.seed): \(result.stop.label) at \(simulated) simulated, "
            + "\(grouped(result.events)) events in \(ReadableDuration.compact(nanoseconds: Int64(wallSeconds * 1e9))) wall "
            + "(\(rate(Double(steps) / max(wallSeconds, 1e-9))) kernel steps/s)")
        lines.append("digest \(result.digestHex)")
        lines += stopLines(result.stop)
        let metrics = outcome.metrics
        for service in requestFlowOrder(spec.services) {
            let name = service.name
            if service.role == .notification {
                // Its consumers take work from the broker, not requests from callers.
                lines.append("\(name): \(grouped(metrics.total("\(name).pushed"))) notifications pushed by broker consumers")
                continue
            }
            lines += serviceLines(name, metrics, running: result.stop == .reachedEndTime || !result.stop.isSuccess)
            for figure in metrics.total("\(name).waited") > 0 ? ["wait", "latency"] : ["latency"] {
                guard let histogram = metrics.existingHistogram("\(name).\(figure)")?.total, histogram.count > 0 else { continue }
                lines.append("  \(figure.padding(8)) mean \(ms(histogram.mean!)) p50 \(ms(histogram.quantile(0.5)!)) "
                    + "p99 \(ms(histogram.quantile(0.99)!)) p999 \(ms(histogram.quantile(0.999)!)) max \(ms(histogram.max))")
            }
        }
        if let (name, model) = spec.erlangCModel,
           let wait = metrics.existingHistogram("\(name).wait")?.total, wait.count > 0 {
            let waited = Double(metrics.existingCounter("\(name).waited")?.total ?? 0) / Double(wait.count)
            lines.append("Erlang C (c=\(model.servers), ρ=\(fixed(model.utilisation, 3))): "
                + "Wq \(fixed(model.meanWait, 4)) s, measured \(fixed(wait.mean! / 1e9, 4)) s "
                + "(\(signedPercent(wait.mean! / 1e9, model.meanWait))); "
                + "P(wait) \(fixed(model.probabilityOfWaiting, 4)), measured \(fixed(waited, 4))")
        }
        if let reason = spec.erlangCInapplicable {
            lines.append("Erlang C: not applicable — " + reason)
        }
        if !spec.hasPlatform { lines += bottleneckLines(outcome) }
        if spec.hasPlatform {
            let total = metrics.total
            lines.append("orders: \(grouped(total("orders.created"))) created, \(grouped(total("orders.delivered"))) delivered, "
                + "\(grouped(total("orders.cancelled"))) cancelled, \(grouped(total("orders.failed"))) failed, "
                + "\(grouped(outcome.invariants.ordersInFlight)) in flight at the end")
            var shared = ["breaker transitions \(grouped(total("breakers.transitions")))"]
            let lookups = total("cache.hits") + total("cache.misses")
            if lookups > 0 { shared.append("cache hit ratio \(fixed(Double(total("cache.hits")) / Double(lookups), 3))") }
            if let locks = metrics.existingHistogram("locks.wait")?.total, locks.count > 0 {
                shared.append("lock waits \(grouped(Int(locks.count))), mean \(ms(locks.mean!)), max \(ms(locks.max))")
            }
            lines.append(shared.joined(separator: "; "))
            lines += bottleneckLines(outcome)
            let broken = outcome.invariants.violations.filter { $0.count > 0 }
            lines.append(broken.isEmpty ? "invariants: all hold"
                : "invariants VIOLATED: " + broken.map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        lines += outcome.expectations.map(line(for:))
        if !files.isEmpty { lines.append("wrote " + files.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    /// Why the run exits non-zero, one line each (empty when it passed): how it ended if
    /// not normally, violated invariants, failed expectations. `--quiet` still prints these.
    public static func problems(_ outcome: WorldOutcome) -> [String] {
        guard !outcome.passed else { return [] }
        var lines = stopLines(outcome.result.stop)
        let broken = outcome.invariants.violations.filter { $0.count > 0 }
        if !broken.isEmpty { lines.append("invariants VIOLATED: " + broken.map { "\($0.name) \($0.count)" }.joined(separator: ", ")) }
        lines += outcome.expectations.filter { !$0.passed }.map(line(for:))
        return lines
    }

    /// What to say about how a run ended, when it did not end normally.
    static func stopLines(_ stop: StopReason) -> [String] {
        switch stop {
        case .stalled(let report): [report.description]
        case .violation(let message): ["determinism violation: \(message)"]
        case .failed(let message): ["stopped on a programming error: \(message)"]
        case .budgetExhausted(let steps): ["stopped by the event budget after \(grouped(steps)) steps"]
        case .completed, .reachedEndTime: []
        }
    }

    static func line(for result: ExpectationResult) -> String {
        let actual = result.actual.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : fixed($0, 4) } ?? "n/a"
        return "\(result.passed ? "✓" : "✗ FAILED") \(result.expectation.text)  (measured \(actual))"
            + (result.passed || result.actual != nil ? "" : ": \(result.message)")
    }

    /// A latency in the unit that fits it (`0.412ms`, `468ms`, `7m48s`).
    static func ms(_ nanoseconds: Double) -> String { ReadableDuration.compact(nanoseconds: Int64(nanoseconds.rounded())) }

    static func ms(_ nanoseconds: Int64) -> String { ms(Double(nanoseconds)) }

    static func signedPercent(_ measured: Double, _ theory: Double) -> String {
        let error = (measured - theory) / theory * 100
        return (error >= 0 ? "+" : "") + fixed(error, 2) + "%"
    }

    /// `value` with `digits` decimals, without locale.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = Int64(scaled) - whole * Int64(scale)
            let digitsText = String(fraction)
            text += "." + String(repeating: "0", count: digits - digitsText.count) + digitsText
        }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    static func rate(_ perSecond: Double) -> String {
        perSecond >= 1e6 ? "\(fixed(perSecond / 1e6, 2)) M" : perSecond >= 1e3 ? "\(fixed(perSecond / 1e3, 1)) k" : fixed(perSecond, 0)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
