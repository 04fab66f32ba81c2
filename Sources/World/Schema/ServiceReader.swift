import SimKernel

extension ServiceSpec {
    /// Reads `services`: each member is a service named by its key. A service named
    /// after a platform role plays it (or says `"role"`); any other is generic. Only the
    /// fields of its role are allowed, so `"intake"` on the menu service is reported.
    static let servicesReader = ValueReader<[ServiceSpec]>(expected: "an object of services", placeholder: { [] }) { value, context in
        guard let object = value.objectValue else {
            context.mismatch(value, expected: "an object of services")
            return nil
        }
        if object.isEmpty {
            context.mismatch(value, expected: "at least one service")
            return nil
        }
        var services: [ServiceSpec] = []
        var failed = false
        for member in object.members {
            var role = ServiceRole(rawValue: member.key) ?? .generic
            if let raw = member.value["role"]?.stringValue, let explicit = ServiceRole(rawValue: raw) { role = explicit }
            if let spec = context.read(member.value, at: .key(member.key), with: reader(name: member.key, role: role)) {
                services.append(spec)
            } else {
                failed = true
            }
        }
        return failed ? nil : services
    }

    /// Reads one service playing `role`.
    static func reader(name: String, role: ServiceRole) -> ValueReader<ServiceSpec> {
        .object { o in
            _ = o.optional("role", .oneOf(ServiceRole.self))
            let workers = o.required("workers", .integer(in: 1...1_000_000))
            let maxWorkers = o.optional("max_workers", .integer(in: 1...1_000_000))
            if let maxWorkers, !o.hasProblems, maxWorkers < workers {
                o.reject("max_workers", expected: "an integer >= workers (\(workers))")
            }
            let workerStartup = o.optional("worker_startup", .duration(atLeast: .zero), default: .zero)
            let idleTimeout = o.optional("idle_timeout", .duration(atLeast: .milliseconds(1)), default: .seconds(60))
            let autoscale = o.optional("autoscale", AutoscaleSpec.reader)
            if let autoscale {
                // One source of growth: the rule's own bound and start-up delay.
                if o.contains("max_workers") {
                    o.reject("max_workers", expected: "no max_workers beside autoscale", detail: "the rule's \"max\" bounds the workers")
                }
                if o.contains("worker_startup") {
                    o.reject("worker_startup", expected: "no worker_startup beside autoscale", detail: "the rule's \"startup\" applies")
                }
                if !o.hasProblems, autoscale.max < workers {
                    o.reject("autoscale", expected: "a rule whose max is >= workers (\(workers))")
                }
            }
            let instances = o.optional("instances", .integer(in: 1...10_000), default: 1)
            let queueCapacity = o.optional("queue", queueReader, default: 1024)
            let queueDiscipline = o.optional("queue_discipline", QueueDisciplineSpec.reader, default: .fifo)
            var spec = ServiceSpec(
                name: name,
                instances: instances,
                workers: workers, maxWorkers: maxWorkers,
                queueCapacity: queueCapacity,
                work: o.optional("work", .durationDistribution, default: .lognormal(median: 0.002, p99: 0.010)),
                balancer: o.optional("balancer", .oneOf(Balancer.self), default: .roundRobin),
                role: role,
                options: readOptions(o, role: role),
                calls: o.optional("calls", CallPolicies.reader, default: CallPolicies()),
                database: o.optional("database", ConnectionPoolSpec.reader, default: ConnectionPoolSpec()),
                workerStartup: workerStartup, idleTimeout: idleTimeout, autoscale: autoscale,
                queueDiscipline: queueDiscipline)
            spec.deadlines = o.optional("deadlines", .oneOf(DeadlineHandling.self), default: .ignore)
            return spec
        }
    }

    /// A queue capacity: an integer >= 0 or "unbounded" (read as nil).
    static let queueReader = ValueReader<Int?>(
        expected: "an integer >= 0 or \"unbounded\"", placeholder: { 0 }
    ) { value, context in
        if value.stringValue == "unbounded" { return .some(nil) }
        if value.numberValue != nil { return context.read(value, with: .integer(in: 0...)).map { .some($0) } }
        context.mismatch(value, expected: "an integer >= 0 or \"unbounded\"")
        return nil
    }

