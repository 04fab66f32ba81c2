import Report
public import World

extension BenchReport {
    /// The results for machines: the model and its exact figures, the machine, and per
    /// implementation its status, every run and the medians. Keys in canonical order.
    public var json: JSONValue {
        .object([
            ("benchmark", .string("M/M/c queue through each implementation, each run in its own child process")),
            ("model", .object([
                ("servers", .int(theory.servers)),
                ("arrival_rate_per_s", .double(theory.arrivalRate)),
                ("service_rate_per_s", .double(theory.serviceRate)),
                ("utilisation", .double(theory.utilisation)),
            ])),
            ("customers", .int(customers)),
            ("repeats", .int(repeats)),
            ("seed", .int(Int(seed))),
            ("erlang_c", Self.figures(wait: theory.meanWait, sojourn: theory.meanSojourn,
                                      probability: theory.probabilityOfWaiting)),
            ("machine", .object([
                ("cores", .int(machine.cores)),
                ("load_average_at_start", .array(machine.loadAverage.map(JSONValue.double))),
                ("swift_version", .string(machine.swiftVersion)),
                ("build_configuration", .string(machine.buildConfiguration)),
                ("operating_system", .string(machine.operatingSystem)),
                ("huge_page_heap", .bool(machine.hugePageHeap)),
                ("tool_version", .string(ToolVersion.number)),
            ])),
            ("implementations", .array(rows.map(json))),
            ("scaling", .array(scaling.map(json))),
        ])
    }

    func json(_ row: ScalingRow) -> JSONValue {
        var members: [(String, JSONValue)] = [("factor", .int(row.factor))]
        if let failure = row.failure {
            members += [("status", .string("failed")), ("reason", .string(failure))]
        } else {
            members += [
                ("status", .string("measured")),
                ("median", .object([
                    ("run_seconds", .double(row.median(\.figures.runSeconds)!)),
                    ("wall_seconds", .double(row.median(\.process.wallSeconds)!)),
                    ("user_seconds", .double(row.median(\.process.userSeconds)!)),
                    ("peak_rss_bytes", .int(Int(row.median { Double($0.process.peakResidentBytes) }!))),
                    ("user_seconds_per_order", .double(row.median(\.userSecondsPerOrder)!)),
                ])),
                ("runs", .array(row.runs.map { run in
                    .object([
                        ("orders_created", .int(run.figures.ordersCreated)),
                        ("orders_delivered", .int(run.figures.ordersDelivered)),
                        ("trace_events", .int(run.figures.traceEvents)),
                        ("kernel_steps", .int(run.figures.kernelSteps)),
                        ("run_seconds", .double(run.figures.runSeconds)),
                        ("wall_seconds", .double(run.process.wallSeconds)),
                        ("user_seconds", .double(run.process.userSeconds)),
                        ("system_seconds", .double(run.process.systemSeconds)),
                        ("peak_rss_bytes", .int(run.process.peakResidentBytes)),
                    ])
                })),
            ]
        }
        return .object(members)
    }

    func json(_ row: BenchRow) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(row.implementation.rawValue)), ("title", .string(row.label))]
        switch row.status {
        case .unavailable(let reason):
            members += [("status", .string("unavailable")), ("reason", .string(reason))]
        case .failed(let reason):
            members += [("status", .string("failed")), ("reason", .string(reason))]
        case .measured(let runs):
            members.append(("status", .string("measured")))
            if let first = runs.first {
                let figures = first.figures
                members += [
                    ("reported_as", .string(figures.implementation)),
                    ("events_counted", .string(row.implementation.eventsMeaning)),
                    ("measured", Self.figures(wait: figures.meanWait, sojourn: figures.meanSojourn,
                                              probability: figures.probabilityOfWaiting)),
                    ("relative_error", Self.figures(wait: figures.meanWait / theory.meanWait - 1,
                                                    sojourn: figures.meanSojourn / theory.meanSojourn - 1,
                                                    probability: figures.probabilityOfWaiting / theory.probabilityOfWaiting - 1)),
                    ("median", .object([
                        ("run_seconds", .double(row.median(\.figures.runSeconds)!)),
                        ("wall_seconds", .double(row.median(\.process.wallSeconds)!)),
                        ("user_seconds", .double(row.median(\.process.userSeconds)!)),
                        ("system_seconds", .double(row.median(\.process.systemSeconds)!)),
                        ("peak_rss_bytes", .int(Int(row.median(\.peakMemory)!))),
                        ("customers_per_s", .double(row.median(\.customersPerSecond)!)),
                        ("events_per_s", runs.allSatisfy { $0.eventsPerSecond != nil }
                            ? .double(row.median { $0.eventsPerSecond! }!) : .null),
                    ])),
                    ("runs", .array(runs.map(Self.json))),
                ]
                if let ratio = ratios(row) {
                    members.append(("ratio_to_deliverysim", .object([("user_seconds", .double(ratio.userTime)),
                                                                     ("peak_rss", .double(ratio.peakMemory))])))
                }
            }
        }
        return .object(members)
    }

    static func json(_ run: BenchRun) -> JSONValue {
        .object([
            ("customers", .int(run.figures.customers)),
            ("events", run.figures.events.map(JSONValue.int) ?? .null),
            ("run_seconds", .double(run.figures.runSeconds)),
            ("wall_seconds", .double(run.process.wallSeconds)),
            ("user_seconds", .double(run.process.userSeconds)),
            ("system_seconds", .double(run.process.systemSeconds)),
            ("peak_rss_bytes", .int(run.process.peakResidentBytes)),
        ])
    }

    static func figures(wait: Double, sojourn: Double, probability: Double) -> JSONValue {
        .object([("mean_wait_s", .double(wait)), ("mean_sojourn_s", .double(sojourn)),
                 ("probability_of_waiting", .double(probability))])
    }
}
