import SimKernel
import World

/// A customer of the mini-program: logs in (or still holds a token), browses the menu,
/// places an order with an idempotency key, waits for it (polling), and cancels when it
/// takes longer than their patience. The app retries failed calls a few times with the
/// same idempotency key, as a real app would.
actor Customer {
    let sim: Simulation
    nonisolated var unownedExecutor: UnownedSerialExecutor { sim.unownedExecutor }
    private let environment: CustomerEnvironment
    let id: Int
    let name: String
    /// The app's settings (the world's, shared by every customer).
    private var app: AppSpec { environment.app }
    /// The customer's decisions, made when they arrive (common random numbers: the same
    /// whatever happens to their calls).
    private let choices: CustomerChoices
    /// Think times, and the app's waits before a retry: streams of their own, so that a
    /// retry (which depends on the platform's state) shifts no choice and no think time.
    private var thinking: RandomStream
    private var retrying: RandomStream
    /// The arrival's key, and app calls made so far (each attempt's work is keyed by both
    /// and the attempt's number).
    private let arrivalKey: UInt64
    private var calls: UInt64 = 0
    private var token: Int64 = 0

    init(environment: CustomerEnvironment, arrival: Int64, customer: Int, random: RandomStream, journey: JourneySpec.Kind) {
        sim = environment.sim
        self.environment = environment
        id = customer
        name = "customer-\(arrival)"
        var choosing = random.split("choices")
        choices = CustomerChoices(journey: journey, environment: environment, random: &choosing)
        thinking = random.split("think")
        retrying = random.split("retry")
        arrivalKey = StableHash.combine(StableHash.of("customer"), UInt64(bitPattern: arrival))
        environment.draws.recorder?.choices[arrival] = choices
    }

    /// The visit up to the order (the rest is ``poll(key:patienceEnds:)``'s).
    func visit(_ journey: JourneySpec.Kind, orderKey: Int64) async {
        environment.activity.customerStarted()
        environment.appMetrics.visits.add()
        guard await logIn() else { return leave() }
        for item in choices.pages {
            _ = await appCall(.menu(customer: id, token: token, item: item))
            await think()
        }
        guard let item = choices.orderItem, await order(item: item, key: orderKey) else { return leave() }
        pollLater(key: orderKey, patienceEnds: sim.executor.now &+ choices.patience)
    }

    /// The customer has left the app.
    private func leave() { environment.activity.customerFinished() }

    private func think() async {
        try? await sim.clock.sleep(for: .nanoseconds(app.think.sampleNanoseconds(&thinking)))
    }

    /// Uses the token the app still holds, or logs in with WeChat through the gateway.
    private func logIn() async -> Bool {
        if choices.loggedIn {
            token = environment.sessions.existing(customer: id, now: sim.executor.now)
                ?? environment.sessions.issue(customer: id, now: sim.executor.now)
            return true
        }
        guard case .success(.token(let issued)) = await appCall(.login(customer: id)) else {
            environment.appMetrics.loginFailed.add()
            return false
        }
        token = issued
        return true
    }

    /// Places the order; whether it was placed and is under way (a failure, or an order
    /// ended at once, is not).
    private func order(item: Int, key: Int64) async -> Bool {
        // The restaurant is the customer's choice; the item's popularity is the menu's.
        let merchant = choices.merchant
        let request = OrderRequest(key: key, customer: id, item: item, quantity: 1,
                                   merchant: merchant, amount: 1_000 + Int64(item),
                                   malformed: environment.faults.isPoisoned(order: key))
        environment.appMetrics.ordersAttempted.add()
        let placed = await appCall(.order(customer: id, token: token, request))
        switch placed {
        case .success(.order(let view)) where view.state.isTerminal:
            return false // failed at once (out of stock, payment declined...)
        case .success:
            return true
        case .failure(let failure):
            environment.appMetrics.orderFailed(failure).add()
            return false
        }
    }

    // Waiting for the order: the customer looks at it every poll interval, and cancels
    // when patience runs out before a rider has it (once a rider is on the way, the
    // customer waits). Between two looks no task waits: the next look starts as a new
    // task (``PausedWork``), since a sleeping task would hold the slabs of its last call
    // for the whole wait, and a big world has hundreds of thousands of customers waiting.

    /// The next look at the order, a poll interval from now. `patienceEnds`: when the
    /// customer cancels an order no rider has yet.
    private func pollLater(key: Int64, patienceEnds: Int64) {
        PausedWork.current.resume(in: sim, name, after: app.pollInterval, on: self) { customer in
            await customer.poll(key: key, patienceEnds: patienceEnds)
        }
    }

    private func poll(key: Int64, patienceEnds: Int64) async {
        let status = await appCall(.status(customer: id, token: token, key: key), attempts: 1)
        if case .success(.order(let view)) = status {
            if view.state.isTerminal { return leave() }
            if view.state.hasRider { return pollLater(key: key, patienceEnds: patienceEnds) }
        }
        if sim.executor.now >= patienceEnds {
            environment.appMetrics.gaveUp.add()
            _ = await appCall(.cancel(customer: id, token: token, key: key))
            // Whatever the answer, this customer has left the app.
            return leave()
        }
        pollLater(key: key, patienceEnds: patienceEnds)
    }

    /// One action of the app: a call to the gateway, retried on transient failures.
    private func appCall(_ request: AppRequest, attempts: Int? = nil) async -> Result<Reply, Failure> {
        let attempts = attempts ?? app.attempts
        var result: Result<Reply, Failure> = .failure(.unavailable)
        calls += 1
        let callKey = StableHash.combine(arrivalKey, calls)
        for attempt in 1...attempts {
            let started = sim.executor.now
            // The attempt's work (everything it draws, every call it makes) is keyed by
            // this customer, the call and the attempt: not by what else happens meanwhile
            // (a retry of one call shifts no key of the next).
            let origin = WorkOrigin(key: StableHash.combine(callKey, UInt64(attempt)), service: "customer")
            result = await WorkOrigin.$current.withValue(origin) {
                await environment.sendToGateway(request, timeout: app.timeout)
            }
            environment.appMetrics.latency(request.route).record(sim.executor.now - started)
            switch result {
            case .success:
                environment.appMetrics.ok(request.route).add()
                return result
            case .failure(let failure):
                environment.appMetrics.failed(request.route, failure).add()
                guard failure.isTransient || failure == .limited, attempt < attempts else { return result }
                let delay = app.retryDelay.sampleNanoseconds(&retrying)
                let names = sim.traceNames
                sim.trace.record(names.retry, names.app, Int64(attempt), delay, detail: names.outcome(failure))
                try? await sim.clock.sleep(for: .nanoseconds(delay))
            }
        }
        return result
    }
}

