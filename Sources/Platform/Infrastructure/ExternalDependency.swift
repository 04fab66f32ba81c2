import SimKernel
import World

/// A dependency outside the platform (WeChat's code exchange, the payment gateway): it
/// answers after its latency, fails a fraction of calls, never answers another fraction,
/// and may serve only so many calls at once. Faults add latency or errors.
///
/// The payment gateway also keeps the ledger of charges: a charge for an order that was
/// already charged is a double charge unless the call carried its idempotency key.
actor ExternalDependency: Endpoint, SimEventHandler {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    nonisolated let service: String
    nonisolated let traceName: TraceName
    /// What its callers wait on, for stall reports (``CallRouter/replyLabel(callee:)``).
    let replyLabel: String
    private let traceNames: TraceVocabulary
    let environment: InfrastructureEnvironment
    private let spec: DependencySpec
    private var busy = 0
    private var waiting: [Envelope] = []
    private var answering: [UInt64: (Envelope, Result<Reply, Failure>)] = [:]
    /// Charges per order (payment gateway; more than one is a double charge), and how
    /// many of them were refunded.
    private(set) var charges = OrderColumn<Int>()
    private(set) var refunds = OrderColumn<Int>()
    /// Orders whose payment was closed by a refund: later charges are declined.
    private var closed: Set<Int64> = []
    /// Calls received; calls never answered; charges declined on a closed payment; calls
    /// answered with an error (`<dependency>.<figure>`, each made on first use).
    private lazy var requests = counter("requests")
    private lazy var hangs = counter("hangs")
    private lazy var chargesRefusedClosed = counter("charges_refused_closed")
    private lazy var errors = counter("errors")

    init(environment: InfrastructureEnvironment, name: String, spec: DependencySpec) {
        sim = environment.sim
        self.environment = environment
        service = name
        replyLabel = CallRouter.replyLabel(callee: name)
        self.spec = spec
        traceName = environment.sim.trace.name(name)
        traceNames = environment.sim.traceNames
    }

    /// The counter `<dependency>.<figure>`, described.
    private func counter(_ figure: String) -> CounterMetric {
        environment.metrics.metrics.counter("\(service).\(figure)",
                                            describedAs: MetricDescriptor(.counter, unit: .count, service: service, figure: figure))
    }

    nonisolated func deliver(_ envelope: Envelope) {
        isolatedOnWorldThread(envelope) { dependency, envelope in dependency.receive(envelope) }
    }

    private func receive(_ envelope: Envelope) {
        requests.add()
        if let limit = spec.concurrency, busy >= limit {
            waiting.append(envelope)
            return
        }
        start(envelope)
    }

    private func start(_ envelope: Envelope) {
        busy += 1
        // Keyed by the call (common random numbers): its fate does not depend on which
        // calls came before it.
        var random = environment.draws.stream(.dependency, key: StableHash.combine(StableHash.of(service), envelope.key))
        let roll = random.nextUnit()
        sim.trace.record(traceNames.start, traceName, Int64(envelope.id))
        if roll < spec.hangs {
            // Never answers; the slot stays taken, as a hung connection's would.
            hangs.add()
            sim.trace.record(traceNames.hang, traceName, Int64(envelope.id))
            return
        }
        // Fault draws keyed by the call too.
        let origin = WorkOrigin(key: envelope.key, service: service)
        let failed = roll < spec.hangs + spec.errors
            || WorkOrigin.$current.withValue(origin) { environment.faults.injectsError(service) }
        let result: Result<Reply, Failure>
        if failed {
            result = .failure(.error)
        } else if case .gatewayCharge(let order, _) = envelope.call, closed.contains(order) {
            // The merchant closed this payment (a refund): it can no longer be paid.
            chargesRefusedClosed.add()
            result = .failure(.refused(.paymentDeclined))
        } else {
            result = .success(outcome(envelope.call, &random))
        }
        let delay = spec.latency.sampleNanoseconds(&random) &+ WorkOrigin.$current.withValue(origin) {
            environment.faults.extraLatency(service)
        }
        answering[envelope.id] = (envelope, result)
        sim.executor.schedule(at: sim.executor.now &+ delay, self, SimEvent(0, Int64(envelope.id)))
    }

    nonisolated func handle(_ event: SimEvent) {
        isolatedOnWorldThread(UInt64(event.value)) { dependency, id in dependency.answer(id) }
    }

    private func answer(_ id: UInt64) {
        guard let (envelope, result) = answering.removeValue(forKey: id) else { return }
        busy -= 1
        if case .failure = result { errors.add() }
        sim.trace.record(traceNames.done, traceName, Int64(id), 0, detail: traceNames.outcome(result))
        switch envelope.call {
        case .gatewayCharge(let order, _): sim.trace.record(traceNames.charge, traceName, order, detail: traceNames.outcome(result))
        case .refund(let order): sim.trace.record(traceNames.refund, traceName, order, detail: traceNames.outcome(result))
        default: break
        }
        environment.network.reply(id, from: service, to: envelope.from, result)
        if !waiting.isEmpty { start(waiting.removeFirst()) }
    }

    /// What a successful call does here.
    private func outcome(_ call: Call, _ random: inout RandomStream) -> Reply {
        switch call {
        case .gatewayCharge(let order, let key):
            // With an idempotency key, a repeated charge returns the first result.
            if key != nil, charges[order] != nil { return .ok }
            charges[order, default: 0] += 1
            if charges[order]! > 1 { environment.metrics.count("invariants.double_charges") }
            return .ok
        case .refund(let order):
            // Refunds are per order and idempotent (a refund request number, as payment
            // gateways require): every charge of the order is handed back once; refunding
            // an order never charged, or already refunded, changes nothing. A refund also
            // closes the payment (WeChat Pay's close-order), so a charge still on its way
            // cannot land afterwards and stay unrefunded.
            refunds[order] = charges[order] ?? 0
            closed.insert(order)
            return .ok
        default:
            return .token(Int64(random.next() >> 1))
        }
    }
}

extension ExternalDependency {
    /// Declares every metric dependency `name` counts (`<name>.<figure>`, and the double
    /// charges a payment gateway finds; see ``MetricVocabulary``): made on first use,
    /// during the run. Makes no metric.
    static func declare(name: String, in metrics: Metrics) {
        for figure in ["requests", "hangs", "charges_refused_closed", "errors"] { metrics.declare(.counter, "\(name).\(figure)") }
        metrics.declare(.counter, "invariants.double_charges")
    }
}
