import Platform
import SimKernel
import Testing
import World

/// Every database operation holds a pooled connection and pays the database's time: a
/// slower database stretches order transitions, an exhausted pool holds up dispatch
/// claims, an order's state write without a connection is retried until it lands, and the
/// orders table is the one record of an order's state.
@Suite("Database")
struct DatabaseTests {

    /// A histogram's figure, failing the test when the metric does not exist.
    func figure(_ outcome: WorldOutcome, _ name: String, in window: ClosedRange<Duration>? = nil) throws -> Double {
        try #require(MetricQuery(metrics: outcome.metrics, end: outcome.result.endTime).value(name, in: window), "\(name) missing")
    }

    @Test("a database slowdown stretches the order service's state writes and its requests")
    func slowdownStretchesTransitions() throws {
        let slowdown = #"faults=[{"kind": "database_slowdown", "at": "1m", "for": "3m", "factor": 20}]"#
        let normal = try runSmall()
        let slowed = try runSmall([slowdown])
        let window = minutes(1.5, 3.5)
        let writeBefore = try figure(normal, "order.state_write.p50", in: window)
        let writeDuring = try figure(slowed, "order.state_write.p50", in: window)
        #expect(writeBefore > 0)
        #expect(writeDuring > 10 * writeBefore, "each transition is a write statement: ×20 work")
        let latencyBefore = try figure(normal, "order.latency.mean", in: window)
        let latencyDuring = try figure(slowed, "order.latency.mean", in: window)
        #expect(latencyDuring > 3 * latencyBefore, "order requests wait for their statements")
        // Outside the window the statements cost what they did.
        let after = minutes(6, 8)
        #expect(try figure(slowed, "database.query.p50", in: after) < 2 * figure(normal, "database.query.p50", in: after))
    }

    @Test("an exhausted connection pool holds up dispatch's claims: searches wait for connections and time out")
    func exhaustedPoolBlocksDispatch() throws {
        let tinyPool = #"services.dispatch.database={"max_open": 1, "max_idle": 1, "acquire_timeout": "200ms"}"#
        let slowdown = #"faults=[{"kind": "database_slowdown", "at": "1m", "for": "2m", "factor": 50}]"#
        let normal = try runSmall([tinyPool])
        let blocked = try runSmall([tinyPool, slowdown])
        let window = minutes(1, 3)
        #expect(try figure(normal, "dispatch.rejected.pool_timeout") == 0, "one connection is enough at normal speed")
        #expect(try figure(blocked, "dispatch.rejected.pool_timeout", in: window) > 0)
        #expect(try figure(blocked, "dispatch.db.wait.max", in: window) >= 200, "callers waited the whole acquire timeout")
        #expect(try figure(blocked, "dispatch.db.wait.p99", in: window) > 10 * figure(normal, "dispatch.db.wait.p99", in: window))
        #expect(try figure(blocked, "dispatch.latency.mean", in: window) > 3 * figure(normal, "dispatch.latency.mean", in: window))
        // The orders still find riders once the database recovers.
        #expect(blocked.invariants.violations.allSatisfy { $0.count == 0 })
        #expect(blocked.invariants.ordersInFlight == 0)
    }

    @Test("an order's state write that finds no connection is retried until it lands: every order still ends, none twice")
    func stateWritesRetriedUntilTheyLand() throws {
        let tinyPool = #"services.order.database={"max_open": 2, "max_idle": 2, "acquire_timeout": "50ms"}"#
        let slowdown = #"faults=[{"kind": "database_slowdown", "at": "1m", "for": "2m", "factor": 30}]"#
        let outcome = try runSmall([tinyPool, slowdown])
        let window = minutes(1, 3)
        #expect(try figure(outcome, "order.rejected.pool_timeout", in: window) > 0)
        #expect(try figure(outcome, "order.state_write_retries", in: window) > 0)
        #expect(try figure(outcome, "order.state_write_retries", in: minutes(0, 0.9)) == 0)
        #expect(try figure(outcome, "order.state_write.max", in: window) > 50, "a retried write waited out at least one acquire timeout")
        // Every order created reached an end exactly once, the writes included.
        let created = try figure(outcome, "orders.created")
        let ended = try figure(outcome, "orders.completed") + figure(outcome, "orders.cancelled") + figure(outcome, "orders.failed")
        #expect(created > 100)
        #expect(ended == created)
        #expect(outcome.invariants.ordersInFlight == 0)
        #expect(outcome.invariants.violations.allSatisfy { $0.count == 0 })
    }

    @Test("state_write_backoff spaces the retries of a state write: a longer backoff retries less often")
    func stateWriteBackoff() throws {
        let tinyPool = #"services.order.database={"max_open": 2, "max_idle": 2, "acquire_timeout": "50ms"}"#
        let slowdown = #"faults=[{"kind": "database_slowdown", "at": "1m", "for": "2m", "factor": 30}]"#
        let quick = try runSmall([tinyPool, slowdown, #"services.order.state_write_backoff="10ms""#,
                                  #"services.order.state_write_backoff_cap="10ms""#])
        let patient = try runSmall([tinyPool, slowdown, #"services.order.state_write_backoff="2s""#,
                                    #"services.order.state_write_backoff_cap="2s""#])
        let window = minutes(1, 3)
        // Per write: a patient service has more writes waiting at once (each waits
        // longer), so its total can come near the quick one's; each write retries less.
        let quickRetries = try figure(quick, "order.state_write_retries", in: window)
            / figure(quick, "order.state_write.count", in: window)
        let patientRetries = try figure(patient, "order.state_write_retries", in: window)
            / figure(patient, "order.state_write.count", in: window)
        #expect(patientRetries > 0)
        // Measured: 0.64 against 1.27 (most writes land on their first retry once the
        // spacing lets the pool drain; the quick ones often need several).
        #expect(patientRetries < quickRetries * 0.6, "2 s between tries: \(patientRetries) retries per write against \(quickRetries)")
        #expect(patient.invariants.ordersInFlight == 0, "the writes land all the same")
    }

    @Test("the order book's count of open orders is the orders table's, mid-run too")
    func orderBookAgreesWithTheTable() throws {
        // Cut while orders are in flight (the first are delivered by then).
        let outcome = try runSmall([#"duration="6m""#])
        let open = try #require(outcome.metrics.existingGauge("orders.open")).value
        #expect(outcome.invariants.ordersInFlight > 0)
        #expect(Int(open) == outcome.invariants.ordersInFlight, "the table is the truth; the book only counts")
        let created = try figure(outcome, "orders.created")
        let ended = try figure(outcome, "orders.completed") + figure(outcome, "orders.cancelled") + figure(outcome, "orders.failed")
        #expect(Int(created - ended) == outcome.invariants.ordersInFlight)
    }
}