    /// The fields of `role`.
    static func readOptions(_ o: ObjectReader, role: ServiceRole) -> RoleOptions {
        switch role {
        case .generic:
            return .generic
        case .gateway:
            let d = GatewayOptions()
            return .gateway(GatewayOptions(
                limits: o.optional("limits", limitsReader, default: [:]),
                tokenCheck: o.optional("token_check", .oneOf(GatewayOptions.TokenCheck.self), default: .local),
                authCacheTTL: o.optional("auth_cache_ttl", .duration(atLeast: .zero), default: d.authCacheTTL),
                authCacheCapacity: o.optional("auth_cache_capacity", .integer(in: 0...100_000_000), default: d.authCacheCapacity)))
        case .auth:
            let d = AuthOptions()
            return .auth(AuthOptions(
                tokenTTL: o.optional("token_ttl", .duration(atLeast: .seconds(1)), default: d.tokenTTL),
                tokenCacheTTL: o.optional("token_cache_ttl", .duration(atLeast: .zero), default: d.tokenCacheTTL),
                tokenCacheCapacity: o.optional("token_cache_capacity", .integer(in: 0...100_000_000), default: d.tokenCacheCapacity)))
        case .menu:
            let d = MenuOptions()
            return .menu(MenuOptions(
                cacheTTL: o.optional("cache_ttl", .duration(atLeast: .milliseconds(1)), default: d.cacheTTL),
                ttlJitter: o.optional("ttl_jitter", .ratio, default: d.ttlJitter),
                negativeTTL: o.optional("negative_ttl", .duration(atLeast: .milliseconds(1))),
                bloomFilter: o.optional("bloom_filter", .bool, default: false),
                localCache: o.optional("local_cache", LocalCacheSpec.reader),
                singleFlight: o.optional("single_flight", .bool, default: true),
                bloomFalsePositiveRate: o.optional("bloom_fp_rate", bloomRate, default: d.bloomFalsePositiveRate),
                earlyRefresh: o.optional("early_refresh", .double(in: 0...1_000_000))))
        case .order:
            let d = OrderOptions()
            return .order(OrderOptions(
                intake: o.optional("intake", .oneOf(OrderOptions.Intake.self), default: d.intake),
                consumers: o.optional("consumers", .integer(in: 1...10_000), default: d.consumers),
                prefetch: o.optional("prefetch", .integer(in: 0...100_000), default: d.prefetch),
                idempotency: o.optional("idempotency", .bool, default: d.idempotency),
                paymentWait: o.optional("payment_wait", .duration(atLeast: .seconds(1)), default: d.paymentWait),
                resultsPrefetch: o.optional("results_prefetch", .integer(in: 0...100_000), default: d.resultsPrefetch),
                refundAttempts: o.optional("refund_attempts", .integer(in: 1...1_000), default: d.refundAttempts),
                refundSpacing: o.optional("refund_spacing", .duration(atLeast: .milliseconds(1)), default: d.refundSpacing),
                reconcileInterval: o.optional("reconcile_interval", .duration(atLeast: .milliseconds(1)), default: d.reconcileInterval),
                reconcileGrace: o.optional("reconcile_grace", .duration(atLeast: .zero), default: d.reconcileGrace),
                refundIdle: o.optional("refund_idle", .duration(atLeast: .milliseconds(1)), default: d.refundIdle),
                refundMaxIdle: o.optional("refund_max_idle", .duration(atLeast: .milliseconds(1)), default: d.refundMaxIdle),
                refundResumes: o.optional("refund_resumes", .integer(in: 0...1_000), default: d.refundResumes),
                stateWriteBackoff: o.optional("state_write_backoff", .duration(atLeast: .milliseconds(1)), default: d.stateWriteBackoff),
                stateWriteBackoffCap: o.optional("state_write_backoff_cap", .duration(atLeast: .milliseconds(1)), default: d.stateWriteBackoffCap),
                dispatchBackoff: o.optional("dispatch_backoff", .duration(atLeast: .milliseconds(1)), default: d.dispatchBackoff),
                dispatchBackoffCap: o.optional("dispatch_backoff_cap", .duration(atLeast: .milliseconds(1)), default: d.dispatchBackoffCap)))
        case .inventory:
            let d = InventoryOptions()
            return .inventory(InventoryOptions(
                locking: o.optional("locking", .oneOf(InventoryOptions.Locking.self), default: d.locking),
                // The lock client keeps a drift allowance of 1% + 2 ms out of every lease.
                lockTTL: o.optional("lock_ttl", .duration(atLeast: .milliseconds(10)), default: d.lockTTL),
                lockWait: o.optional("lock_wait", .duration(atLeast: .zero), default: d.lockWait),
                fencing: o.optional("fencing", .bool, default: d.fencing),
                idempotency: o.optional("idempotency", .bool, default: d.idempotency),
                lockBackoff: o.optional("lock_backoff", .duration(atLeast: .milliseconds(1)), default: d.lockBackoff),
                lockBackoffCap: o.optional("lock_backoff_cap", .duration(atLeast: .milliseconds(1)), default: d.lockBackoffCap),
                guardedDeduction: o.optional("guarded_deduction", .bool, default: d.guardedDeduction)))
        case .payment:
            let d = PaymentOptions()
            return .payment(PaymentOptions(
                callback: o.optional("callback", .bool, default: d.callback),
                relayInterval: o.optional("relay_interval", .duration(atLeast: .milliseconds(1)), default: d.relayInterval),
                idempotencyKey: o.optional("idempotency_key", .bool, default: d.idempotencyKey),
                outboxBatch: o.optional("outbox_batch", .integer(in: 1...100_000), default: d.outboxBatch),
                claimLease: o.optional("claim_lease", .duration(atLeast: .milliseconds(1)), default: d.claimLease),
                chargeInTransaction: o.optional("charge_in_transaction", .bool, default: d.chargeInTransaction)))
        case .dispatch:
            let d = DispatchOptions()
            return .dispatch(DispatchOptions(
                timeout: o.optional("timeout", .duration(atLeast: .milliseconds(1)), default: d.timeout),
                retryInterval: o.optional("retry_interval", .duration(atLeast: .milliseconds(1)), default: d.retryInterval),
                riderLock: o.optional("rider_lock", .bool, default: d.riderLock),
                lockTTL: o.optional("lock_ttl", .duration(atLeast: .milliseconds(10)), default: d.lockTTL),
                lockWait: o.optional("lock_wait", .duration(atLeast: .zero), default: d.lockWait),
                locking: o.optional("locking", .oneOf(DispatchOptions.Locking.self), default: d.locking),
                lockBackoff: o.optional("lock_backoff", .duration(atLeast: .milliseconds(1)), default: d.lockBackoff),
                lockBackoffCap: o.optional("lock_backoff_cap", .duration(atLeast: .milliseconds(1)), default: d.lockBackoffCap)))
        case .notification:
            let d = NotificationOptions()
            return .notification(NotificationOptions(
                consumers: o.optional("consumers", .integer(in: 1...10_000), default: d.consumers),
                prefetch: o.optional("prefetch", .integer(in: 0...100_000), default: d.prefetch),
                dedup: o.optional("dedup", DedupSpec.reader)))
        }
    }

