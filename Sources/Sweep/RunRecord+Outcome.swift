public import Platform
import SimKernel
import World

extension RunRecord {
    /// The record of a finished run: every metric under the names expectations use, and
    /// each of `chosen`'s steady-state figures (MSER-5 on the per-interval series when
    /// `warmupDeletion`, batch means after it).
    public init(outcome: WorldOutcome, configuration: Int, chosen: [String], warmupDeletion: Bool) {
        let metrics = outcome.metrics
        let end = outcome.result.endTime
        let query = MetricQuery(metrics: metrics, end: end)
        var values: [String: Double] = [:]
        func put(_ name: String) {
            if let value = query.value(name), value.isFinite { values[name] = value }
        }
        let counters = metrics.counters.map(\.name)
        for name in counters { put(name) }
        for histogram in metrics.histograms {
            for statistic in MetricQuery.histogramStatistics { put("\(histogram.name).\(statistic)") }
        }
        for gauge in metrics.gauges {
            for statistic in MetricQuery.gaugeStatistics { put("\(gauge.name).\(statistic)") }
        }
        // The ratios expectations know, wherever their parts exist.
        if metrics.existingCounter("orders.created") != nil {
            for ratio in CounterFormulas.orderRatios { put(ratio.name) }
        }
        put(CounterFormulas.cacheHitRatio)
        for service in outcome.spec.services where metrics.existingCounter("\(service.name).requests") != nil {
            put("\(service.name).rejected_ratio")
        }
        var routes: [String] = []
        for name in counters where name.hasPrefix("app.") {
            let parts = name.split(separator: ".")
            if parts.count >= 3, parts[2] == "ok" || parts[2] == "failed" {
                let route = "app.\(parts[1])"
                if !routes.contains(route) { routes.append(route) }
            }
        }
        for route in routes { put("\(route).failure_ratio") }
        // Queueing theory beside the measurement, for the charts.
        if let (service, model) = outcome.spec.erlangCModel {
            let prefix = ErlangCFigures.prefix + service
            values["\(prefix).wait.mean"] = model.meanWait * 1000
            values["\(prefix).latency.mean"] = model.meanSojourn * 1000
            values["\(prefix).queue.mean"] = model.meanQueueLength
            values["\(prefix).busy.mean"] = model.offeredLoad
        }

        // The per-service figures summary.json derives (not expectation names, so they
        // are judged over the whole run): utilisation and throughput, the sizing figures.
        let seconds = Double(end) / 1e9
        for service in outcome.spec.services where metrics.existingCounter("\(service.name).requests") != nil {
            let busy = metrics.existingGauge("\(service.name).busy")?.mean(at: end) ?? 0
            let workers = metrics.existingGauge("\(service.name).workers")?.mean(at: end) ?? 0
            values["\(service.name).utilisation"] = workers > 0 ? busy / workers : 0
            let completed = Double(metrics.existingCounter("\(service.name).completed")?.total ?? 0)
            values["\(service.name).throughput_per_s"] = seconds > 0 ? completed / seconds : 0
        }

        let rows = metrics.timeSeries?.rows ?? []
        let steady = chosen.map { metric -> SteadyState in
            guard query.value(metric) != nil else {
                // A derived figure has no per-interval series: the whole run's value.
                return SteadyState(metric: metric, deletedSeconds: 0, value: values[metric], batchMean: nil, batchHalfWidth: nil)
            }
            // One value per interval of the time series (windows on exact row edges).
            let series = rows.compactMap { row in
                query.value(metric, in: Duration.nanoseconds(row.start)...Duration.nanoseconds(row.end))
            }
            let deleted = warmupDeletion && series.count == rows.count ? WarmupDeletion.truncation(series) : 0
            let from = deleted > 0 ? rows[deleted].start : 0
            let value = deleted > 0
                ? query.value(metric, in: Duration.nanoseconds(from)...Duration.nanoseconds(max(end, from + 1)))
                : query.value(metric)
            let batches = BatchMeans.interval(Array(series.dropFirst(deleted)))
            return SteadyState(metric: metric, deletedSeconds: Double(from) / 1e9,
                               value: value.flatMap { $0.isFinite ? $0 : nil },
                               batchMean: batches?.mean, batchHalfWidth: batches?.halfWidth)
        }
        self.init(configuration: configuration, seed: outcome.spec.seed, digest: outcome.result.digestHex,
                  stop: outcome.result.stop.label, passed: outcome.passed, events: outcome.result.events,
                  simulatedSeconds: Double(end) / 1e9, values: values, counters: counters, steady: steady)
    }
}
