import SimKernel

extension InfrastructureSpec {
    /// Reads `infrastructure`.
    static let reader = ValueReader<InfrastructureSpec>.object { o in
        let d = InfrastructureSpec()
        return InfrastructureSpec(
            networkLatency: o.optional("network_latency", .durationDistribution, default: d.networkLatency),
            database: o.optional("database", DatabaseSpec.reader, default: d.database),
            cache: o.optional("cache", CacheSpec.reader, default: d.cache),
            broker: o.optional("broker", BrokerSpec.reader, default: d.broker),
            locks: o.optional("locks", LockServerSpec.reader, default: d.locks),
            registry: o.optional("registry", RegistrySpec.reader, default: d.registry),
            dns: o.optional("dns", DNSSpec.reader))
    }
}

extension DNSSpec {
    static let reader = ValueReader<DNSSpec>.object { o in
        let d = DNSSpec()
        return DNSSpec(lookup: o.optional("lookup", .durationDistribution, default: d.lookup),
                       ttl: o.optional("ttl", .duration(atLeast: .zero), default: d.ttl),
                       staleWhileRevalidate: o.optional("stale_while_revalidate", .duration(atLeast: .zero),
                                                        default: d.staleWhileRevalidate))
    }
}

extension DatabaseSpec {
    static let reader = ValueReader<DatabaseSpec>.object { o in
        let d = DatabaseSpec()
        return DatabaseSpec(
            cores: o.optional("cores", .integer(in: 1...10_000), default: d.cores),
            maxConnections: o.optional("max_connections", .integer(in: 1...1_000_000), default: d.maxConnections),
            read: o.optional("read", .durationDistribution, default: d.read),
            write: o.optional("write", .durationDistribution, default: d.write),
            connect: o.optional("connect", .durationDistribution, default: d.connect))
    }
}

extension CacheSpec {
    static let reader = ValueReader<CacheSpec>.object { o in
        let d = CacheSpec()
        return CacheSpec(
            latency: o.optional("latency", .durationDistribution, default: d.latency),
            capacity: o.optional("capacity", .integer(in: 1...1_000_000_000), default: d.capacity),
            timeout: o.optional("timeout", .duration(atLeast: .milliseconds(1)), default: d.timeout))
    }
}

extension BrokerSpec {
    static let reader = ValueReader<BrokerSpec>.object { o in
        let d = BrokerSpec()
        return BrokerSpec(
            latency: o.optional("latency", .durationDistribution, default: d.latency),
            deliveryLimit: o.optional("delivery_limit", .integer(in: 1...10_000), default: d.deliveryLimit),
            maxLength: o.optional("max_length", .integer(in: 1...)),
            overflow: o.optional("overflow", .oneOf(Overflow.self), default: d.overflow),
            messageTTL: o.optional("message_ttl", .duration(atLeast: .milliseconds(1))))
    }
}

extension LockServerSpec {
    static let reader = ValueReader<LockServerSpec>.object { o in
        let d = LockServerSpec()
        return LockServerSpec(latency: o.optional("latency", .durationDistribution, default: d.latency),
                              timeout: o.optional("timeout", .duration(atLeast: .milliseconds(1)), default: d.timeout),
                              instances: o.optional("instances", .integer(in: 1...99), default: d.instances))
    }
}

