public import Platform
public import World
import SimKernel

/// The summary of one run, as written to `summary.json`: what ran, how it ended, its
/// digest, and every metric over the whole run.
///
/// Identical world + seed ⇒ identical bytes: keys are sorted, numbers are printed in their
/// shortest round-trip form, and nothing depends on the wall clock or the machine.
public struct RunSummary: Sendable {
    /// The summary as JSON.
    public let json: JSONValue

    /// Summarises `outcome`.
    public init(_ outcome: WorldOutcome) {
        let result = outcome.result
        let metrics = outcome.metrics
        let end = result.endTime
        var root: [(String, JSONValue)] = [
            ("world", .string(outcome.spec.name)),
            ("description", .string(outcome.spec.description)),
            ("seed", .int(Int(outcome.spec.seed))),
            ("digest", .string(result.digestHex)),
            // Which trace format wrote the digest: digests compare only within a version.
            ("trace_format", .int(Trace.formatVersion)),
            ("stop", Self.stop(result.stop)),
            ("simulated_seconds", .double(Double(end) / 1e9)),
            ("events", .int(result.events)),
            ("kernel", .object([("jobs", .int(result.jobs)), ("timers", .int(result.timers))])),
            ("counters", .object(metrics.counters.map { ($0.name, .int(Int($0.total))) })),
            ("latencies_ms", .object(metrics.histograms.map { ($0.name, Self.latency($0.total)) })),
            ("gauges", .object(metrics.gauges.map { ($0.name, .object([
                ("mean", .double($0.mean(at: end))), ("max", .double($0.maximum)), ("last", .double($0.value)),
            ])) })),
            ("services", .object(outcome.spec.services.map { ($0.name, Self.service($0, metrics: metrics, end: end)) })),
            ("passed", .bool(outcome.passed)),
            ("expectations", .array(outcome.expectations.map { result in
                .object([("expect", .string(result.expectation.text)),
                         ("actual", result.actual.map { .double($0) } ?? .null),
                         ("passed", .bool(result.passed)), ("message", .string(result.message))])
            })),
        ]
        if outcome.spec.hasPlatform {
            root.append(("orders", Self.orders(metrics)))
            root.append(("invariants", .object([
                ("oversold", .int(outcome.invariants.oversold)),
                ("double_charges", .int(outcome.invariants.doubleCharges)),
                ("unrefunded_charges", .int(outcome.invariants.unrefundedCharges)),
                ("orders_lost", .int(outcome.invariants.ordersLost)),
                ("messages_lost", .int(outcome.invariants.messagesLost)),
                ("rider_over_capacity", .int(outcome.invariants.riderOverCapacity)),
                ("double_assignments", .int(outcome.invariants.doubleAssignments)),
                ("orders_in_flight", .int(outcome.invariants.ordersInFlight)),
            ])))
            let hits = metrics.existingCounter("cache.hits")?.total ?? 0
            let misses = metrics.existingCounter("cache.misses")?.total ?? 0
            root.append(("cache", .object([
                ("hits", .int(Int(hits))), ("misses", .int(Int(misses))),
                ("hit_ratio", hits + misses > 0 ? .double(Double(hits) / Double(hits + misses)) : .null),
            ])))
        }
        if let theory = Self.theory(outcome) { root.append(("theory", theory)) }
        json = .object(root)
    }

    /// The summary as canonical JSON text (what `summary.json` contains).
    public var text: String { CanonicalJSON.string(json) }

    static func stop(_ stop: StopReason) -> JSONValue {
        var fields: [(String, JSONValue)] = [("reason", .string(stop.label))]
        switch stop {
        case .stalled(let report):
            fields.append(("detail", .string(report.description)))
            fields.append(("waiting", .array(report.waiting.map { task in
                .object([("task", .string(task.name)), ("waiting_on", .string(task.waitingOn ?? "")),
                         ("daemon", .bool(task.daemon))])
            })))
        case .violation(let message), .failed(let message):
            fields.append(("detail", .string(message)))
        case .budgetExhausted(let steps):
            fields.append(("steps", .int(steps)))
        case .completed, .reachedEndTime:
            break
        }
        return .object(fields)
    }

    /// A latency histogram in milliseconds.
    static func latency(_ histogram: Histogram) -> JSONValue {
        func ms(_ nanoseconds: Int64?) -> JSONValue { nanoseconds.map { .double(Double($0) / 1e6) } ?? .null }
        return .object([
            ("count", .int(histogram.count)),
            ("mean", histogram.mean.map { .double($0 / 1e6) } ?? .null),
            ("p50", ms(histogram.quantile(0.5))),
            ("p90", ms(histogram.quantile(0.9))),
            ("p99", ms(histogram.quantile(0.99))),
            ("p999", ms(histogram.quantile(0.999))),
            ("max", ms(histogram.count > 0 ? histogram.max : nil)),
        ])
    }

