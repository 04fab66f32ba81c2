import Foundation
import Platform
import SimKernel
import Testing
import World

/// An expectation's metric name is judged before the run, exactly, against the metrics the
/// world declared while it was built: a misspelt name is found in a second, with a
/// suggestion that is a real, different name; a name the world does make is never refused.
@Suite("Expectation names checked before the run")
struct ExpectationNameTests {
    /// The problems `validate` reports for `expect` in the world at `path`.
    func problems(_ path: String, _ expect: [String], overrides: [String] = []) throws -> [String] {
        let list = expect.map { "\"\($0) >= 0\"" }.joined(separator: ", ")
        let spec = try loadWorld(path, overrides: overrides + ["expect=[\(list)]"])
        let world = try PlatformWorld(spec: spec)
        defer { world.sim.shutdown() }
        return world.expectationsNamingNothing()
    }

    /// Every world the repository ships.
    static let shippedWorlds: [String] = {
        let manager = FileManager.default
        var paths = ["worlds/baseline.json", "worlds/minimal.json", "worlds/validation/mmc.json"]
        for folder in ["worlds/incidents", "worlds/ci"] {
            let names = (try? manager.contentsOfDirectory(atPath: repositoryRoot + "/" + folder)) ?? []
            paths += names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") }.sorted().map { "\(folder)/\($0)" }
        }
        return paths
    }()

    @Test("no shipped world's expectations are refused")
    func shippedWorldsAccepted() throws {
        #expect(Self.shippedWorlds.count > 50, "the worlds were found")
        for path in Self.shippedWorlds {
            let world = try PlatformWorld(spec: loadWorld(path))
            #expect(world.expectationsNamingNothing() == [], "\(path)")
            world.sim.shutdown()
        }
    }