extension RegistrySpec {
    static let reader = ValueReader<RegistrySpec>.object { o in
        let d = RegistrySpec()
        let heartbeat = o.optional("heartbeat", .duration(atLeast: .milliseconds(1)), default: d.heartbeat)
        let ttl = o.optional("ttl", .duration(atLeast: .milliseconds(1)), default: d.ttl)
        if !o.hasProblems, ttl < heartbeat { o.reject("ttl", expected: "a duration >= heartbeat") }
        let jitter = o.optional("jitter", ValueReader<Double>.ratio, default: d.jitter)
        let workers = o.optional("workers", .integer(in: 1...10_000))
        let queue = o.optional("queue", ServiceSpec.queueReader)
        let heartbeatWork = o.optional("heartbeat_work", .durationDistribution)
        let registrationWork = o.optional("registration_work", .durationDistribution)
        guard let workers else {
            // The server's fields describe a registry with finite capacity: without
            // `workers` the registry is free and they would silently mean nothing.
            // (A misspelt `workers` is reported as such, once.)
            for key in ["queue", "heartbeat_work", "registration_work"] where o.contains(key) && !o.hasNearMiss(of: "workers") {
                o.reject(key, expected: "no \(key) without workers (a registry without workers is free)")
            }
            return RegistrySpec(heartbeat: heartbeat, ttl: ttl, jitter: jitter)
        }
        let s = RegistryServerSpec(workers: workers)
        let server = RegistryServerSpec(workers: workers, queueCapacity: queue ?? s.queueCapacity,
                                        heartbeatWork: heartbeatWork ?? s.heartbeatWork,
                                        registrationWork: registrationWork ?? s.registrationWork)
        return RegistrySpec(heartbeat: heartbeat, ttl: ttl, jitter: jitter, server: server)
    }
}

extension FaultSpec {
    enum KindName: String, CaseIterable, Sendable {
        case latency, errors, crash, pause, partition, surge, slowdown, poison
        case cacheFlush = "cache_flush"
        case databaseSlowdown = "database_slowdown"
    }

    /// Reads one fault.
    static let reader = ValueReader<FaultSpec>.object { o in
        let at = o.required("at", .duration(atLeast: .zero))
        guard let kind = o.discriminator("kind", .oneOf(KindName.self)) else { return FaultSpec(.cacheFlush, at: at) }
        let duration: Duration?
        switch kind {
        case .latency, .errors, .pause, .partition, .databaseSlowdown, .surge, .slowdown, .poison:
            duration = o.required("for", .duration(atLeast: .nanoseconds(1)))
        case .crash, .cacheFlush:
            duration = nil
        }
        let fault: Kind
        switch kind {
        case .latency: fault = .latency(target: o.required("target", .nonEmptyString), extra: o.required("extra", .durationDistribution))
        case .errors: fault = .errors(target: o.required("target", .nonEmptyString), ratio: o.required("ratio", .ratio))
        case .crash:
            let target = o.required("target", .nonEmptyString)
            let restartAfter = o.optional("restart_after", .duration(atLeast: .nanoseconds(1)))
            if target == "database", restartAfter == nil, !o.hasProblems, !o.hasNearMiss(of: "restart_after") {
                // Statements wait for the database to come back; one that never does
                // would leave them waiting for ever. (A misspelt `restart_after` is
                // reported as such, once.)
                o.reject("restart_after", expected: "a duration >= 1ns (a crashed database must restart)")
            }
            fault = .crash(target: target, restartAfter: restartAfter)
        case .pause: fault = .pause(target: o.required("target", .nonEmptyString))
        case .partition:
            let between = o.required("between", .array(of: .nonEmptyString, count: 2...2))
            fault = between.count == 2 ? .partition(between[0], between[1]) : .cacheFlush
        case .cacheFlush: fault = .cacheFlush
        case .databaseSlowdown:
            fault = .databaseSlowdown(factor: o.required("factor", ValueReader<Double>.double(above: 0)
                .satisfying("a number above 0 and at most 1000000") { $0 <= 1_000_000 }))
        case .slowdown:
            fault = .slowdown(target: o.required("target", .nonEmptyString),
                              factor: o.required("factor", ValueReader<Double>.double(above: 0)
                                .satisfying("a number above 0 and at most 1000000") { $0 <= 1_000_000 }))
        case .surge:
            fault = .surge(factor: o.required("factor", ValueReader<Double>.double(above: 0)
                .satisfying("a number above 0 and at most 100") { $0 <= 100 }))
        case .poison: fault = .poison(ratio: o.required("ratio", .ratio))
        }
        return FaultSpec(fault, at: at, for: duration)
    }
}
