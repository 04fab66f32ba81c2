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

    @Test("workers 2 / max_workers 8: a burst starts workers after the start-up delay, and they retire after the idle timeout")
    func elasticBurst() throws {
        // Two minutes at 6/s against 2 workers of 1 s each, then a trickle.
        let spec = try poolWorld(
            rate: #"[ { "for": "2m", "rate": "6/s" }, { "for": "11m", "rate": "0.02/s" } ]"#,
            service: #"{ "workers": 2, "max_workers": 8, "worker_startup": "20s", "idle_timeout": "60s", "queue": "unbounded", "work": { "exp": "1s" } }"#)
        let outcome = try runWorld(spec)
        let workersAtFirst = try outcome.required("backend.workers.mean", in: .zero ... .seconds(10))
        let mostWorkers = try outcome.required("backend.workers.max")
        let started = try outcome.required("backend.workers_started")
        let retired = try outcome.required("backend.workers_retired")
        // The backlog is served by about 2.5 min; every added worker is idle by then.
        let workersAtEnd = try outcome.required("backend.workers.mean", in: .seconds(6 * 60) ... .seconds(7 * 60))
        #expect(workersAtFirst == 2, "no worker is ready before its 20 s start-up")
        #expect(mostWorkers == 8)
        #expect(started >= 6)
        #expect(workersAtEnd == 2, "the added workers retired after 60 s idle")
        #expect(retired == started)
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
        let burstScaleUps = try burst.required("backend.autoscale.scale_ups")
        let burstMostWorkers = try burst.required("backend.workers.max")
        let burstWorkersBeforeLook = try burst.required("backend.workers.mean", in: .zero ... .seconds(30))
        #expect(burstScaleUps == 1)
        #expect(burstMostWorkers == 6)
        #expect(burstWorkersBeforeLook == 4)
        // Steady overload: the queue is long at every look, but the workers are busy.
        let busy = try runWorld(try poolWorld(
            rate: #"[ { "for": "3m", "rate": "8/s" } ]"#, service: service, duration: "3m"))
        let busyLongestQueue = try busy.required("backend.queue.max")
        let busyScaleUps = try busy.required("backend.autoscale.scale_ups")
        let busyMostWorkers = try busy.required("backend.workers.max")
        #expect(busyLongestQueue > 20)
        #expect(busyScaleUps == 0)
        #expect(busyMostWorkers == 4)
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
        let fifoMedian = try fifo.required("backend.latency.p50")
        #expect(fifoMedian > 10_000, "FIFO serves behind the whole backlog")
        let lifoMedian = try lifo.required("backend.latency.p50")
        let codelMedian = try codel.required("backend.latency.p50")
        let codelShed = try codel.required("backend.rejected.codel")
        let fifoShed = MetricQuery(metrics: fifo.metrics, end: fifo.result.endTime).value("backend.rejected.codel")
        #expect(lifoMedian < fifoMedian / 10)
        #expect(codelMedian < fifoMedian / 10)
        #expect(codelShed > 0)
        #expect(fifoShed == nil, "FIFO sheds nothing")
        // LIFO serves everything, eventually; CoDel's drops and completions add up.
        let (lifoCompleted, lifoRequests) = (try lifo.required("backend.completed"), try lifo.required("backend.requests"))
        let (codelCompleted, codelRequests) = (try codel.required("backend.completed"), try codel.required("backend.requests"))
        #expect(lifoCompleted == lifoRequests)
        #expect(codelCompleted + codelShed == codelRequests)
        // Same world, same seed, same digest.
        let (again, first) = (try run(#"{ "kind": "codel" }"#).result.digest, codel.result.digest)
        #expect(again == first)
    }

    @Test("a CoDel order service answers shed calls as failures to its callers")
    func codelCalls() throws {
        let outcome = try runSmall(["services.order.workers=1", "services.order.instances=1",
                                    #"services.order.queue_discipline={"kind": "codel", "target": "5ms", "interval": "50ms"}"#,
                                    #"traffic.rate=[{"for": "3m", "rate": "30/s"}]"#])
        let shed = try outcome.required("order.rejected.codel")
        #expect(shed > 0)
        let answered = try outcome.required("gateway.calls.order.failed.codel")
        #expect(answered > 0, "the gateway was answered with the failure")
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
        let slowdown = Duration.seconds(60) ... Duration.seconds(180)
        let fifoMedian = try fifo.required("order.db.wait.p50", in: slowdown)
        #expect(fifoMedian > 1000, "FIFO: callers wait behind the whole line")
        let lifoMedian = try lifo.required("order.db.wait.p50", in: slowdown)
        let (lifoTimeouts, fifoTimeouts) = (try lifo.required("order.rejected.pool_timeout"), try fifo.required("order.rejected.pool_timeout"))
        #expect(lifoMedian < fifoMedian / 4)
        #expect(lifoTimeouts > fifoTimeouts, "LIFO: the oldest waiters starve until their acquire timeout")
    }

    @Test("a CoDel order pool during a database slowdown sheds waiters as codel rejections, not pool timeouts, and its callers see them")
    func codelDatabasePool() throws {
        let outcome = try runSmall([
            #"services.order.database={"max_open": 1, "max_idle": 1, "queue_discipline": { "kind": "codel", "target": "5ms", "interval": "50ms" }}"#,
            #"faults=[{"at": "1m", "kind": "database_slowdown", "factor": 40, "for": "2m"}]"#])
        let shed = try outcome.required("order.rejected.codel")
        #expect(shed > 0, "an overloaded one-connection pool with a 5 ms target drops waiters")
        let fifo = try runSmall([#"services.order.database={"max_open": 1, "max_idle": 1}"#,
                                 #"faults=[{"at": "1m", "kind": "database_slowdown", "factor": 40, "for": "2m"}]"#])
        #expect(MetricQuery(metrics: fifo.metrics, end: fifo.result.endTime).value("order.rejected.codel") ?? 0 == 0,
                "a FIFO pool never sheds")
        let slowdown = Duration.seconds(60) ... Duration.seconds(180)
        let waitP99 = try outcome.required("order.db.wait.p99", in: slowdown)
        let fifoWaitP99 = try fifo.required("order.db.wait.p99", in: slowdown)
        #expect(waitP99 < fifoWaitP99 / 4, "shedding bounds how long a caller waits for a connection")
    }
}