    /// Per-route limiters of the gateway.
    static let limitsReader = ValueReader<[GatewayRoute: LimiterSpec]>.object { o in
        var limits: [GatewayRoute: LimiterSpec] = [:]
        for route in GatewayRoute.allCases {
            if let limiter = o.optional(route.rawValue, LimiterSpec.reader) { limits[route] = limiter }
        }
        return limits
    }
}

extension ServiceSpec {
    /// A Bloom filter's false-positive rate: strictly between 0 and 1.
    static let bloomRate = ValueReader<Double>.double(above: 0).satisfying("a number above 0 and below 1") { $0 < 1 }
}

extension DedupSpec {
    static let reader = ValueReader<DedupSpec>.object { o in
        DedupSpec(capacity: o.required("capacity", .integer(in: 1...100_000_000)),
                  retention: o.optional("retention", .duration(atLeast: .milliseconds(1))))
    }
}

extension LocalCacheSpec {
    static let reader = ValueReader<LocalCacheSpec>.object { o in
        LocalCacheSpec(capacity: o.required("capacity", .integer(in: 1...100_000_000)),
                       ttl: o.required("ttl", .duration(atLeast: .milliseconds(1))))
    }
}

extension LimiterSpec {
    enum KindName: String, CaseIterable, Sendable {
        case tokenBucket = "token_bucket", slidingWindow = "sliding_window"
        case slidingWindowCounter = "sliding_window_counter", fixedWindow = "fixed_window"
        case queueing, warmUp = "warm_up", concurrency, bulkhead, adaptive
    }