    @Test("misspellings inside a family are found, each with the real name meant")
    func misspeltWithinFamily() throws {
        #expect(try problems("worlds/baseline.json", ["orders.faild_ratio", "inventory.restockd", "order.rejected.deadlin",
                                                      "order.latency.p98", "orders.created.per_secnd"]) == [
            #"$.expect[0]: no metric of this world is named "orders.faild_ratio" (did you mean "orders.failed_ratio"?)"#,
            #"$.expect[1]: no metric of this world is named "inventory.restockd" (did you mean "inventory.restocked"?)"#,
            #"$.expect[2]: no metric of this world is named "order.rejected.deadlin" (did you mean "order.rejected.deadline"?)"#,
            #"$.expect[3]: no metric of this world is named "order.latency.p98" (did you mean "order.latency.p90"?)"#,
            #"$.expect[4]: no metric of this world is named "orders.created.per_secnd" (did you mean "orders.created.per_second"?)"#,
        ])
    }

    @Test("a misspelt family is found too, and a name near nothing gets no suggestion")
    func misspeltFamilyAndNothingNear() throws {
        #expect(try problems("worlds/baseline.json", ["ordes.failed_ratio", "quux.zzz"]) == [
            #"$.expect[0]: no metric of this world is named "ordes.failed_ratio" (did you mean "orders.failed_ratio"?)"#,
            #"$.expect[1]: no metric of this world is named "quux.zzz""#,
        ])
    }

    @Test("every query form of a metric the world makes is accepted, made before the run or during it")
    func everyFormAccepted() throws {
        #expect(try problems("worlds/baseline.json", [
            "orders.failed_ratio", "orders.cancelled_ratio", "orders.completed_ratio", "cache.hit_ratio",
            "inventory.restocked", "inventory.restocked.per_second", "order.rejected.deadline", "inventory.rejected_ratio",
            "app.order.failure_ratio", "app.login.failed.deadline", "order.latency.p99", "order.latency.count",
            "orders.delivery_time.p999", "gateway.queue.max", "riders.carrying.mean", "order.calls.inventory.failed.deadline",
            "order.calls.inventory.latency.p50", "invariants.oversold", "orders.failed.out_of_stock", "customers.order_failed.limited",
            "broker.orders.placed.dead_lettered.maxlen", "database.query.p99", "locks.wait.max", "wechat.requests",
            "payment.calls.payment_gateway.retries", "merchant.reports_failed.deadline", "order.state_write.p99",
        ]) == [])
    }

    @Test("a metric's wrong form is refused: a statistic a kind has not, a ratio of a route no app calls")
    func wrongForms() throws {
        let found = try problems("worlds/baseline.json", ["gateway.queue.p99", "order.latency", "app.ordr.failure_ratio",
                                                          "orders.created.p99"])
        #expect(found.count == 4, "\(found)")
        #expect(found[2] == #"$.expect[2]: no metric of this world is named "app.ordr.failure_ratio" (did you mean "app.order.failure_ratio"?)"#)
        for problem in found { #expect(!problem.contains("did you mean \"\(problem.split(separator: "\"")[1])\""), "\(problem)") }
    }

    @Test("names that depend on the world's settings are judged by the world")
    func dependOnSettings() throws {
        // Suppressed duplicates exist only with notification's dedup window; a breaker's
        // state only with a breaker.
        let names = ["notification.duplicates_suppressed", "order.calls.dispatch.breaker.open.max"]
        let baseline = try problems("worlds/baseline.json", names)
        #expect(baseline.count == 2, "\(baseline)")
        #expect(baseline.allSatisfy { $0.contains("no metric of this world is named") })
        #expect(try problems("worlds/baseline.json", names, overrides: [
            #"services.notification.dedup={"capacity": 100}"#,
            #"services.order.calls.dispatch.breaker={"kind": "sentinel", "error_ratio": "20%", "window": "30s", "min_requests": 5}"#,
        ]) == [])
        // A world without orders has no order ratios, whatever the spelling.
        #expect(try problems("worlds/validation/mmc.json", ["orders.completed_ratio", "backend.latency.p99"]) == [
            #"$.expect[0]: "orders.completed_ratio" can have no value in this world: it is computed from orders.created, which this world never records"#,
        ])
    }

    @Test("validate and run refuse misspelt names before simulating: each located, exit 2, nothing written")
    func commandLine() throws {
        let cli = CommandLineTests()
        let folder = try cli.scratch()
        let world = repositoryRoot + "/worlds/incidents/double12.json"
        let expect = #"expect=["orders.faild_ratio <= 0.1", "inventory.restockd >= 0", "order.rejected.deadlin == 0"]"#
        let located = [
            #"\#(world): $.expect[0]: no metric of this world is named "orders.faild_ratio" (did you mean "orders.failed_ratio"?)"#,
            #"\#(world): $.expect[1]: no metric of this world is named "inventory.restockd" (did you mean "inventory.restocked"?)"#,
            #"\#(world): $.expect[2]: no metric of this world is named "order.rejected.deadlin" (did you mean "order.rejected.deadline"?)"#,
        ]
        let validate = try cli.run(["validate", world, "--set", expect])
        #expect(validate.status == 2)
        #expect(validate.stderr.split(separator: "\n").map(String.init) == located, "\(validate.stderr)")
        let run = try cli.run(["run", world, "--out", folder.path + "/r", "--quiet", "--set", expect])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").map(String.init) == located, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/r"), "nothing ran, nothing written")
    }

    @Test("a run records only metrics its world declared before it ran")
    func runsRecordOnlyDeclaredMetrics() throws {
        for (path, overrides) in [
            ("worlds/minimal.json", [String]()),
            ("worlds/validation/mmc.json", ["traffic.customers=300"]),
            ("worlds/ci/faults-infrastructure.json", []),
            ("worlds/ci/broker-dedup.json", []),
        ] {
            let outcome = try runWorld(loadWorld(path, overrides: overrides))
            #expect(outcome.metrics.undeclared == [], "\(path)")
            #expect(outcome.metrics.counters.count > 3, "\(path) recorded metrics")
        }
    }

    @Test("a declaration makes no metric, and a metric made without one is found")
    func declarationsMakeNothing() throws {
        let sim = Simulation(seed: 1)
        sim.metrics.declare(.counter, "order.rejected", reasons: ["deadline", "queue_full"])
        sim.metrics.declare(.histogram, "order.latency")
        #expect(sim.metrics.counters.isEmpty && sim.metrics.histograms.isEmpty)
        #expect(sim.metrics.vocabulary.kind(of: "order.rejected.deadline") == .counter)
        #expect(sim.metrics.vocabulary.kind(of: "order.rejected.deadlin") == nil)
        sim.metrics.counter("order.rejected.deadline").add(1)
        sim.metrics.counter("order.latency").add(1) // declared, but as a histogram
        sim.metrics.gauge("order.queue").set(2)
        #expect(sim.metrics.undeclared == ["order.latency", "order.queue"])
    }
}