/// What a customer decides on arriving: whether the app still holds a session, the
/// pages they browse, what they order and where, and how long they will wait for it.
struct CustomerChoices: Sendable, Equatable {
    var journey: JourneySpec.Kind
    var loggedIn: Bool
    /// The item of each menu page browsed.
    var pages: [Int]
    /// The item ordered (nil: a browse).
    var orderItem: Int?
    var merchant: Int
    /// Nanoseconds the customer waits for a rider before cancelling.
    var patience: Int64

    init(journey: JourneySpec.Kind, environment: CustomerEnvironment, random: inout RandomStream) {
        self.journey = journey
        loggedIn = random.nextUnit() < environment.loggedIn
        // At most 1,000 pages: a heavy-tailed page count must not stall a journey forever.
        let count = Int(Int64(saturating: min(max(environment.app.browse.sample(&random).rounded(), 0), 1_000)))
        pages = (0..<count).map { _ in environment.catalog.popularItem(&random) }
        switch journey {
        case .order: orderItem = environment.catalog.popularItem(&random)
        case .flashSale: orderItem = environment.catalog.flashItem(&random)
        case .browse, .request: orderItem = nil
        }
        merchant = random.nextInt(below: max(1, environment.merchantCount))
        patience = environment.app.patience.sampleNanoseconds(&random)
    }
}