    /// A limiter's rate: positive, at most a million per second.
    static let limiterRate = ValueReader<Double>.positiveRate.satisfying("a rate above 0 and at most 1000000/s") { $0 <= 1_000_000 }

    /// Reads a limiter: `{"kind": "token_bucket", "rate": "100/s", "burst": 50}` and the
    /// other kinds.
    static let reader = ValueReader<LimiterSpec>.object { o in
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else { return .concurrency(limit: 1) }
        switch kind {
        case .tokenBucket:
            return .tokenBucket(rate: o.required("rate", limiterRate), burst: o.required("burst", .integer(in: 1...)))
        case .slidingWindow:
            return .slidingWindow(limit: o.required("limit", .integer(in: 1...)),
                                  window: o.required("window", .duration(atLeast: .milliseconds(1))))
        case .slidingWindowCounter:
            return .slidingWindowCounter(limit: o.required("limit", .integer(in: 1...)),
                                         window: o.required("window", .duration(atLeast: .milliseconds(1))))
        case .fixedWindow:
            return .fixedWindow(limit: o.required("limit", .integer(in: 1...)),
                                window: o.required("window", .duration(atLeast: .milliseconds(1))))
        case .queueing:
            return .queueing(rate: o.required("rate", limiterRate),
                             maxQueueing: o.optional("max_queueing", .duration(atLeast: .zero), default: .milliseconds(500)))
        case .warmUp:
            return .warmUp(rate: o.required("rate", limiterRate),
                           warmUp: o.required("warm_up", .duration(atLeast: .milliseconds(1))),
                           coldFactor: o.optional("cold_factor", .double(above: 1), default: 3),
                           maxQueueing: o.optional("max_queueing", .duration(atLeast: .zero), default: .milliseconds(500)))
        case .concurrency:
            return .concurrency(limit: o.required("limit", .integer(in: 1...)))
        case .bulkhead:
            return .bulkhead(limit: o.required("limit", .integer(in: 1...)),
                             maxWait: o.optional("max_wait", .duration(atLeast: .zero), default: .zero))
        case .adaptive:
            let d = AdaptiveLimitSpec()
            let minLimit = o.optional("min_limit", .integer(in: 1...1_000_000), default: d.minLimit)
            let maxLimit = o.optional("max_limit", .integer(in: 1...1_000_000), default: d.maxLimit)
            if !o.hasProblems, maxLimit < minLimit { o.reject("max_limit", expected: "an integer >= min_limit (\(minLimit))") }
            return .adaptive(AdaptiveLimitSpec(
                algorithm: o.optional("algorithm", .oneOf(AdaptiveLimitSpec.Algorithm.self), default: d.algorithm),
                initialLimit: o.optional("initial_limit", .integer(in: 1...1_000_000), default: d.initialLimit),
                minLimit: minLimit, maxLimit: maxLimit,
                timeout: o.optional("timeout", .duration(atLeast: .milliseconds(1)), default: d.timeout)))
        }
    }
}

extension CallPolicies {
    /// Reads `calls`: `{"default": {...}, "inventory": {...}}`.
    static let reader = ValueReader<CallPolicies>(
        expected: "an object of call policies (\"default\" and per callee)",
        placeholder: { CallPolicies() }
    ) { value, context in
        guard let members = context.read(value, with: .members(of: CallPolicy.reader)) else { return nil }
        var policies = CallPolicies()
        for (key, policy) in members {
            if key == "default" { policies.fallback = policy } else { policies.byCallee[key] = policy }
        }
        return policies
    }
}

extension CallPolicy {
    /// Reads one call policy.
    static let reader = ValueReader<CallPolicy>.object { o in
        CallPolicy(
            timeout: o.contains("timeout") ? o.required("timeout", .duration(atLeast: .milliseconds(1)))
                : (o.raw("timeout")?.isNull == true ? nil : .seconds(1)),
            retry: o.optional("retry", RetrySpec.reader),
            breaker: o.optional("breaker", BreakerSpec.reader),
            fallback: o.optional("fallback", FallbackSpec.reader))
    }
}

