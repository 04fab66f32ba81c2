import Resilience
import SimKernel
import World

/// The API gateway: a limiter per route (any of the `Resilience` library's rate and
/// concurrency limiters, see ``RouteLimiter``), the token check (with a local TTL cache of
/// the auth service's answers), and routing to the services.
final class GatewayLogic: LogicBase, RoleLogic, @unchecked Sendable {
    /// A route's limiter, its refusal counter and its trace name (made once).
    private struct LimitedRoute {
        let limiter: any RouteLimiter
        let limited: CounterMetric
        let traceName: TraceName
    }
    private lazy var traceLimited = sim.traceNames.limited

    private var limiters: [GatewayRoute: LimitedRoute] = [:]
    /// The auth service's answers for tokens this instance could not verify itself:
    /// customer → token, kept for `auth_cache_ttl`.
    private var verified: TTLCache<Int, Int64, VirtualClock.Instant>
    private let options: GatewayOptions

    /// Where queued intake publishes orders.
    private let broker: Broker
    /// Told of each order accepted for queued intake.
    private let orderBook: OrderBook
    /// The session table tokens are checked against.
    private let sessions: Sessions
    /// Whether the order service takes orders through the broker (resolved at wiring).
    private let queuedIntake: Bool
    /// Tokens the gateway verified itself (made on first use).
    private lazy var jwtVerified = logicMetrics.counter("jwt_verified")

    /// Every figure it records, declared when the world is built (``LogicFigures``): the
    /// tokens verified, and `<route>.limited` for each route with a limit.
    static func figures(_ options: GatewayOptions) -> LogicFigures {
        LogicFigures(counters: ["jwt_verified"] + GatewayRoute.allCases.filter { options.limits[$0] != nil }.map { "\($0.rawValue).limited" })
    }

    init(instance: ServiceInstance, options: GatewayOptions, environment: LogicEnvironment, broker: Broker,
         orderBook: OrderBook, sessions: Sessions, queuedIntake: Bool) {
        self.options = options
        self.broker = broker
        self.orderBook = orderBook
        self.sessions = sessions
        self.queuedIntake = queuedIntake
        verified = environment.sim.configured("\(instance.name)'s auth-answer cache", { () throws(ConfigurationError) in
            try TTLCache(capacity: options.authCacheCapacity, defaultTTL: options.authCacheTTL)
        }, fallback: { try! TTLCache(capacity: 0) }) // `try!`: a capacity of 0 is valid.
        super.init(instance: instance, environment: environment)
        for route in GatewayRoute.allCases {
            if let spec = options.limits[route], let limiter = sim.configured("\(instance.name)'s \(route.rawValue) limiter", { () throws(ConfigurationError) in
                try RouteLimiters.make(spec, clock: sim.clock, random: sim.random("\(instance.name).\(route.rawValue).limiter"))
            }, fallback: { nil }) {
                limiters[route] = LimitedRoute(limiter: limiter, limited: logicMetrics.counter("\(route.rawValue).limited"),
                                               traceName: sim.trace.name(route.rawValue))
            }
        }
        if !limiters.isEmpty { _ = logicMetrics.rejected(.limited) }
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        guard case .app(let request) = call else { await misrouted(call, from: caller) }
        guard let limited = limiters[request.route] else { return await route(request) }
        return await admitted(request, by: limited.limiter, counting: limited.limited, named: limited.traceName)
    }

    /// Forwards `request` if `limiter` admits it, and tells the limiter how it ended.
    private func admitted<Limiter: RouteLimiter>(_ request: AppRequest, by limiter: Limiter, counting limited: CounterMetric,
                                                 named routeName: TraceName) async
        -> Result<Reply, Failure> {
        guard let permit = await limiter.admit(at: sim.clock.now, wait: { [instance] delay in
            await instance.sleep(nanoseconds: delay.nanoseconds)
        }) else {
            limited.add()
            sim.trace.record(traceLimited, instance.traceSource, detail: routeName)
            return reject(.limited)
        }
        let result = await route(request)
        limiter.finish(permit, at: sim.clock.now, dropped: result.failure.map(\.isOverload) ?? false)
        return result
    }

    /// Routes an admitted request to the service that answers it.
    private func route(_ request: AppRequest) async -> Result<Reply, Failure> {
        switch request {
        case .login(let customer):
            return await self.call(.auth, .login(customer: customer))
        case .menu(let customer, let token, let item):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            return await self.call(.menu, .product(item: item))
        case .order(let customer, let token, let order):
            if let failure = await checkToken(customer, token) { return .failure(failure) }
            if queuedIntake {
                // Peak shaving: accept, publish, answer at once; the order service's
                // consumers create it at their own pace.
                let published = await broker.publish("orders.intake", .intake(order))
                guard published else { return reject(.queueFull) }
                orderBook.acceptedForIntake(order.key)
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
    /// yet, say — go to the auth service, whose answer is cached for `auth_cache_ttl` (a minute).
    ///
    /// With `token_check: "auth"` every token goes to the auth service instead (its token
    /// cache in front of the session table answers).
    private func checkToken(_ customer: Int, _ token: Int64) async -> Failure? {
        if options.tokenCheck == .auth {
            return await call(.auth, .verify(customer: customer, token: token)).failure
        }
        if sessions.isValid(customer: customer, token: token, now: now) {
            jwtVerified.add()
            return nil
        }
        if verified.get(customer, now: sim.clock.now) == token { return nil }
        switch await call(.auth, .verify(customer: customer, token: token)) {
        case .success:
            verified.set(customer, token, expiresAt: sim.clock.now.advanced(by: options.authCacheTTL), now: sim.clock.now)
            return nil
        case .failure(let failure):
            return failure
        }
    }
}

extension Failure {
    /// Whether the failure is a sign of overload downstream (a drop, for an adaptive
    /// limiter), rather than a business answer.
    var isOverload: Bool {
        switch self {
        case .deadline, .queueFull, .shed, .poolTimeout, .limited, .breakerOpen, .unavailable: return true
        case .error, .refused: return false
        }
    }
}
