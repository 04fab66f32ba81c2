import Resilience
import SimKernel
import World

/// The auth service: exchanges a WeChat login code for openid + session key (an external
/// call), stores the session, and issues a JWT; verifies tokens with a cache in front of
/// the session table.
final class AuthLogic: LogicBase, RoleLogic, @unchecked Sendable {
    private let options: AuthOptions
    /// Verified tokens: customer → token, for `token_cache_ttl`.
    private var cache: TTLCache<Int, Int64, VirtualClock.Instant>

    /// The session table the service issues tokens into and verifies them against.
    private let sessions: Sessions
    /// Every figure below, declared when the world is built (``LogicFigures``).
    static let figures = LogicFigures(counters: ["logins", "token_cache.hits", "token_cache.misses"])
    /// Logins; tokens found in the cache, and not (each made on first use).
    private lazy var logins = logicMetrics.counter("logins")
    private lazy var tokenCacheHits = logicMetrics.counter("token_cache.hits")
    private lazy var tokenCacheMisses = logicMetrics.counter("token_cache.misses")

    init(instance: ServiceInstance, options: AuthOptions, environment: LogicEnvironment, sessions: Sessions) {
        self.options = options
        self.sessions = sessions
        cache = environment.sim.configured("\(instance.name)'s token cache", { () throws(ConfigurationError) in
            try TTLCache(capacity: options.tokenCacheCapacity, defaultTTL: options.tokenCacheTTL)
        }, fallback: { try! TTLCache(capacity: 0) }) // `try!`: a capacity of 0 is valid.
        super.init(instance: instance, environment: environment)
    }

    func handle(_ call: Call, from caller: String) async -> Result<Reply, Failure> {
        switch call {
        case .login(let customer):
            // wx.login() code → WeChat's API → openid + session_key.
            let exchanged = await instance.call("wechat", .login(customer: customer))
            guard case .success = exchanged else { return exchanged }
            let stored = await withDatabase { database in await database.execute(.write) }
            guard case .success = stored else { return .failure(stored.failure!) }
            let token = sessions.issue(customer: customer, now: now, ttl: options.tokenTTL)
            logins.add()
            return .success(.token(token))
        case .verify(let customer, let token):
            if cache.get(customer, now: sim.clock.now) == token {
                tokenCacheHits.add()
                return .success(.ok)
            }
            tokenCacheMisses.add()
            let read = await withDatabase { database in await database.execute(.read) }
            guard case .success = read else { return .failure(read.failure!) }
            guard sessions.isValid(customer: customer, token: token, now: now) else {
                return reject(.refused(.invalidToken))
            }
            cache.set(customer, token, expiresAt: sim.clock.now.advanced(by: options.tokenCacheTTL), now: sim.clock.now)
            return .success(.ok)
        default:
            await misrouted(call, from: caller)
        }
    }
}

extension Result {
    /// The failure, if any.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// The session table: the tokens issued (a customer may hold several: two devices, two
/// visits) and until when each is valid.
///
/// A token names its session, as a JWT carries its claims: the session's number in its
/// upper half, random bits (the signature) in its lower. Checking one reads that session
/// alone, with no look-up in a table of every token ever issued; the sessions of the
/// customers in flight are the newest, together at the end of the list.
///
/// World-confined: only the world's thread touches it.
final class Sessions: @unchecked Sendable {
    private struct Session {
        var customer: Int
        var until: Int64
        var token: Int64
    }
    /// Every session issued, in order: session n is at index n.
    private var issued: ContiguousArray<Session> = []
    private var latest: [Int: Int64] = [:]
    private var random: RandomStream
    /// How long a session lasts: the auth service's `token_ttl`, also for the sessions
    /// customers already hold when the world starts.
    let ttl: Duration

    init(sim: Simulation, ttl: Duration = AuthOptions().tokenTTL) {
        random = sim.random("sessions")
        self.ttl = ttl
    }

    /// Issues a new token for `customer`, valid for the session TTL.
    func issue(customer: Int, now: Int64) -> Int64 { issue(customer: customer, now: now, ttl: ttl) }

    /// Issues a new token for `customer`, valid for `ttl`.
    func issue(customer: Int, now: Int64, ttl: Duration) -> Int64 {
        let signature = Int64(random.next() >> 32) | 1
        let token = Int64(issued.count) << 32 | signature
        issued.append(Session(customer: customer, until: now &+ ttl.nanoseconds, token: token))
        latest[customer] = token
        return token
    }

    /// Whether `token` is a valid token of `customer` (the JWT's signature and expiry).
    func isValid(customer: Int, token: Int64, now: Int64) -> Bool {
        let session = token >> 32
        guard session >= 0, session < Int64(issued.count) else { return false }
        let held = issued[Int(session)]
        return held.token == token && held.customer == customer && held.until > now
    }

    /// The token a returning customer's app still holds, if it is valid.
    func existing(customer: Int, now: Int64) -> Int64? {
        guard let token = latest[customer], isValid(customer: customer, token: token, now: now) else { return nil }
        return token
    }
}
