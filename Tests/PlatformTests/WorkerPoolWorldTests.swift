import Foundation
import Platform
import SimKernel
import Testing
import World

/// One service fed open-loop requests: the smallest world in which a worker pool's size
/// and queue discipline decide the outcome.
private func poolWorld(rate: String, service: String, duration: String = "13m", interval: String = "10s") throws -> WorldSpec {
    let text = """
    {
      "version": 1, "name": "pool", "seed": 7, "duration": "\(duration)",
      "metrics": { "interval": "\(interval)" },
      "traffic": { "rate": \(rate), "journeys": [ { "kind": "request", "service": "backend" } ] },
      "services": { "backend": \(service) }
    }
    """
    return try WorldJSON.read(Array(text.utf8), file: "pool.json", with: WorldSpec.reader)
}

@Suite("Worker pools in a world")
struct WorkerPoolWorldTests {
    private func metric(_ outcome: WorldOutcome, _ name: String, in window: ClosedRange<Duration>? = nil) throws -> Double {
        try #require(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value(name, in: window),
                     "no metric \(name)")
    }

    @Test("workers 2 / max_workers 8: a burst starts workers after the start-up delay, and they retire after the idle timeout")
    func elasticBurst() throws {
        // Two minutes at 6/s against 2 workers of 1 s each, then a trickle.
        let spec = try poolWorld(
            rate: #"[ { "for": "2m", "rate": "6/s" }, { "for": "11m", "rate": "0.02/s" } ]"#,
            service: #"{ "workers": 2, "max_workers": 8, "worker_startup": "20s", "idle_timeout": "60s", "queue": "unbounded", "work": { "exp": "1s" } }"#)
        let outcome = try runWorld(spec)
        #expect(try metric(outcome, "backend.workers.mean", in: .zero ... .seconds(10)) == 2,
                "no worker is ready before its 20 s start-up")
        #expect(try metric(outcome, "backend.workers.max") == 8)
        #expect(try metric(outcome, "backend.workers_started") >= 6)
        #expect(try metric(outcome, "backend.workers.mean", in: .seconds(12 * 60) ... .seconds(13 * 60)) == 2,
                "the added workers retired after 60 s idle")
        #expect(try metric(outcome, "backend.workers_retired") == (try metric(outcome, "backend.workers_started")))
    }

    @Test("the autoscale rule adds 2 workers when the queue is long and utilisation was low, and not when utilisation is high")
    func autoscaleRule() throws {
        let rule = #""autoscale": { "when": { "queue_above": 20, "utilisation_below": "70%" }, "add": 2, "every": "30s", "max": 16, "startup": "10s" }"#
        let service = #"{ "workers": 4, "queue": "unbounded", "work": { "exp": "1s" }, "# + rule + "}"
        // A quiet 25 s, then a 5 s burst: at the 30 s look the queue is long and the
        // period mostly idle.
        let burst = try runWorld(try poolWorld(
            rate: #"[ { "for": "25s", "rate": "0.05/s" }, { "for": "5s", "rate": "40/s" }, { "for": "4m", "rate": "0.05/s" } ]"#,
            service: service, duration: "5m"))
        #expect(try metric(burst, "backend.autoscale.scale_ups") == 1)
        #expect(try metric(burst, "backend.workers.max") == 6)
        #expect(try metric(burst, "backend.workers.mean", in: .zero ... .seconds(30)) == 4)
        // Steady overload: the queue is long at every look, but the workers are busy.
        let busy = try runWorld(try poolWorld(
            rate: #"[ { "for": "3m", "rate": "8/s" } ]"#, service: service, duration: "3m"))
        #expect(try metric(busy, "backend.queue.max") > 20)
        #expect(try metric(busy, "backend.autoscale.scale_ups") == 0)
        #expect(try metric(busy, "backend.workers.max") == 4)
    }

    @Test("in an overloaded world LIFO and CoDel serve with a lower median latency than FIFO, and CoDel counts its drops")
    func disciplinesUnderOverload() throws {
        // 30/s against 2 workers of 100 ms (capacity 20/s) for two minutes.
        func run(_ discipline: String) throws -> WorldOutcome {
            try runWorld(try poolWorld(
                rate: #"[ { "for": "2m", "rate": "30/s" } ]"#,
                service: #"{ "workers": 2, "queue": "unbounded", "work": { "exp": "100ms" }, "queue_discipline": "# + discipline + "}",
                duration: "5m"))
        }
        let fifo = try run(#""fifo""#)
        let lifo = try run(#""lifo""#)
        let codel = try run(#"{ "kind": "codel", "target": "5ms", "interval": "100ms" }"#)
        let fifoMedian = try metric(fifo, "backend.latency.p50")
        #expect(fifoMedian > 10_000, "FIFO serves behind the whole backlog")
        #expect(try metric(lifo, "backend.latency.p50") < fifoMedian / 10)
        #expect(try metric(codel, "backend.latency.p50") < fifoMedian / 10)
        #expect(try metric(codel, "backend.rejected.codel") > 0)
        #expect(MetricQuery(metrics: fifo.metrics, end: fifo.result.endTime).value("backend.rejected.codel") == nil,
                "FIFO sheds nothing")
        // LIFO serves everything, eventually; CoDel's drops and completions add up.
        #expect(try metric(lifo, "backend.completed") == (try metric(lifo, "backend.requests")))
        #expect(try metric(codel, "backend.completed") + (try metric(codel, "backend.rejected.codel"))
                == (try metric(codel, "backend.requests")))
        // Same world, same seed, same digest.
        #expect(try run(#"{ "kind": "codel" }"#).result.digest == codel.result.digest)
    }

    @Test("a CoDel order service answers shed calls as failures to its callers")
    func codelCalls() throws {
        let outcome = try runSmall(["services.order.workers=1", "services.order.instances=1",
                                    #"services.order.queue_discipline={"kind": "codel", "target": "5ms", "interval": "50ms"}"#,
                                    #"traffic.rate=[{"for": "3m", "rate": "30/s"}]"#])
        let shed = try metric(outcome, "order.rejected.codel")
        #expect(shed > 0)
        #expect(try metric(outcome, "gateway.calls.order.failed.codel") > 0, "the gateway was answered with the failure")
    }
}

@Suite("Database pool queue discipline in a world")
struct DatabasePoolDisciplineWorldTests {
    @Test("a one-connection order pool during a database slowdown: LIFO lowers the median wait for a connection, and starves some callers into pool timeouts")
    func lifoDatabasePool() throws {
        func run(_ discipline: String) throws -> WorldOutcome {
            try runSmall([#"services.order.database={"max_open": 1, "max_idle": 1, "queue_discipline": "\#(discipline)"}"#,
                          #"faults=[{"at": "1m", "kind": "database_slowdown", "factor": 40, "for": "2m"}]"#])
        }
        let fifo = try run("fifo"), lifo = try run("lifo")
        func metric(_ outcome: WorldOutcome, _ name: String, in window: ClosedRange<Duration>? = nil) throws -> Double {
            try #require(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value(name, in: window), "no metric \(name)")
        }
        let slowdown = Duration.seconds(60) ... Duration.seconds(180)
        let fifoMedian = try metric(fifo, "order.db.wait.p50", in: slowdown)
        #expect(fifoMedian > 1000, "FIFO: callers wait behind the whole line")
        #expect(try metric(lifo, "order.db.wait.p50", in: slowdown) < fifoMedian / 4)
        #expect(try metric(lifo, "order.rejected.pool_timeout") > (try metric(fifo, "order.rejected.pool_timeout")),
                "LIFO: the oldest waiters starve until their acquire timeout")
    }
}