extension FallbackSpec {
    /// Reads a fallback: a mode (`"cached"`, `"default"`, `"defer"`), or
    /// `{"mode": "cached", "on_failure": true}`.
    static let reader = ValueReader<FallbackSpec>(
        expected: "\"cached\", \"default\", \"defer\", or an object with \"mode\" and \"on_failure\"",
        placeholder: { FallbackSpec(mode: .cached) }
    ) { value, context in
        if value.objectValue == nil {
            return context.read(value, with: .oneOf(FallbackMode.self)).map { FallbackSpec(mode: $0) }
        }
        return context.read(value, with: objectReader)
    }

    static let objectReader = ValueReader<FallbackSpec>.object { o in
        FallbackSpec(mode: o.required("mode", .oneOf(FallbackMode.self)),
                     onFailure: o.optional("on_failure", .bool, default: false))
    }
}

extension RetrySpec {
    static let reader = ValueReader<RetrySpec>.object { o in
        let base = o.optional("base", .duration(atLeast: .zero), default: .milliseconds(100))
        let cap = o.optional("cap", .duration(atLeast: .zero), default: .seconds(2))
        if !o.hasProblems, cap < base { o.reject("cap", expected: "a duration >= base") }
        return RetrySpec(
            attempts: o.required("attempts", .integer(in: 1...100)), base: base, cap: cap,
            jitter: o.optional("jitter", .oneOf(Jitter.self), default: .full),
            budget: o.optional("budget", .ratio))
    }
}

extension BreakerSpec {
    enum KindName: String, CaseIterable, Sendable { case resilience4j, sentinel }

    /// A rate threshold: a breaker that trips at 0% could never close.
    static let positiveRatio = ValueReader<Double>.ratio.satisfying("a ratio above 0, up to 1 (or \"100%\")") { $0 > 0 }

    /// Reads a breaker: Resilience4j-style, or a Sentinel rule.
    static let reader = ValueReader<BreakerSpec>.object { o in
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else {
            return .resilience4j(Resilience4jBreakerSpec())
        }
        switch kind {
        case .resilience4j:
            let d = Resilience4jBreakerSpec()
            return .resilience4j(Resilience4jBreakerSpec(
                window: o.optional("window", .oneOf(Resilience4jBreakerSpec.Window.self), default: d.window),
                size: o.optional("size", .integer(in: 1...100_000), default: d.size),
                failureRate: o.optional("failure_rate", positiveRatio, default: d.failureRate),
                slowRate: o.optional("slow_rate", positiveRatio, default: d.slowRate),
                slowCall: o.optional("slow_call", .duration(atLeast: .nanoseconds(1)), default: d.slowCall),
                minimumCalls: o.optional("min_calls", .integer(in: 1...100_000), default: d.minimumCalls),
                waitOpen: o.optional("wait_open", .duration(atLeast: .milliseconds(1)), default: d.waitOpen),
                halfOpenCalls: o.optional("half_open_calls", .integer(in: 1...10_000), default: d.halfOpenCalls),
                maxWaitHalfOpen: o.optional("max_wait_half_open", .duration(atLeast: .zero), default: d.maxWaitHalfOpen)))
        case .sentinel:
            let strategy: SentinelRuleSpec.Strategy
            let given = ["error_ratio", "error_count", "slow_ratio"].filter { o.contains($0) }
            if given.count > 1 {
                o.report("a sentinel rule has exactly one strategy; found " + given.map { "\"\($0)\"" }.joined(separator: " and "))
            }
            if o.contains("max_response"), !o.contains("slow_ratio") {
                o.reject("max_response", expected: "max_response only with slow_ratio")
            }
            if o.contains("error_ratio") {
                strategy = .errorRatio(o.required("error_ratio", .ratio))
            } else if o.contains("error_count") {
                strategy = .errorCount(o.required("error_count", .integer(in: 1...)))
            } else if o.contains("slow_ratio") {
                strategy = .slowRatio(o.required("slow_ratio", .ratio),
                                      maxResponse: o.required("max_response", .duration(atLeast: .nanoseconds(1))))
            } else {
                // A misspelt strategy is reported as an unknown key near it, not twice.
                if !["error_ratio", "error_count", "slow_ratio"].contains(where: o.hasNearMiss(of:)) {
                    o.report("a sentinel rule needs one of \"error_ratio\", \"error_count\" or \"slow_ratio\"")
                }
                strategy = .errorRatio(0.5)
            }
            o.allow("max_response")
            return .sentinel(SentinelRuleSpec(
                strategy: strategy,
                window: o.required("window", .duration(atLeast: .milliseconds(1))),
                statInterval: o.optional("stat_interval", .duration(atLeast: .milliseconds(1)), default: .seconds(1)),
                minimumRequests: o.optional("min_requests", .integer(in: 1...), default: 5)))
        }
    }
}

