import Resilience
import SimKernel
import World

/// The API gateway: a rate limiter per route (from `Resilience`), the token check (with a
/// local cache of verified tokens), and routing to the services.
final class GatewayLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private var limiters: [GatewayRoute: RouteLimiter] = [:]
    /// Tokens this instance verified recently: customer → (token, valid until).
    private var verified: [Int: (token: Int64, until: Int64)] = [:]
    private let options: GatewayOptions

    init(instance: ServiceInstance, options: GatewayOptions) {
        self.options = options
        super.init(instance: instance)
        for route in GatewayRoute.allCases {
            if let spec = options.limits[route] {
                limiters[route] = RouteLimiter(spec)
                _ = platform.metrics.counter("\(service).\(route.rawValue).limited")
            }
        }
        if !limiters.isEmpty { _ = platform.metrics.counter("\(service).rejected.limited") }
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .app(let request) = call else { await misrouted(call, from: caller) }
        let route = request.route
        var admitted = false
        if limiters[route] != nil {
            switch limiters[route]!.admit(at: sim.clock.now) {
            case .pass: admitted = true
            case .wait(let delay):
                admitted = true
                await instance.sleep(nanoseconds: delay.nanoseconds)
            case .reject:
                platform.metrics.count("\(service).\(route.rawValue).limited")
                return reject(.limited)
            }
        }
        defer { if admitted { limiters[route]?.release() } }
        switch request {
        case .login(let customer):
            return await self.call(.auth, .login(customer: customer))
        case .menu(let customer, let token, let item):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            return await self.call(.menu, .product(item: item))
        case .order(let customer, let token, let order):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            if case .order(let options) = platform.spec.service(playing: .order)?.options, options.intake == .queued {
                // Peak shaving: accept, publish, answer at once; the order service's
                // consumers create it at their own pace.
                let published = await platform.broker.publish("orders.intake", .intake(order))
                guard published else { return reject(.queueFull) }
                platform.orders.acceptedForIntake(order.key)
                return .success(.accepted)
            }
            return await self.call(.order, .createOrder(order))
        case .status(let customer, let token, let key):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            return await self.call(.order, .orderStatus(key: key))
        case .cancel(let customer, let token, let key):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            return await self.call(.order, .cancelOrder(key: key))
        }
    }

    /// Verifies a JWT locally (its signature and expiry: CPU only, as the documents'
    /// gateways do); tokens the gateway cannot check — issued by a login it has not seen
    /// yet, say — go to the auth service, whose answer is cached for a minute.
    ///
    /// With `token_check: "auth"` every token goes to the auth service instead (its token
    /// cache in front of the session table answers).
    private func checkToken(_ customer: Int, _ token: Int64) async -> Failure? {
        if options.tokenCheck == .auth {
            return await call(.auth, .verify(customer: customer, token: token)).failure
        }
        if platform.sessions.isValid(customer: customer, token: token, now: now) {
            platform.metrics.count("\(service).jwt_verified")
            return nil
        }
        if let cached = verified[customer], cached.token == token, cached.until > now { return nil }
        switch await call(.auth, .verify(customer: customer, token: token)) {
        case .success:
            verified[customer] = (token, now &+ 60_000_000_000)
            return nil
        case .failure(let failure):
            return failure
        }
    }
}

/// One route's limiter, whatever its kind.
struct RouteLimiter {
    enum Decision {
        case pass
        case wait(Duration)
        case reject
    }

    private enum Kind {
        case bucket(TokenBucket<VirtualClock.Instant>)
        case window(SlidingWindowLog<VirtualClock.Instant>)
        case queueing(QueueingLimiter<VirtualClock.Instant>)
        case concurrency(limit: Int, inFlight: Int)
    }
    private var kind: Kind

    init(_ spec: LimiterSpec) {
        switch spec {
        case .tokenBucket(let rate, let burst):
            kind = .bucket(TokenBucket(rate: Rate.perSecondApproximately(rate), burst: burst))
        case .slidingWindow(let limit, let window):
            kind = .window(SlidingWindowLog(limit: limit, window: window))
        case .queueing(let rate, let maxQueueing):
            kind = .queueing(QueueingLimiter(rate: Rate.perSecondApproximately(rate), maxQueueingTime: maxQueueing))
        case .concurrency(let limit):
            kind = .concurrency(limit: limit, inFlight: 0)
        }
    }

    mutating func admit(at now: VirtualClock.Instant) -> Decision {
        switch kind {
        case .bucket(var bucket):
            defer { kind = .bucket(bucket) }
            return bucket.tryAcquire(1, at: now) ? .pass : .reject
        case .window(var log):
            defer { kind = .window(log) }
            return log.tryAcquire(1, at: now) ? .pass : .reject
        case .queueing(var limiter):
            defer { kind = .queueing(limiter) }
            // The limiter's own maxQueueingTime bounds the wait.
            guard let reservation = limiter.reserve(1, at: now, maxWait: .seconds(86_400)) else { return .reject }
            return reservation.delay > .zero ? .wait(reservation.delay) : .pass
        case .concurrency(let limit, let inFlight):
            guard inFlight < limit else { return .reject }
            kind = .concurrency(limit: limit, inFlight: inFlight + 1)
            return .pass
        }
    }

    /// A request finished (matters to the concurrency limit only).
    mutating func release() {
        if case .concurrency(let limit, let inFlight) = kind {
            kind = .concurrency(limit: limit, inFlight: max(0, inFlight - 1))
        }
    }
}

extension Rate {
    /// A rate per second from a decimal figure, exact to a thousandth of a permit per
    /// second ("7.2/s" is 7,200 permits per 1,000 s).
    static func perSecondApproximately(_ perSecond: Double) -> Rate {
        Rate(permits: max(1, Int(Int64(saturating: (min(perSecond, 1e9) * 1000).rounded()))), per: .seconds(1000))
    }
}