    /// Orders by terminal state and reason.
    static func orders(_ metrics: Metrics) -> JSONValue {
        let total = metrics.total
        func byReason(_ prefix: String) -> JSONValue { Self.byReason(metrics, prefix) }
        return .object([
            ("created", .int(total("orders.created"))),
            ("delivered", .int(total("orders.delivered"))),
            ("cancelled", .int(total("orders.cancelled"))),
            ("cancelled_by", byReason("orders.cancelled.")),
            ("failed", .int(total("orders.failed"))),
            ("failed_by", byReason("orders.failed.")),
            ("in_flight_at_end", .int(total("orders.in_flight_at_end"))),
        ])
    }

    /// Per-service figures derived from the raw metrics: requests, successes, failed
    /// answers and rejections by reason, throughput, utilisation, client-side call figures, and Little's law (L from the
    /// time-averaged gauges, λ·W from the completions).
    static func service(_ spec: ServiceSpec, metrics: Metrics, end: Int64) -> JSONValue {
        let name = spec.name
        let seconds = Double(end) / 1e9
        let completed = Double(metrics.existingCounter("\(name).completed")?.total ?? 0)
        let queue = metrics.existingGauge("\(name).queue")?.mean(at: end) ?? 0
        let busy = metrics.existingGauge("\(name).busy")?.mean(at: end) ?? 0
        // Busy time over the time of the workers present (elastic pools grow and shrink,
        // crashed instances have none), not over a fixed count.
        let workers = metrics.existingGauge("\(name).workers")?.mean(at: end) ?? 0
        let latency = metrics.existingHistogram("\(name).latency")?.total.mean.map { $0 / 1e9 }
        let throughput = seconds > 0 ? completed / seconds : 0
        let total = metrics.total
        func byReason(_ prefix: String) -> JSONValue { Self.byReason(metrics, prefix) }
        var fields: [(String, JSONValue)] = [
            ("requests", .int(total("\(name).requests"))),
            ("succeeded", .int(total("\(name).succeeded"))),
            ("failed", byReason("\(name).failed.")),
            ("throughput_per_s", .double(throughput)),
            ("utilisation", .double(workers > 0 ? busy / workers : 0)),
            ("mean_workers", .double(workers)),
            ("mean_queue", .double(queue)),
            ("mean_in_system", .double(queue + busy)),
        ]
        if let latency {
            fields.append(("littles_law", .object([
                ("L", .double(queue + busy)), ("lambda_W", .double(throughput * latency)),
            ])))
        }
        // Refused by the instance (queue_full, pool_timeout, limited) or, seen from its
        // callers, shed by their breakers (breaker_open) or abandoned at their deadline.
        fields.append(("rejected", byReason("\(name).rejected.")))
        if let wait = metrics.existingHistogram("\(name).db.wait")?.total, wait.count > 0 {
            fields.append(("pool_wait_ms", Self.latency(wait)))
        }
        let callsPrefix = "\(name).calls."
        var callees: [String] = []
        for counter in metrics.counters where counter.name.hasPrefix(callsPrefix) {
            let callee = String(counter.name.dropFirst(callsPrefix.count).split(separator: ".").first ?? "")
            if !callees.contains(callee) { callees.append(callee) }
        }
        fields.append(("calls", .object(callees.map { callee in (callee, byReason("\(callsPrefix)\(callee).")) })))
        return .object(fields)
    }

    /// The counters under `prefix` as an object: rest of the name → total.
    static func byReason(_ metrics: Metrics, _ prefix: String) -> JSONValue {
        .object(metrics.totals(prefix: prefix).map { ($0.name, .int($0.total)) })
    }

    /// For a world that is an M/M/c queue: Erlang C's figures next to the measured ones.
    /// A world of that shape with faults says so instead: `{"model", "applicable": false,
    /// "reason"}`, never the unfaulted figures beside a faulted run.
    static func theory(_ outcome: WorldOutcome) -> JSONValue? {
        if let reason = outcome.spec.erlangCInapplicable {
            return .object([("model", .string("M/M/c (Erlang C)")), ("applicable", .bool(false)),
                            ("reason", .string(reason))])
        }
        guard let (name, model) = outcome.spec.erlangCModel else { return nil }
        let metrics = outcome.metrics
        guard let wait = metrics.existingHistogram("\(name).wait")?.total, wait.count > 0,
              let latency = metrics.existingHistogram("\(name).latency")?.total.mean else { return nil }
        let waited = Double(metrics.existingCounter("\(name).waited")?.total ?? 0) / Double(wait.count)
        func pair(_ theory: Double, _ measured: Double) -> JSONValue {
            .object([("theory", .double(theory)), ("measured", .double(measured)),
                     ("relative_error", .double(theory == 0 ? 0 : (measured - theory) / theory))])
        }
        return .object([
            ("model", .string("M/M/c (Erlang C)")),
            ("applicable", .bool(true)),
            ("service", .string(name)),
            ("servers", .int(model.servers)),
            ("utilisation", .double(model.utilisation)),
            ("mean_wait_s", pair(model.meanWait, wait.mean! / 1e9)),
            ("mean_sojourn_s", pair(model.meanSojourn, latency / 1e9)),
            ("probability_of_waiting", pair(model.probabilityOfWaiting, waited)),
        ])
    }
}