extension ConnectionPoolSpec {
    static let reader = ValueReader<ConnectionPoolSpec>.object { o in
        let d = ConnectionPoolSpec()
        return ConnectionPoolSpec(
            maxOpen: o.optional("max_open", .integer(in: 0...1_000_000), default: d.maxOpen),
            maxIdle: o.optional("max_idle", .integer(in: 0...1_000_000), default: d.maxIdle),
            acquireTimeout: o.optional("acquire_timeout", .duration(atLeast: .zero), default: d.acquireTimeout),
            // null switches these off (connections live and idle forever).
            maxLifetime: o.raw("max_lifetime")?.isNull == true ? nil
                : o.optional("max_lifetime", .duration(atLeast: .seconds(1))) ?? d.maxLifetime,
            idleTimeout: o.raw("idle_timeout")?.isNull == true ? nil
                : o.optional("idle_timeout", .duration(atLeast: .seconds(1))) ?? d.idleTimeout,
            leakThreshold: o.optional("leak_threshold", .duration(atLeast: .milliseconds(1))),
            queueDiscipline: o.optional("queue_discipline", QueueDisciplineSpec.reader, default: d.queueDiscipline))
    }
}

extension QueueDisciplineSpec {
    enum KindName: String, CaseIterable, Sendable { case fifo, lifo, codel }

    static let expected = "\"fifo\", \"lifo\", \"codel\" or an object {\"kind\": \"codel\", \"target\": ..., \"interval\": ...}"

    /// Reads `queue_discipline`: `"fifo"`, `"lifo"`, `"codel"` (5 ms target, 100 ms
    /// interval) or `{"kind": "codel", "target": "5ms", "interval": "100ms"}`.
    static let reader = ValueReader<QueueDisciplineSpec>(expected: expected, placeholder: { .fifo }) { value, context in
        if value.stringValue != nil {
            guard let kind = context.read(value, with: .oneOf(KindName.self)) else { return nil }
            switch kind {
            case .fifo: return .fifo
            case .lifo: return .lifo
            case .codel: return .codelDefaults
            }
        }
        if value.objectValue != nil { return context.read(value, with: objectReader) }
        context.mismatch(value, expected: expected)
        return nil
    }

    static let objectReader = ValueReader<QueueDisciplineSpec>.object { o in
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else { return .fifo }
        switch kind {
        case .fifo: return .fifo
        case .lifo: return .lifo
        case .codel:
            guard case .codel(let defaultTarget, let defaultInterval) = codelDefaults else { return .fifo }
            let target = o.optional("target", .duration(atLeast: .microseconds(1)), default: defaultTarget)
            let interval = o.optional("interval", .duration(atLeast: .microseconds(1)), default: defaultInterval)
            if !o.hasProblems, interval < target { o.reject("interval", expected: "a duration >= target") }
            return .codel(target: target, interval: interval)
        }
    }
}

extension AutoscaleSpec {
    /// Reads `autoscale`: `{"when": {"queue_above": 1000, "utilisation_below": "70%"},
    /// "add": 2, "every": "30s", "max": 64, "startup": "20s"}`.
    static let reader = ValueReader<AutoscaleSpec>.object { o in
        let d = AutoscaleSpec()
        let when = o.required("when", conditionReader)
        return AutoscaleSpec(
            queueAbove: when.queueAbove, utilisationBelow: when.utilisationBelow,
            add: o.optional("add", .integer(in: 1...100_000), default: d.add),
            every: o.optional("every", .duration(atLeast: .milliseconds(1)), default: d.every),
            max: o.required("max", .integer(in: 1...1_000_000)),
            startup: o.optional("startup", .duration(atLeast: .zero), default: d.startup))
    }

    /// The rule's condition (`when`): both thresholds must hold.
    struct Condition: Sendable {
        var queueAbove: Int
        var utilisationBelow: Double
    }

    static let conditionReader = ValueReader<Condition>.object { o in
        Condition(queueAbove: o.required("queue_above", .integer(in: 0...100_000_000)),
                  utilisationBelow: o.required("utilisation_below", .ratio))
    }
}
